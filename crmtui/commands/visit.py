"""`crm visit`: return visits (回访) after a sale, with a satisfaction score."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record
from crmtui.store.aftersales.visits import VisitFilter, VisitRow, add_visit, list_visits, visit_stats

app = typer.Typer(
    help="Return visits (回访): record them with a satisfaction score 1-5, list them, average them.",
    no_args_is_help=True,
)

ByOption = Annotated[Optional[str], typer.Option("--by", help="Only those made by me or this login.")]
AtMostOption = Annotated[
    Optional[int], typer.Option("--satisfaction-max", "--max", metavar="N", help="Only visits scored N or lower.")
]


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    satisfaction: Annotated[str, typer.Option("--satisfaction", "-s", help="1 (unhappy) to 5 (delighted).")],
    note: Annotated[str, typer.Option("--note", help="What the customer said.")] = "",
    on: Annotated[
        Optional[str], typer.Option("--on", metavar="DATE", help="When it happened (default: today).")
    ] = None,
) -> None:
    """Record a return visit to a customer you may change. Prints the new id.

    Example: crm visit add 华南科技 --satisfaction 4 --note "满意, 希望培训" --on yesterday
    """
    typer.echo(add_visit(context.actor(), customer, satisfaction, note, on=on))


@app.command("list")
def list_(
    customer: options.customer("visits") = None,
    by: ByOption = None,
    since: options.SinceOption = None,
    until: options.UntilOption = None,
    at_most: AtMostOption = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List return visits on customers you can see, newest first.

    Example: crm visit list --since -1m --max 2
    """
    flt = VisitFilter(customer, by, since, until, at_most)
    rows = list_visits(context.actor(), flt, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=VisitRow, empty="No return visits.")


@app.command("stats")
def stats(
    customer: options.customer("visits") = None,
    by: ByOption = None,
    since: options.SinceOption = None,
    until: options.UntilOption = None,
    fmt: options.FormatOption = None,
) -> None:
    """The number of visits, their average satisfaction and how many got each score.

    Example: crm visit stats --since 2026-01-01 --by wang
    """
    result = visit_stats(context.actor(), VisitFilter(customer, by, since, until))
    record = dataclasses.asdict(result)
    scores = record.pop("by_score")
    chosen = context.output_format(fmt)
    flat = {**record, **{f"scored_{score}": count for score, count in scores.items()}}
    emit_record(record | {"by_score": scores} if chosen in ("json", "jsonl") else flat, chosen, title="Return visits")
