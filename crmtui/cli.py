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
    from crmtui.commands import init, territory, user

    app.command("init")(init.init)
    app.add_typer(user.app, name="user")
    app.add_typer(territory.app, name="territory")


_mount()


def main() -> None:
    app()
