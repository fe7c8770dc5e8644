"""Every store and CLI test runs on a real SQLite file and on the real PostgreSQL server (a fresh schema each).

CRM_TEST_PG names the server (default postgresql://postgres@127.0.0.1:5432/test). Without a reachable server the
PostgreSQL cases skip with the reason; with CRM_TEST_REQUIRE_PG=1 (as in CI) they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_URL = os.environ.get("CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CRM_TEST_REQUIRE_PG") == "1"
ROOT = Path(__file__).resolve().parents[1]
CRM_SCRIPT = Path(sys.executable).with_name("crm")  # the installed console script, as users run it


def _pg_problem() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure to reach the server is a reason to skip
        return f"PostgreSQL at {PG_URL} is not reachable ({type(exc).__name__}: {str(exc).strip()[:120]})"


_PG_PROBLEM: list[str | None] = []


def pg_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_pg_problem())
    return _PG_PROBLEM[0]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """No test sees the developer's database, user, config or clock."""
    for name in ("CRM_DB", "CRM_USER", "CRM_FORMAT", "CRM_NOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("NO_COLOR", "1")


def _fresh_pg_schema():
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in PG_URL else "?"
    return schema, f"{PG_URL}{separator}schema={schema}"


def _drop_pg_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """The URL of an empty database, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.sqlite3'}"
        return
    problem = pg_problem()
    if problem:
        if REQUIRE_PG:
            pytest.fail(problem + " and CRM_TEST_REQUIRE_PG=1")
        pytest.skip(problem)
    schema, url = _fresh_pg_schema()
    try:
        yield url
    finally:
        from crmtui.store.kernel.db import db

        if db.obj is not None:
            db.obj.close()
        _drop_pg_schema(schema)


@pytest.fixture
def store(db_url):
    """The store bound to a fresh, initialised database; yields the URL."""
    from crmtui.store.kernel.db import db
    from crmtui.store.platform.session import connect
    from crmtui.store.platform.setup import initialize

    initialize(connect(db_url), "root")
    yield db_url
    db.obj.close()


@dataclass
class Team:
    """A small organisation: two territories, an admin, two managers and three reps."""

    east: int
    south: int
    ids: dict[str, int]


@pytest.fixture
def team(store) -> Team:
    from crmtui.store.kernel.access import actor_for
    from crmtui.store.org.territories import add_territory
    from crmtui.store.org.users import add_user

    root = actor_for("root")
    east, south = add_territory(root, "华东"), add_territory(root, "华南")
    ids = {"root": root.id}
    ids["li.na"] = add_user(root, "li.na", "manager", "李娜", "华东")
    ids["wang"] = add_user(root, "wang", "rep", "王芳", "华东", "li.na")
    ids["zhang"] = add_user(root, "zhang", "rep", "张伟", "华东", "li.na")
    ids["zhao"] = add_user(root, "zhao", "manager", "赵磊", "华南")
    ids["chen"] = add_user(root, "chen", "rep", "陈静", "华南", "zhao")
    return Team(east, south, ids)


def as_user(login: str):
    from crmtui.store.kernel.access import actor_for

    return actor_for(login)


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(store):
    """Run `crm` in-process through Typer's runner against the test database: cli("customer", "list", user="wang")."""
    from typer.testing import CliRunner

    from crmtui.cli import app

    runner = CliRunner()

    def run(*args: str, user: str | None = "root", input: str | None = None, env: dict | None = None) -> CliResult:
        full_env = {"CRM_DB": store, **({"CRM_USER": user} if user else {}), **(env or {})}
        result = runner.invoke(app, list(args), env=full_env, input=input, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def crm(store):
    """Run the real `crm` entry point in a subprocess against the test database."""

    def run(*args: str, user: str | None = "root", input: str | None = None, env: dict | None = None) -> CliResult:
        full_env = {**os.environ, "CRM_DB": store, **({"CRM_USER": user} if user else {}), **(env or {})}
        proc = subprocess.run(
            [str(CRM_SCRIPT), *args],
            capture_output=True,
            text=True,
            input=input,
            env=full_env,
            timeout=120,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def database_state() -> dict[str, list[tuple]]:
    """Every row of every table, to assert that a refused command changed nothing."""
    from crmtui.store.kernel.models import ALL_MODELS

    return {m._meta.table_name: sorted(map(repr, m.select().tuples())) for m in ALL_MODELS}
