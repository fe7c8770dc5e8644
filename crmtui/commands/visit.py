"""`crm visit`: return visits (回访) after a sale, with a satisfaction score."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context
from crmtui.commands.output import emit_objects, emit_record

app = typer.Typer(help="Return visits (回访): record them with a satisfaction score 1-5, list them, average them.", no_args_is_help=True)

CustomerOption = Annotated[Optional[str], typer.Option("--customer", "-c", help="Only this customer's visits.")]
ByOption = Annotated[Optional[str], typer.Option("--by", help="Only those made by me or this login.")]
SinceOption = Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="From this day on.")]
UntilOption = Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="Up to and including this day.")]
AtMostOption = Annotated[Optional[int], typer.Option("--satisfaction-max", "--max", metavar="N", help="Only visits scored N or lower.")]


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    satisfaction: Annotated[str, typer.Option("--satisfaction", "-s", help="1 (unhappy) to 5 (delighted).")],
    note: Annotated[str, typer.Option("--note", help="What the customer said.")] = "",
    on: Annotated[Optional[str], typer.Option("--on", metavar="DATE", help="When it happened (default: today).")] = None,
) -> None:
    """Record a return visit to a customer you may change. Prints the new id.

    Example: crm visit add 华南科技 --satisfaction 4 --note "满意, 希望培训" --on yesterday
    """
    from crmtui.store.aftersales.visits import add_visit

    typer.echo(add_visit(context.actor(), customer, satisfaction, note, on=on))


@app.command("list")
def list_(
    customer: CustomerOption = None,
    by: ByOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    at_most: AtMostOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows (0: all).")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many rows first.")] = 0,
    fmt: context.FormatOption = None,
) -> None:
    """List return visits on customers you can see, newest first.

    Example: crm visit list --since -1m --max 2
    """
    from crmtui.store.aftersales.visits import VisitFilter, VisitRow, list_visits

    flt = VisitFilter(customer, by, since, until, at_most)
    rows = list_visits(context.actor(), flt, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=VisitRow, empty="No return visits.")


@app.command("stats")
def stats(
    customer: CustomerOption = None,
    by: ByOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: context.FormatOption = None,
) -> None:
    """The number of visits, their average satisfaction and how many got each score.

    Example: crm visit stats --since 2026-01-01 --by wang
    """
    from crmtui.store.aftersales.visits import VisitFilter, visit_stats

    result = visit_stats(context.actor(), VisitFilter(customer, by, since, until))
    record = dataclasses.asdict(result)
    scores = record.pop("by_score")
    chosen = context.output_format(fmt)
    flat = {**record, **{f"scored_{score}": count for score, count in scores.items()}}
    emit_record(record | {"by_score": scores} if chosen in ("json", "jsonl") else flat, chosen, title="Return visits")
