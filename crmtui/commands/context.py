"""The global options of one `crm` run (set by the root callback) and the store opened from them."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crmtui.store.kernel.config import read_config, resolve_url, sqlite_path
from crmtui.store.kernel.errors import BadInput

if TYPE_CHECKING:  # the store pulls in peewee: not for `crm --help`
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
    config = read_config()
    options = RunOptions(db=db, user=user or config.get("user"), format=fmt or config.get("format"))


def settle_backend(args: list[str]) -> None:
    """Before any command module loads (Click loads the subcommand before the root's callback runs): a run on an
    SQLite file never loads the PostgreSQL driver, which peewee would otherwise import as it loads. ARGS are the
    command line's; --db is read from them as the root reads it."""
    explicit = next((a.split("=", 1)[1] for a in args if a.startswith("--db=")), None)
    if explicit is None and "--db" in args and args.index("--db") + 1 < len(args):
        explicit = args[args.index("--db") + 1]
    try:
        on_sqlite = sqlite_path(resolve_url(explicit)) is not None
    except BadInput:
        return  # a broken config file: the root callback says so
    if on_sqlite and "peewee" not in sys.modules:
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


def output_format(override: str | None = None) -> str:
    chosen = override or options.format
    if chosen:
        return chosen
    return "table" if sys.stdout.isatty() else "csv"


def interactive() -> bool:
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
