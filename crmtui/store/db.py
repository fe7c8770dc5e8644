"""Which database, and how to open it: SQLite (embedded default) or PostgreSQL (the team server)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase

from .errors import BadInput

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -64000,
}


def config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("CRM_CONFIG") or Path(user_config_dir("crmtui")) / "config.toml")


def read_config() -> dict:
    """The optional config file (TOML: db, user, format); a broken one is bad input, not a traceback."""
    path = config_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"The config file {path} is not valid TOML: {exc}.") from None


def default_url() -> str:
    from platformdirs import user_data_dir

    return "sqlite:///" + str(Path(user_data_dir("crmtui")) / "crm.sqlite3")


def resolve_url(explicit: str | None = None) -> str:
    """--db, then CRM_DB, then the config file, then an SQLite file in the user data dir."""
    return explicit or os.environ.get("CRM_DB") or read_config().get("db") or default_url()


def sqlite_path(url: str) -> str | None:
    """The file behind an SQLite URL (or bare path); None for a server URL."""
    if url.startswith("sqlite:///"):  # sqlite:///relative.db, sqlite:////absolute.db
        return url[len("sqlite:///") :]
    if url.startswith("sqlite:"):
        return url[len("sqlite:") :]
    if "://" not in url:
        return url
    return None


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
    # and turned a 50 ms search into 300 ms in the TUI's long-lived connection. Plan each run for its values.
    options = [params.get("options"), "-c plan_cache_mode=force_custom_plan"]
    if schema:  # a schema per team (or per test) inside one server database
        options.append(f"-c search_path={schema},public")
    params["options"] = " ".join(filter(None, options))
    return PostgresqlDatabase(parsed.path.lstrip("/") or "postgres", **{k: v for k, v in params.items() if v})


def bind(url: str) -> Database:
    """Point the store at the database behind URL."""
    database = open_database(url)
    db.initialize(database)
    return database


def is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


def redact(url: str) -> str:
    """A URL fit for messages: the password replaced."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(":" + parsed.password + "@", ":***@")
    return url
