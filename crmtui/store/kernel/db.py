"""Which database, and how to open it: SQLite (embedded default) or PostgreSQL (the team server)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase

from crmtui.store.kernel.config import sqlite_path
from crmtui.store.kernel.errors import BadInput

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -64000,
}


class TeamDatabase(PostgresqlDatabase):
    """PostgreSQL, optionally in a schema of its own (a team, or a test, per schema of one server database)."""

    def __init__(self, database: str, schema: str | None = None, **kwargs):
        super().__init__(database, **kwargs)
        self.schema = schema

    def make_schema(self) -> None:
        """Make the URL's schema if it is new, as a new SQLite path makes a new file (session.connect, once per
        run): without it the search path would fall through to public and put the team's tables there."""
        if (
            self.schema
            and not self.execute_sql("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()
        ):
            self.execute_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted(self.schema)}")


def quoted(identifier: str) -> str:
    """IDENTIFIER as PostgreSQL reads a name exactly as written: EastTeam stays EastTeam, not eastteam."""
    return '"' + identifier.replace('"', '""') + '"'


def _option(value: str) -> str:
    """VALUE inside libpq's options string, which splits at spaces and reads a backslash as an escape."""
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


def open_database(url: str) -> Database:
    path = sqlite_path(url)
    if path is not None:
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=30, lock_type="IMMEDIATE")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise BadInput(f"Unknown database URL scheme {parsed.scheme!r}: use sqlite:///PATH or postgresql://HOST/DB.")
    query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    schema = query.pop("schema", None)
    params = dict(
        host=parsed.hostname or "localhost",
        port=parsed.port or 5432,
        user=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        **query,
    )
    # psycopg prepares a statement run 5 times; PostgreSQL's generic plan for it ignores the actual LIKE pattern
    # and turned a quick search into a slow one in the TUI's long-lived connection. Plan each run for its values.
    options = [params.get("options"), "-c plan_cache_mode=force_custom_plan"]
    if schema:  # a schema per team (or per test) inside one server database
        options.append(f"-c search_path={_option(quoted(schema))},public")
    params["options"] = " ".join(filter(None, options))
    return TeamDatabase(parsed.path.lstrip("/") or "postgres", schema, **{k: v for k, v in params.items() if v})


def bind(url: str) -> Database:
    """Point the store at the database behind URL."""
    database = open_database(url)
    db.initialize(database)
    return database
