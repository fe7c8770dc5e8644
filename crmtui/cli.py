"""The root `crm` command: global options, error reporting, and the nouns mounted from crmtui.commands."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from crmtui import __version__
from crmtui.commands import context


class CrmGroup(TyperGroup):
    """Turns the store's errors into one sentence on stderr and DESIGN.md's exit code, never a traceback."""

    def main(self, *args, **kwargs):
        """Usage errors as one line (`crm: ...`, exit 2) instead of Typer's framed panel."""
        from typer._click.exceptions import ClickException
        from typer.exceptions import Abort

        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except ClickException as exc:
            message = exc.format_message().strip().rstrip(".")
            if message:  # empty when a bare group printed its help
                hint = f" (see `{exc.ctx.command_path} --help`)" if getattr(exc, "ctx", None) else ""
                typer.echo(f"crm: {message}{hint}.", err=True)
            sys.exit(exc.exit_code)
        except Abort:
            typer.echo("crm: aborted; nothing was changed.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        from peewee import DatabaseError

        from crmtui.store.errors import CrmError

        try:
            return super().invoke(ctx)
        except CrmError as exc:
            typer.echo(f"crm: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except DatabaseError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            typer.echo(f"crm: the database refused the operation: {first_line}.", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("crm: interrupted; nothing half-done was kept.", err=True)
            raise typer.Exit(130) from None
        finally:
            from crmtui.store.db import db

            if db.obj is not None:
                db.obj.close()


app = typer.Typer(
    cls=CrmGroup,
    name="crm",
    help="crmtui: a terminal CRM for sales teams. Run `crm` alone on a terminal for the full-screen UI.",
    epilog="Example: crm --user alice customer list --owner me --due today",
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    invoke_without_command=True,
    no_args_is_help=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option("--db", envvar="CRM_DB", help="Database URL: sqlite:///PATH or postgresql://HOST/DB.", show_envvar=True)] = None,
    user: Annotated[Optional[str], typer.Option("--user", "-u", envvar="CRM_USER", help="Who is acting (a login).", show_envvar=True)] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", envvar="CRM_FORMAT", callback=context.check_format, help="Output: table, csv, tsv, json or jsonl (default: table on a terminal, csv when piped).", show_envvar=True)] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    context.configure(db, user, fmt)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from crmtui.commands.tui import launch

            launch()
        else:
            typer.echo(ctx.get_help())


def _mount() -> None:
    from crmtui.commands import contact, customer, db, dedupe, export, followup, importer, init, ownership, pool
    from crmtui.commands import reclaim, territory, user

    app.command("init")(init.init)
    from crmtui.commands import demo

    app.command("demo")(demo.demo)
    app.add_typer(db.app, name="db")
    app.add_typer(user.app, name="user")
    app.add_typer(territory.app, name="territory")
    app.add_typer(customer.app, name="customer")
    customer.app.command("dupes")(dedupe.dupes)
    customer.app.command("merge")(dedupe.merge)
    customer.app.command("lock")(ownership.lock)
    customer.app.command("unlock")(ownership.unlock)
    customer.app.command("transfer")(ownership.transfer)
    app.add_typer(pool.app, name="pool")
    app.command("reclaim")(reclaim.reclaim)
    app.add_typer(contact.app, name="contact")
    app.add_typer(followup.app, name="followup")
    from crmtui.commands import deal, pipeline, stage

    app.add_typer(deal.app, name="deal")
    app.add_typer(stage.app, name="stage")
    app.add_typer(pipeline.app, name="pipeline")
    from crmtui.commands import contract, invoice, payment, product, quote

    app.add_typer(product.app, name="product")
    app.add_typer(quote.app, name="quote")
    app.add_typer(contract.app, name="contract")
    app.add_typer(payment.app, name="payment")
    app.add_typer(invoice.app, name="invoice")
    app.command("export")(export.export)
    app.command("import")(importer.import_)
    from crmtui.commands import agenda, report

    app.command("report")(report.report)
    app.command("agenda")(agenda.agenda)
    from crmtui.commands import tui

    app.command("tui")(tui.tui)
    from crmtui.commands import settings as settings_cmd
    from crmtui.commands import ticket, visit

    app.add_typer(settings_cmd.app, name="settings")
    app.add_typer(ticket.app, name="ticket")
    app.add_typer(visit.app, name="visit")


_mount()


def main() -> None:
    """The console entry point: even a bug ends as one line on stderr (CRM_DEBUG=1 shows the traceback)."""
    import os

    try:
        app()
    except Exception as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        typer.echo(f"crm: unexpected failure ({type(exc).__name__}: {exc}); set CRM_DEBUG=1 for details.", err=True)
        sys.exit(1)
