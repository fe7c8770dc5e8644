"""The database itself: schema versions, backups before upgrades, refusal of a newer schema, purge, status."""

import json
from datetime import datetime, timedelta
from pathlib import Path

from conftest import database_state
from playhouse.migrations import Runner

from crmtui.store.kernel.config import sqlite_path
from crmtui.store.kernel.db import db
from crmtui.store.kernel.models import Contact, Customer, Deal, Followup, Pipeline, Stage
from crmtui.store.platform.schema import MIGRATIONS_DIR, status


def test_a_database_from_a_newer_crm_is_refused(cli):
    Runner(db.obj, directory=MIGRATIONS_DIR).History.create(name="9999_from_the_future")
    result = cli("user", "list")
    assert result.exit_code == 1
    assert "upgrade crm" in result.stderr and "9999_from_the_future" in result.stderr


def test_an_older_schema_asks_for_init_which_backs_up_then_upgrades(db_url, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from crmtui.cli import app
    from crmtui.store.platform.session import connect

    connect(db_url)
    runner = Runner(db.obj, directory=MIGRATIONS_DIR)
    first = runner.migrations()[0].name
    runner.up(target=first)
    assert status().pending, "needs a second migration to upgrade to"
    env = {"CRM_DB": db_url}
    refused = CliRunner().invoke(app, ["user", "list"], env=env)
    assert refused.exit_code == 1 and "crm init" in refused.stderr
    monkeypatch.chdir(tmp_path)  # where a PostgreSQL dump lands
    upgraded = CliRunner().invoke(app, ["init", "--admin", "root"], env=env)
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "Backed up the database to" in upgraded.stderr
    backup = Path(upgraded.stderr.split("Backed up the database to ")[1].split(".\n")[0].strip())
    assert backup.exists() and backup.stat().st_size > 0
    if sqlite_path(db_url):
        import sqlite3

        with sqlite3.connect(backup) as copy:
            assert [n for (n,) in copy.execute("SELECT name FROM schema_migration")] == [first]
    else:  # the team's schema alone, not every team's on the server
        created = [line.split()[2] for line in backup.read_text().splitlines() if line.startswith("CREATE TABLE ")]
        assert created and {name.split(".")[0] for name in created} == {db.obj.schema}
    assert not status().pending


def _old_deleted_customer_with_history(team) -> int:
    customer = Customer.create(
        name="gone", territory=team.east, owner=team.ids["wang"], deleted_at=datetime(2020, 1, 1)
    )
    contact = Contact.create(customer=customer, name="someone")
    Followup.create(customer=customer, contact=contact, user=team.ids["wang"], note="hello")
    stage = Stage.select().join(Pipeline).where(Pipeline.is_default).order_by(Stage.position).first()
    Deal.create(customer=customer, pipeline=stage.pipeline_id, stage=stage, title="big one", amount="10.50")
    return customer.id


def test_purge_removes_old_soft_deleted_rows_with_what_hangs_off_them(team, cli):
    gone = _old_deleted_customer_with_history(team)
    recent = Customer.create(name="recent", territory=team.east, deleted_at=datetime.utcnow() - timedelta(days=1))
    before = database_state()
    dry = cli("db", "purge", "--dry-run", "--format", "json")
    assert dry.exit_code == 0
    assert {r["table"]: r["purged"] for r in json.loads(dry.stdout)}["customer"] == 1
    assert database_state() == before
    assert cli("db", "purge", "--yes").exit_code == 0
    assert not Customer.select().where(Customer.id == gone).exists()
    assert not Followup.select().exists() and not Deal.select().exists() and not Contact.select().exists()
    assert Customer.select().where(Customer.id == recent.id).exists()


def test_purge_is_for_admins_and_needs_confirmation(team, cli):
    _old_deleted_customer_with_history(team)
    before = database_state()
    assert cli("db", "purge", "--yes", user="li.na").exit_code == 4
    unconfirmed = cli("db", "purge")
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.stderr
    assert database_state() == before


def test_status_names_the_backend_and_version(store, cli):
    shown = json.loads(cli("db", "status", "--format", "json").stdout)
    assert shown["backend"] == ("sqlite" if store.startswith("sqlite") else "postgresql")
    assert shown["schema_version"] == len(status().applied) and shown["pending_migrations"] == 0


def test_a_postgresql_schema_named_in_the_url_is_made_on_first_use_and_holds_the_tables_and_search_index():
    """A team's schema that does not exist yet must not send its tables to `public` through the search path."""
    import os
    import subprocess
    import uuid

    import psycopg
    import pytest
    from conftest import CRM_SCRIPT, PG_URL, REQUIRE_PG, pg_problem

    if pg_problem():
        pytest.fail(pg_problem()) if REQUIRE_PG else pytest.skip(pg_problem())
    schema = "t_new_" + uuid.uuid4().hex[:8]
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={schema}"
    count = "SELECT count(*) FROM pg_tables WHERE schemaname = %s"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        public_before = conn.execute(count, ("public",)).fetchone()[0]
    try:
        run = subprocess.run(
            [str(CRM_SCRIPT), "--db", url, "init", "--admin", "boss"],
            capture_output=True,
            text=True,
            env=os.environ,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            assert conn.execute(count, (schema,)).fetchone()[0] > 20
            assert conn.execute(count, ("public",)).fetchone()[0] == public_before
            # pg_trgm serves every team from public: made inside this schema, the next team's init could not use
            # it and dropping this team would drop every team's search index.
            extension = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            assert conn.execute(extension).fetchone()[0] != schema
            index = "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = 'customer_search_key_trgm'"
            assert "gin_trgm_ops" in conn.execute(index, (schema,)).fetchone()[0]
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
