"""`crm report NAME`: reports computed in the database, scoped by who is acting, with a chart in table format."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import console, emit, emit_objects
from crmtui.store.insight.reports import REPORTS, ReportParams, run_report

NAMES = "funnel, win-rate, leaderboard, followups, stage-time, forecast, receivables, pool, trend, segments"


def report(
    name: Annotated[str, typer.Argument(help=f"The report: {NAMES}; or `list` to describe them.")],
    since: Annotated[
        Optional[str], typer.Option("--since", metavar="WHEN", help="From this day on (inclusive).")
    ] = None,
    until: Annotated[Optional[str], typer.Option("--until", metavar="WHEN", help="Up to this day (inclusive).")] = None,
    territory: options.territory("Only this territory (its reps, or its customers).") = None,
    rep: Annotated[Optional[str], typer.Option("--rep", help="Only this rep's numbers (a login).")] = None,
    by: Annotated[
        Optional[str],
        typer.Option("--by", help="Group by rep, territory or month (as the report offers; see `crm report list`)."),
    ] = None,
    fmt: options.FormatOption = None,
) -> None:
    """Print a report: a table with bars or sparklines for people; its rows, with the same column names, in
    CSV, TSV, JSON and JSON lines for scripts. `crm report list` names them and what each groups by.

    Example: crm report win-rate --since 2026-01-01 --by territory
    """
    chosen = context.output_format(fmt)
    if name.strip().lower() == "list":
        rows = [{"report": i.name, "by": "|".join(i.by), "shows": i.summary} for i in REPORTS.values()]
        emit_objects(rows, chosen, ["report", "by", "shows"], empty="No reports.")
        return
    params = ReportParams(since=since, until=until, territory=territory, rep=rep, by=by.strip().lower() if by else None)
    result = run_report(context.actor(), name, params)
    if chosen == "table":
        from crmtui.render import render_report

        print_renderable(render_report(result))
    else:
        emit(result.columns, result.rows, chosen)


def print_renderable(renderable) -> None:
    """Print to stdout; piped (no terminal width to respect), as wide as the tables need so numbers never fold."""
    out = console()
    if not out.is_terminal:
        out.width = max(out.width, out.measure(renderable, options=out.options.update(max_width=1000)).maximum)
    out.print(renderable)
