"""The global options of one `crm` run (set by the root callback) and the store opened from them."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Optional

from typer import Option

if TYPE_CHECKING:  # the store pulls in peewee and psycopg: not for `crm --help`
    from crmtui.store.kernel.access import Actor

FORMATS = ("table", "csv", "tsv", "json", "jsonl")


@dataclass
class RunOptions:
    db: str | None = None
    user: str | None = None
    format: str | None = None
    _actor: Actor | None = field(default=None, repr=False)


options = RunOptions()


def configure(db: str | None, user: str | None, fmt: str | None) -> None:
    """Called by the root callback once per run; CLI flags win over env vars (Typer reads those) and the config."""
    global options
    from crmtui.store.kernel.config import read_config, resolve_url, sqlite_path

    config = read_config()
    options = RunOptions(db=db, user=user or config.get("user"), format=fmt or config.get("format"))
    if sqlite_path(resolve_url(db)) is not None and "peewee" not in sys.modules:
        # peewee imports the PostgreSQL driver as it loads (~100 ms, a third of a quick command's run); a process
        # working on an SQLite file never uses it. Decided here, before any command imports the store.
        sys.modules.setdefault("psycopg", None)
        sys.modules.setdefault("psycopg2", None)


def actor() -> Actor:
    """The acting user, opening the store on first use."""
    if options._actor is None:
        from crmtui.store.platform.session import open_store

        options._actor = open_store(options.db, options.user)
    return options._actor


def check_format(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        import typer

        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}")
    return value


# Every listing command takes --format too, so it may follow the command as well as precede it.
FormatOption = Annotated[
    Optional[str],
    Option("--format", "-f", help="table, csv, tsv, json or jsonl.", callback=check_format, show_default=False),
]


def output_format(override: str | None = None) -> str:
    chosen = override or options.format
    if chosen:
        return chosen
    return "table" if sys.stdout.isatty() else "csv"


def interactive() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
