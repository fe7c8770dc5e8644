"""`crm deal`: opportunities (商机) moving through pipeline stages: add, list, show, move, won, lost, edit, delete."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record, field_names, say
from crmtui.store.sales.deals import (
    BoardColumn,
    DealFilter,
    DealRow,
    add_deal,
    delete_deal,
    edit_deal,
    get_deal_detail,
    list_deals,
    lose_deal,
    move_deal,
    restore_deal,
    win_deal,
)
from crmtui.store.sales.deals import board as board_of

app = typer.Typer(
    help="Deals (商机): add, list, show, move through stages, win or lose, edit, delete.", no_args_is_help=True
)

DealArgument = Annotated[str, typer.Argument(help="Deal id or unambiguous title.")]
OwnerOption = Annotated[
    Optional[str], typer.Option("--owner", "-o", help="me or a login (default: the customer's owner, else you).")
]
CloseOption = Annotated[
    Optional[str], typer.Option("--close", metavar="WHEN", help="Expected close date: 2026-12-31, eom, +2w …")
]

# What a person reads in a table; CSV and JSON carry every field.
TABLE_COLUMNS = ["id", "title", "customer", "owner", "stage", "amount", "expected_close", "days_in_stage", "stuck"]


def _changed(what: str, diff: dict) -> None:
    say(f"{what}: {', '.join(diff)}." if diff else "Nothing to change.")


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    title: Annotated[str, typer.Argument(help="What is being sold.")],
    amount: Annotated[str, typer.Option("--amount", "-a", help="The deal's value, exact: 12000 or 99.50.")],
    stage: Annotated[
        Optional[str], typer.Option("--stage", "-s", help="Starting stage (default: the first open stage).")
    ] = None,
    close: CloseOption = None,
    owner: OwnerOption = None,
    pipeline: options.PipelineOption = None,
) -> None:
    """Add a deal on a customer you may change. Prints the new id.

    Example: crm deal add 北京华南科技 "ERP licences" --amount 120000 --stage Qualified --close eom
    """
    typer.echo(
        add_deal(context.actor(), customer, title, amount, stage=stage, close=close, owner=owner, pipeline=pipeline)
    )


@app.command("list")
def list_(
    customer: options.customer("deals") = None,
    owner: options.owner("me or a login.") = None,
    pipeline: options.PipelineOption = None,
    stage: Annotated[Optional[str], typer.Option("--stage", "-s", help="Only deals in this stage.")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="open, won or lost.")] = None,
    stuck: Annotated[bool, typer.Option("--stuck", help="Only open deals past their stage's stuck limit.")] = False,
    closing_after: Annotated[
        Optional[str], typer.Option("--closing-after", metavar="DATE", help="Expected close on or after DATE.")
    ] = None,
    closing_before: Annotated[
        Optional[str], typer.Option("--closing-before", metavar="DATE", help="Expected close on or before DATE.")
    ] = None,
    text: Annotated[Optional[str], typer.Option("--text", help="Part of the title.")] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Soft-deleted deals instead of live ones.")] = False,
    sort: Annotated[
        Optional[str],
        typer.Option(
            "--sort",
            help="id, created, title, amount, close, entered, stage or customer; prefix - to reverse (default -id).",
        ),
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the deals you can see, filtered and sorted, one page at a time.

    Example: crm deal list --owner me --kind open --closing-before eom --sort close
    """
    flt = DealFilter(customer, owner, pipeline, stage, kind, stuck, closing_after, closing_before, text, deleted)
    chosen = context.output_format(fmt)
    rows = list_deals(context.actor(), flt, sort, limit or None, offset)
    emit_objects(rows, chosen, TABLE_COLUMNS if chosen == "table" else None, row_type=DealRow, empty="No deals.")


@app.command("board")
def board(
    pipeline: options.PipelineOption = None,
    owner: options.owner("me or a login.") = None,
    fmt: options.FormatOption = None,
) -> None:
    """Per stage of a pipeline: how many deals, their total and weighted value.

    Example: crm deal board --pipeline Renewals --owner me
    """
    names = field_names(BoardColumn, leave_out=["deals"])
    columns = board_of(context.actor(), pipeline, DealFilter(owner=owner), per_stage=0)
    emit_objects(columns, context.output_format(fmt), names, empty="No stages.")


@app.command("show")
def show(deal: DealArgument, fmt: options.FormatOption = None) -> None:
    """Show one deal: its fields, every stage move (who, when) and the time spent in each stage.

    Example: crm deal show "ERP licences"
    """
    detail = get_deal_detail(context.actor(), deal)
    chosen = context.output_format(fmt)
    if chosen in ("json", "jsonl"):
        emit_record(dataclasses.asdict(detail), chosen)
        return
    profile = {k: v for k, v in dataclasses.asdict(detail).items() if k not in ("history", "time_in_stages")}
    emit_record(profile, chosen, title=f"Deal #{detail.id}")
    if chosen != "table":  # CSV/TSV: the profile row only
        return
    typer.echo()
    history_columns = ["from_stage", "stage", "entered_at", "left_at", "by", "days"]
    emit_objects(detail.history, chosen, history_columns, title="Stage history", empty="No stage history.")
    typer.echo()
    emit_objects(detail.time_in_stages, chosen, title="Time in each stage (days)", empty="No time in any stage.")


@app.command("move")
def move(
    deal: DealArgument,
    stage: Annotated[str, typer.Argument(help="A stage of the deal's pipeline (name or id), forward or back.")],
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why, when moving into a lost stage.")] = None,
) -> None:
    """Move a deal to another stage of its pipeline; a won or lost stage closes it, an open one reopens it.

    Example: crm deal move "ERP licences" Negotiation
    """
    diff = move_deal(context.actor(), deal, stage, reason)
    say(f"Moved {deal}: {' → '.join(diff['stage'])}.")


@app.command("won")
def won(deal: DealArgument) -> None:
    """Close a deal as won.

    Example: crm deal won 42
    """
    diff = win_deal(context.actor(), deal)
    say(f"Won {deal}: {' → '.join(diff['stage'])}.")


@app.command("lost")
def lost(
    deal: DealArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why it was lost (required).")] = "",
) -> None:
    """Close a deal as lost, with the reason.

    Example: crm deal lost 42 --reason "chose a cheaper vendor"
    """
    diff = lose_deal(context.actor(), deal, reason)
    say(f"Lost {deal}: {' → '.join(diff['stage'])}.")


@app.command("edit")
def edit(
    deal: DealArgument,
    title: Annotated[Optional[str], typer.Option("--title", help="New title.")] = None,
    amount: Annotated[Optional[str], typer.Option("--amount", "-a", help="New amount.")] = None,
    close: Annotated[
        Optional[str], typer.Option("--close", metavar="WHEN", help="New expected close date ('' clears it).")
    ] = None,
    owner: options.owner("me or a login.") = None,
) -> None:
    """Change a deal's title, amount, expected close or owner (stages change with move, won and lost).

    Example: crm deal edit 42 --amount 98000 --close 2026-12-20
    """
    _changed(f"Updated {deal}", edit_deal(context.actor(), deal, title=title, amount=amount, close=close, owner=owner))


@app.command("delete")
def delete(deal: DealArgument) -> None:
    """Soft-delete a deal: gone from lists and boards until restored.

    Example: crm deal delete 42
    """
    deal_id = delete_deal(context.actor(), deal)
    say(f"Deleted deal #{deal_id}; `crm deal restore {deal_id}` brings it back.")


@app.command("restore")
def restore(deal: Annotated[str, typer.Argument(help="Id or title of a deleted deal.")]) -> None:
    """Restore a soft-deleted deal.

    Example: crm deal restore 42
    """
    say(f"Restored deal #{restore_deal(context.actor(), deal)}.")
