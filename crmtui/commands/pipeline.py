"""`crm pipeline`: the sales pipelines a team runs (new business, renewals …)."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects
from crmtui.store.sales.pipelines import PipelineRow, add_pipeline, list_pipelines

app = typer.Typer(help="Pipelines: list and add (each has its own stages: see `crm stage`).", no_args_is_help=True)


@app.command("list")
def list_(fmt: options.FormatOption = None) -> None:
    """List the pipelines, the default first, with their stages and open deals.

    Example: crm pipeline list
    """
    emit_objects(
        list_pipelines(context.actor()), context.output_format(fmt), row_type=PipelineRow, empty="No pipelines."
    )


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The pipeline's name.")],
    copy_stages_from: Annotated[
        Optional[str],
        typer.Option(
            "--copy-stages-from",
            metavar="PIPELINE",
            help="Start with a copy of this pipeline's stages (default: no stages).",
        ),
    ] = None,
) -> None:
    """Add a pipeline (managers and admins). Prints its id; add stages with `crm stage add --pipeline NAME`.

    Example: crm pipeline add Renewals --copy-stages-from Default
    """
    typer.echo(add_pipeline(context.actor(), name, copy_stages_from))
