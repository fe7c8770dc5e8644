"""The root `crm` command: global options, error reporting, and the nouns mounted from crmtui.commands."""

import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from crmtui import __version__
from crmtui.commands import coercion, context
from crmtui.store.kernel.errors import CrmError


class CrmGroup(TyperGroup):
    """Turns the store's errors into one sentence on stderr and their exit code (0 done … 6 locked, see README's
    Configuration), never a traceback; finds subcommands in COMMANDS, loading only the one that runs."""

    _listing = False  # while the root help is drawn: summaries only, no command module imported

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        if self._listing:
            from typer.core import TyperCommand

            _, _, panel, summary = COMMANDS[name]
            return TyperCommand(name, help=summary, rich_help_panel=panel)
        return load_command(name)

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

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
        try:
            return super().invoke(ctx)
        except CrmError as exc:
            typer.echo(f"crm: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("crm: interrupted; nothing half-done was kept.", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            database_error = getattr(sys.modules.get("peewee"), "DatabaseError", ())  # peewee loads only if used
            if not isinstance(exc, database_error):
                raise
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            typer.echo(f"crm: the database refused the operation: {first_line}.", err=True)
            raise typer.Exit(1) from None
        finally:
            store = sys.modules.get("crmtui.store.kernel.db")
            if store is not None and store.db.obj is not None:
                store.db.obj.close()


coercion.install()  # plain parameters convert without pydantic (whose adapters cost every command dearly)

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
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db", envvar="CRM_DB", help="Database URL: sqlite:///PATH or postgresql://HOST/DB.", show_envvar=True
        ),
    ] = None,
    user: Annotated[
        Optional[str],
        typer.Option("--user", "-u", envvar="CRM_USER", help="Who is acting (a login).", show_envvar=True),
    ] = None,
    fmt: Annotated[
        Optional[str],
        typer.Option(
            "--format",
            "-f",
            envvar="CRM_FORMAT",
            callback=context.check_format,
            help="Output: table, csv, tsv, json or jsonl (default: table on a terminal, csv when piped).",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    context.configure(db, user, fmt)
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from crmtui.ui import launch  # the UI's door: Textual loads only now

            launch()
        else:
            typer.echo(ctx.get_help())


# Every noun and verb of the root: (module, attribute, help panel, summary). A command's module
# is imported, and its options built, only when that command runs; `crm --help` lists these summaries alone. So a
# command pays for itself, not for the other ninety (building them all cost more than the work of most commands).
# Command modules (and this one) do without `from __future__ import annotations`: Typer reads every parameter's
# type on every run, and a postponed annotation is a string it compiles again each time (docs/PERFORMANCE.md).
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "init": (
        "crmtui.commands.init",
        "init",
        "Set-up",
        "Create or upgrade the database (backing it up first), and the first admin.",
    ),
    "demo": (
        "crmtui.commands.demo",
        "demo",
        "Set-up",
        "Seed a realistic, repeatable demo team and its customers, deals and contracts.",
    ),
    "tui": ("crmtui.ui", "tui", "Set-up", "Open the full-screen UI (also what `crm` alone does on a terminal)."),
    "user": ("crmtui.commands.user", "app", "Set-up", "Users: admins, managers and reps."),
    "territory": (
        "crmtui.commands.territory",
        "app",
        "Set-up",
        "Territories (战区): sales regions, each with a public pool.",
    ),
    "settings": (
        "crmtui.commands.settings",
        "app",
        "Set-up",
        "Database settings: currency, repurchase_days, risk_days.",
    ),
    "db": ("crmtui.commands.db", "app", "Set-up", "The database itself: status, upgrade, backup, purge."),
    "customer": (
        "crmtui.commands.customer",
        "app",
        "Customers",
        "Customers: add, find, list, show, edit, merge, lock, transfer, delete.",
    ),
    "contact": ("crmtui.commands.contact", "app", "Customers", "Contacts: the people at a customer."),
    "followup": (
        "crmtui.commands.followup",
        "app",
        "Customers",
        "Follow-ups (跟进记录): calls, visits, WeChat, email, meetings.",
    ),
    "pool": (
        "crmtui.commands.pool",
        "app",
        "Customers",
        "The public pool (公海): list, claim, release, assign; rules and warnings.",
    ),
    "reclaim": (
        "crmtui.commands.reclaim",
        "reclaim",
        "Customers",
        "Send customers whose tier rule fired back to the pool (for cron).",
    ),
    "agenda": (
        "crmtui.commands.agenda",
        "agenda",
        "Customers",
        "Today's work (我的秘书): due follow-ups, reclaim warnings, stuck deals, payments due.",
    ),
    "deal": (
        "crmtui.commands.deal",
        "app",
        "Sales",
        "Deals (商机): add, list, show, move through stages, win or lose, edit, delete.",
    ),
    "stage": (
        "crmtui.commands.stage",
        "app",
        "Sales",
        "Pipeline stages: list, add and edit (name, order, probability, kind, stuck limit).",
    ),
    "pipeline": (
        "crmtui.commands.pipeline",
        "app",
        "Sales",
        "Pipelines: list and add (each has its own stages: see `crm stage`).",
    ),
    "product": (
        "crmtui.commands.product",
        "app",
        "Sales",
        "Products: the catalogue quotes and contracts price their lines from.",
    ),
    "quote": (
        "crmtui.commands.quote",
        "app",
        "Sales",
        "Quotes: draft → sent → accepted (makes the contract) or rejected.",
    ),
    "contract": (
        "crmtui.commands.contract",
        "app",
        "Sales",
        "Contracts: lines, amount, term, payment plan, balances; renewals due.",
    ),
    "payment": (
        "crmtui.commands.payment",
        "app",
        "Sales",
        "Payments: record money received; see payment plans and what is overdue.",
    ),
    "invoice": (
        "crmtui.commands.invoice",
        "app",
        "Sales",
        "Invoices: normal (普票) or special (专票), never more than contracted without --force.",
    ),
    "ticket": (
        "crmtui.commands.ticket",
        "app",
        "After-sales",
        "After-sales tickets (售后工单): open, assign, resolve, close, reopen.",
    ),
    "visit": (
        "crmtui.commands.visit",
        "app",
        "After-sales",
        "Return visits (回访): record them with a satisfaction score 1-5, list them, average them.",
    ),
    "report": (
        "crmtui.commands.report",
        "report",
        "Reports and data",
        "Reports: funnel, win-rate, leaderboard, forecast, receivables, pool, trend …",
    ),
    "export": (
        "crmtui.commands.export",
        "export",
        "Reports and data",
        "Export any entity as CSV, TSV, JSON, JSON lines, vCard or iCalendar.",
    ),
    "import": (
        "crmtui.commands.importer",
        "import_",
        "Reports and data",
        "Import users, territories, customers, contacts, products, deals, follow-ups, contracts.",
    ),
}


def load_command(name: str):
    """The Click command behind NAME, built from its module now, without the shell-completion options (those
    belong to `crm` itself, not to each noun)."""
    import importlib

    from typer.main import get_command, get_group

    module, attribute, panel, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command = get_group(target)
    else:  # a single function: a one-command app gives its Click command
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = get_command(single)
    command.name, command.rich_help_panel = name, panel
    return command


def main() -> None:
    """The console entry point: even a bug ends as one line on stderr (CRM_DEBUG=1 shows the traceback)."""
    import os

    context.settle_backend(sys.argv[1:])
    try:
        app()
    except Exception as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        typer.echo(f"crm: unexpected failure ({type(exc).__name__}: {exc}); set CRM_DEBUG=1 for details.", err=True)
        sys.exit(1)
