"""`crm db`: status, upgrade, backup and purge of the database itself."""

from dataclasses import asdict
from typing import Annotated

import typer

from crmtui.commands import context, options
from crmtui.commands.init import init
from crmtui.commands.output import emit, emit_record, say
from crmtui.store.platform.maintenance import database_status
from crmtui.store.platform.maintenance import purge as purge_rows
from crmtui.store.platform.schema import backup as make_backup
from crmtui.store.platform.session import connect

app = typer.Typer(help="The database itself: status, upgrade, backup, purge.", no_args_is_help=True)


@app.command("status")
def status_(fmt: options.FormatOption = None) -> None:
    """Show the backend, schema version and how many customers it holds.

    Example: crm --db postgresql://crm@db.example/crm db status
    """
    context.actor()
    emit_record(asdict(database_status()), context.output_format(fmt))


@app.command("upgrade")
def upgrade() -> None:
    """Apply pending schema migrations, backing the database up first (the same as `crm init`).

    Example: crm db upgrade
    """
    init(admin=None)


@app.command("backup")
def backup() -> None:
    """Copy the database aside: an SQLite file copy beside it, or a pg_dump file in the current directory.

    Example: crm db backup
    """
    say(f"Backed up to {make_backup(connect(context.options.db))}.")


@app.command("purge")
def purge(
    older_than: Annotated[int, typer.Option("--older-than", min=0, help="Days since deletion.")] = 30,
    dry_run: options.dry_run("Count what would go; delete nothing.") = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: options.FormatOption = None,
) -> None:
    """Delete for good what was soft-deleted more than N days ago (admins only). Restore is impossible after.

    Example: crm db purge --older-than 90 --dry-run
    """
    actor = context.actor()
    if not dry_run and not yes:
        if not context.interactive():
            raise typer.BadParameter("purge deletes for good: pass --yes (or --dry-run to count first)")
        typer.confirm(f"Delete for good everything soft-deleted over {older_than} days ago?", abort=True)
    counts = purge_rows(actor, older_than, dry_run)
    emit(["table", "purged"], sorted(counts.items()), context.output_format(fmt))
