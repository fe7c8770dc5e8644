"""Defects found by probing from outside (issue 24), each pinned: teams that share a server stay apart whatever their
schema is called, backups restore and never look whole when they are not, imports keep the reclaim clock and the
owned cap as the commands do."""

import csv
import io
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import CRM_SCRIPT, PG_URL, REQUIRE_PG, as_user, database_state, pg_problem

from crmtui.store.customers.records import add_customer
from crmtui.store.kernel.models import Customer, Followup
from crmtui.store.pool.rules import set_rules


def _need_pg():
    if pg_problem():
        pytest.fail(pg_problem()) if REQUIRE_PG else pytest.skip(pg_problem())


def _crm(url: str, *args: str, user: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"CRM_USER": user} if user else {})}
    env.pop("CRM_DB", None)
    return subprocess.run(
        [str(CRM_SCRIPT), "--db", url, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )


def _team_url(schema: str) -> str:
    from urllib.parse import quote

    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}schema={quote(schema)}"


def _drop(*schemas: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema.replace(chr(34), chr(34) * 2)}" CASCADE')


@pytest.mark.parametrize("east, west", [("EastTeam", "WestTeam"), ("East Team", "West Team"), ('a"b', 'a"c')])
def test_teams_on_one_server_never_see_each_others_customers(east, west):
    """A schema named with capitals, a space or a double quote holds its team's tables, not public's or another's."""
    _need_pg()
    tag = uuid.uuid4().hex[:6]
    east, west = f"{east}{tag}", f"{west}{tag}"
    try:
        for schema in (east, west):
            made = _crm(_team_url(schema), "init", "--admin", "boss")
            assert made.returncode == 0, made.stderr
        setup = (("territory", "add", "华东"), ("customer", "add", "只属于东队的客户", "--territory", "华东"))
        for args in setup:
            assert _crm(_team_url(east), *args, user="boss").returncode == 0
        assert "只属于东队的客户" in _crm(_team_url(east), "customer", "list", user="boss").stdout
        listed = _crm(_team_url(west), "customer", "list", "--format", "csv", user="boss")
        assert listed.returncode == 0 and "只属于东队的客户" not in listed.stdout
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            owner = "SELECT table_schema FROM information_schema.tables WHERE table_name = 'customer'"
            assert {east, west} <= {row[0] for row in conn.execute(owner)}
            assert conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'customer'"
            ).fetchone() == (0,)
    finally:
        _drop(east, west)


def test_a_team_backup_restores_into_a_fresh_database(tmp_path):
    """The dump of one team's schema brings what its search index needs (pg_trgm in public) and reads back whole."""
    _need_pg()
    schema, database = f"Restore{uuid.uuid4().hex[:6]}", f"crm_restore_{uuid.uuid4().hex[:8]}"
    url = _team_url(schema)
    try:
        assert _crm(url, "init", "--admin", "boss").returncode == 0
        assert _crm(url, "territory", "add", "华东", user="boss").returncode == 0
        assert _crm(url, "customer", "add", "宁波永泰环保", "--territory", "华东", user="boss").returncode == 0
        done = _crm(url, "db", "backup", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        dumps = list(tmp_path.glob("crm-*.sql"))
        assert len(dumps) == 1 and not list(tmp_path.glob("*.partial"))
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        fresh = PG_URL.rsplit("/", 1)[0] + f"/{database}"
        restored = subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-d", fresh, "-f", str(dumps[0])], capture_output=True, text=True
        )
        assert restored.returncode == 0, restored.stderr
        found = _crm(f"{fresh}?schema={schema}", "customer", "search", "nbyt", "--format", "csv", user="boss")
        assert found.returncode == 0 and "宁波永泰环保" in found.stdout, found.stderr
    finally:
        _drop(schema)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def test_a_failed_sqlite_backup_leaves_nothing_that_looks_like_a_backup(tmp_path):
    broken = tmp_path / "crm.sqlite3"
    broken.write_bytes(b"this is not an SQLite database" * 100)
    done = _crm(f"sqlite:///{broken}", "db", "backup")
    assert done.returncode != 0 and done.stderr.startswith("crm: ") and done.stderr.count("\n") == 1, done.stderr
    assert "unexpected failure" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.sqlite3"]


def test_a_sqlite_backup_is_whole_and_renamed_once_done(tmp_path):
    path = tmp_path / "crm.sqlite3"
    assert _crm(f"sqlite:///{path}", "init", "--admin", "boss").returncode == 0
    done = _crm(f"sqlite:///{path}", "db", "backup")
    assert done.returncode == 0, done.stderr
    copies = list(tmp_path.glob("crm.sqlite3.bak-*"))
    assert len(copies) == 1 and not copies[0].name.endswith(".partial")
    with sqlite3.connect(copies[0]) as copy:
        assert copy.execute("SELECT count(*) FROM schema_migration").fetchone()[0] > 0


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _import(cli, tmp_path, entity: str, rows: list[dict], *options: str, user: str = "root"):
    path = tmp_path / f"{entity}-{uuid.uuid4().hex[:6]}.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    return cli("import", entity, str(path), *options, user=user)


def test_imported_follow_ups_keep_the_reclaim_clock(team, cli, tmp_path):
    """`followup log --at` refuses the future; so does an import of follow-ups or of customers' last follow-up."""
    add_customer(as_user("wang"), "宏达")
    before = database_state()
    future = [{"customer": "宏达", "user": "wang", "at": "2099-12-31 10:00", "note": "planned"}]
    refused = _import(cli, tmp_path, "followups", future, user="wang")
    assert refused.exit_code == 2 and "at '2099-12-31 10:00'" not in refused.stderr
    assert "line 2: at is in the future" in refused.stderr, refused.stderr
    planned_before = [{"customer": "宏达", "user": "wang", "at": "2026-01-02 10:00", "next_at": "2026-01-01"}]
    assert "line 2: next_at is not after at" in _import(cli, tmp_path, "followups", planned_before).stderr
    cheat = [{"name": "宏达", "last_followup_at": "2099-01-01"}]
    for options in ((), ("--on-duplicate", "update")):
        result = _import(cli, tmp_path, "customers", cheat, *options, user="wang")
        assert result.exit_code == 2 and "last_followup_at is in the future" in result.stderr, result.stderr
    assert database_state() == before
    assert not Followup.select().exists()


def test_the_owned_cap_holds_for_customer_add_and_imports(team, cli, tmp_path):
    set_rules(as_user("li.na"), "华东", owned_cap=2)
    for name in ("甲", "乙"):
        assert cli("customer", "add", name, user="wang").exit_code == 0
    before = database_state()
    added = cli("customer", "add", "丙", user="wang")  # a rep's own customer
    assert added.exit_code == 5 and "wang owns 2 customers: the cap is 2 in 华东." in added.stderr, added.stderr
    given = cli("customer", "add", "丁", "--owner", "wang", "--territory", "华东", user="li.na")
    assert given.exit_code == 5 and "the cap is 2 in 华东" in given.stderr
    rows = [{"name": f"导入{n}", "territory": "华东"} for n in range(3)]
    mine = _import(cli, tmp_path, "customers", rows, user="wang")  # a rep's import is theirs
    assert mine.exit_code == 2 and "line 2: owner would own more than the cap of 2" in mine.stderr, mine.stderr
    owned = [{**row, "owner": "zhang"} for row in rows]
    theirs = _import(cli, tmp_path, "customers", owned, user="li.na")
    assert theirs.exit_code == 2 and "line 4: owner would own more than the cap of 2" in theirs.stderr
    assert "line 2:" not in theirs.stderr and "line 3:" not in theirs.stderr  # zhang had room for two
    assert database_state() == before
    kept = _import(cli, tmp_path, "customers", owned, "--skip-invalid", user="li.na")
    assert kept.exit_code == 0, kept.stderr
    assert Customer.select().where(Customer.owner == team.ids["zhang"]).count() == 2
