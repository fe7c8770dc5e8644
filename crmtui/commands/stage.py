"""`crm stage`: the stages of a pipeline (name, order, probability, kind, stuck limit)."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, say
from crmtui.store.sales.pipelines import StageRow, add_stage, edit_stage, list_stages

app = typer.Typer(
    help="Pipeline stages: list, add and edit (name, order, probability, kind, stuck limit).", no_args_is_help=True
)

PositionOption = Annotated[
    Optional[int], typer.Option("--position", help="Place in the pipeline, from 1; the others shift.")
]
StuckOption = Annotated[
    Optional[int], typer.Option("--stuck-days", metavar="DAYS", help="A deal staying longer is stuck (0: no limit).")
]


@app.command("list")
def list_(pipeline: options.PipelineOption = None, fmt: options.FormatOption = None) -> None:
    """List a pipeline's stages in order, with how many deals each holds.

    Example: crm stage list --pipeline Renewals
    """
    emit_objects(
        list_stages(context.actor(), pipeline), context.output_format(fmt), row_type=StageRow, empty="No stages."
    )


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The stage's name.")],
    probability: Annotated[int, typer.Option("--probability", help="Win probability in percent, 0-100.")] = 0,
    kind: Annotated[str, typer.Option("--kind", help="open, won or lost.")] = "open",
    position: PositionOption = None,
    stuck_days: StuckOption = None,
    pipeline: options.PipelineOption = None,
) -> None:
    """Add a stage (managers and admins); by default an open stage goes after the last open one. Prints its id.

    Example: crm stage add Demo --probability 40 --position 3 --stuck-days 14
    """
    typer.echo(
        add_stage(context.actor(), name, probability, kind, position=position, stuck_days=stuck_days, pipeline=pipeline)
    )


@app.command("edit")
def edit(
    stage: Annotated[str, typer.Argument(help="Stage name or id.")],
    name: Annotated[Optional[str], typer.Option("--name", help="New name.")] = None,
    probability: Annotated[
        Optional[int], typer.Option("--probability", help="Win probability in percent, 0-100.")
    ] = None,
    kind: Annotated[
        Optional[str], typer.Option("--kind", help="open, won or lost (not while deals are in it).")
    ] = None,
    position: PositionOption = None,
    stuck_days: StuckOption = None,
    pipeline: options.PipelineOption = None,
) -> None:
    """Rename, re-weigh, move or change the stuck limit of a stage (managers and admins).

    Example: crm stage edit Proposal --probability 60 --stuck-days 10
    """
    diff = edit_stage(
        context.actor(),
        stage,
        pipeline=pipeline,
        name=name,
        probability=probability,
        kind=kind,
        position=position,
        stuck_days=stuck_days,
    )
    say(f"Updated stage {stage}: {', '.join(diff)}." if diff else "Nothing to change.")
