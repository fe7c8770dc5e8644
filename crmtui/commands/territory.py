"""`crm territory`: the sales regions (战区), each with its own public pool."""

from typing import Annotated

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects
from crmtui.store.org.territories import TerritoryRow, add_territory, list_territories

app = typer.Typer(help="Territories (战区): sales regions, each with a public pool.", no_args_is_help=True)


@app.command("add")
def add(name: Annotated[str, typer.Argument(help="The territory's name.")]) -> None:
    """Add a territory, with the default pool rules. Prints its id.

    Example: crm territory add 华东
    """
    typer.echo(add_territory(context.actor(), name))


@app.command("list")
def list_(fmt: options.FormatOption = None) -> None:
    """List territories with their reps and customers in the pool and owned.

    Example: crm territory list --format json
    """
    emit_objects(
        list_territories(context.actor()), context.output_format(fmt), row_type=TerritoryRow, empty="No territories."
    )
