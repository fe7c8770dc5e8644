"""Opening the store for a front end: bind the database, make or check its schema, and name the actor."""

from __future__ import annotations

from peewee import OperationalError

from crmtui.store.kernel.access import Actor, actor_for
from crmtui.store.kernel.config import redact, resolve_url, sqlite_path
from crmtui.store.kernel.db import TeamDatabase, bind
from crmtui.store.kernel.errors import CrmError
from crmtui.store.platform.schema import ensure_ready


def connect(url: str | None = None) -> str | None:
    """Bind the store to the database at URL (--db, CRM_DB, the config file, or the user's data dir: kernel/config.py); returns its SQLite file, if any."""
    resolved = resolve_url(url)
    database = bind(resolved)
    try:
        database.connect(reuse_if_open=True)
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CrmError(f"Cannot open the database {redact(resolved)}: {reason}.") from None
    if isinstance(database, TeamDatabase):
        database.make_schema()
    return sqlite_path(resolved)


def open_store(url: str | None = None, login: str | None = None) -> Actor:
    connect(url)
    ensure_ready()
    return actor_for(login)
