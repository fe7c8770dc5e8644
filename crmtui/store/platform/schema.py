"""Schema versions: numbered migrations (playhouse.migrations), a backup before each upgrade, and a refusal to
touch a database that a newer crm has upgraded."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crmtui.store.customers import search
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db, quoted
from crmtui.store.kernel.errors import CrmError

if TYPE_CHECKING:  # loaded by _runner() alone: a run whose schema is current needs none of it (_up_to_date)
    from playhouse.migrations import Runner

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
HISTORY_TABLE = "schema_migration"  # where the runner records each migration it applied


@dataclass
class SchemaStatus:
    applied: list[str]
    pending: list[str]
    unknown: list[str]  # applied by a newer crm: no file here

    @property
    def version(self) -> int:
        return len(self.applied)


def _runner() -> Runner:
    from playhouse.migrations import Runner

    return Runner(db.obj, directory=MIGRATIONS_DIR, table_name=HISTORY_TABLE)


def status() -> SchemaStatus:
    rows = _runner().status()
    return SchemaStatus(
        applied=[m.name for m in rows if m.applied and m.path],
        pending=[m.name for m in rows if not m.applied],
        unknown=[m.name for m in rows if m.applied and not m.path],
    )


def _refuse_newer(state: SchemaStatus) -> None:
    if state.unknown:
        raise CrmError(
            f"The database has schema changes this crm does not know ({', '.join(state.unknown)}): "
            "upgrade crm before using it."
        )


# A team's dump holds its schema alone; its search index needs pg_trgm, which lives in public (customers/search.py).
PG_DUMP_HEADER = "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;\n"


def backup(url_path: str | None) -> Path:
    """Copy the database aside: SQLite through its backup API, PostgreSQL through pg_dump (a file that restores into
    a fresh database with psql). Written under a temporary name and renamed once whole, so a backup killed half way
    never looks like a real one."""
    stamp = now().strftime("%Y%m%d-%H%M%S")
    if url_path is not None:
        target = Path(f"{url_path}.bak-{stamp}")
        partial = target.with_name(target.name + ".partial")
        try:
            with closing(sqlite3.connect(url_path)) as source, closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
        except sqlite3.Error as exc:
            partial.unlink(missing_ok=True)
            raise CrmError(f"Cannot back up {url_path}: {exc}.") from None
        os.replace(partial, target)
        return target
    if shutil.which("pg_dump") is None:
        raise CrmError("pg_dump is not on PATH, so the database cannot be backed up.")
    params = db.obj.connect_params
    schema = getattr(db.obj, "schema", None)  # a team in a schema of its own: its tables, not every team's
    target = Path.cwd() / f"crm-{db.obj.database}{'-' + schema if schema else ''}-{stamp}.sql"
    partial = target.with_name(target.name + ".partial")
    command = ["pg_dump", "-d", db.obj.database] + (["-n", quoted(schema)] if schema else [])
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params.get(key):
            command += [flag, str(params[key])]
    env = {**os.environ, "PGPASSWORD": params["password"]} if params.get("password") else None
    with partial.open("w", encoding="utf-8") as out:
        out.write(PG_DUMP_HEADER)
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
    if done.returncode:
        partial.unlink(missing_ok=True)
        reason = (done.stderr.strip().splitlines() or ["it failed"])[-1]
        raise CrmError(f"pg_dump could not back up the database: {reason}.")
    os.replace(partial, target)
    return target


def migrate() -> list[str]:
    """Apply the pending migrations, then remake what they leave stale; returns the migrations applied."""
    applied = _runner().up()
    _refresh_search_keys()
    return applied


def _refresh_search_keys() -> None:
    """Search keys are made by live code (pinyin), which frozen migrations cannot run: 0009 copies the old keys and
    marks them stale, and so does a change of the recipe (search.KEY_RECIPE). One query when they are current."""
    if search.keys_stale(db.obj):
        with db.atomic():
            search.rebuild_keys(db.obj)


def upgrade(sqlite_file: str | None) -> tuple[list[str], Path | None]:
    """Create or upgrade the schema; returns the migrations applied and the backup made (if any). With none
    pending it still remakes stale search keys: an upgrade stopped during that rebuild is finished by `crm init`."""
    state = status()
    _refuse_newer(state)
    if not state.pending:
        _refresh_search_keys()
        return [], None
    saved = backup(sqlite_file) if state.applied else None
    return migrate(), saved


def _up_to_date() -> bool:
    """Every migration here applied, and no other: what nearly every run finds. Answered with the runner's own two
    queries but without loading it (playhouse.migrations and what it imports are a noticeable part of a run)."""
    if not db.obj.table_exists(HISTORY_TABLE):
        return False
    applied = {name for (name,) in db.obj.execute_sql(f"SELECT name FROM {HISTORY_TABLE}")}
    return applied == {path.stem for path in Path(MIGRATIONS_DIR).glob("[0-9]*.py")}


def ensure_ready() -> None:
    """Before any command: make a brand-new database, refuse a newer one, and ask for `crm init` on an old one."""
    if _up_to_date():
        return
    state = status()
    _refuse_newer(state)
    if state.pending and not state.applied:
        migrate()  # a brand-new database: its key table is empty, so remaking its keys costs next to nothing
    elif state.pending:
        raise CrmError("The database schema is older than this crm: run `crm init` to back it up and upgrade it.")
