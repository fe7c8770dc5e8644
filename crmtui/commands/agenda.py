"""`crm agenda`: one user's day (我的秘书)."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context
from crmtui.commands.output import emit, json_value
from crmtui.commands.report import print_renderable
from crmtui.store.insight.agenda import agenda as agenda_of
from crmtui.store.kernel.clock import parse_date

AGENDA_FORMATS = ("table", "csv", "tsv", "json", "jsonl", "ics")
ITEM_COLUMNS = ["section", "id", "subject", "when", "detail", "amount", "customer_id"]


def _check_format(value: str | None) -> str | None:
    if value is not None and value not in AGENDA_FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(AGENDA_FORMATS)}")
    return value


def agenda(
    user: Annotated[
        Optional[str], typer.Option("--user", "-u", help="Whose day (a login in your team; default: yours).")
    ] = None,
    day: Annotated[
        Optional[str],
        typer.Option("--date", metavar="WHEN", help="Which day (default: today): tomorrow, monday, 2026-12-01 …"),
    ] = None,
    fmt: Annotated[
        Optional[str],
        typer.Option(
            "--format",
            "-f",
            callback=_check_format,
            help="table, csv, tsv, json, jsonl, or ics (the due follow-ups, for a calendar).",
        ),
    ] = None,
) -> None:
    """Today's work: follow-ups due and overdue, customers about to be reclaimed, stuck deals, contracts ending,
    instalments due, open tickets, birthdays, customers due to buy again or at risk. Empty sections are left out.

    Example: crm agenda --date tomorrow --format json
    """
    chosen = fmt or context.output_format()
    if chosen not in AGENDA_FORMATS:  # a global --format has only the common ones
        chosen = "table"
    result = agenda_of(context.actor(), user, parse_date(day) if day else None)
    if chosen == "table":
        from crmtui.render import render_agenda

        print_renderable(render_agenda(result))
    elif chosen == "json":
        _json(result)
    elif chosen == "ics":
        _ics(result)
    else:
        rows = (
            [s.key, i.id, i.subject, i.when, i.detail, i.amount, i.customer_id]
            for s in result.nonempty()
            for i in s.items
        )
        emit(ITEM_COLUMNS, rows, chosen)


def _json(result) -> None:
    import dataclasses
    import json
    import sys

    document = {
        "user": result.user,
        "date": result.day.isoformat(),
        "sections": {s.key: [json_value(dataclasses.asdict(i)) for i in s.items] for s in result.nonempty()},
    }
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _ics(result) -> None:
    """The due follow-ups as calendar events (commands/ical.py, as `crm export customers --format ics`)."""
    followups = result.section("followups").items
    rows = ([i.customer_id, i.subject, i.when.strftime("%Y-%m-%dT%H:%M:%SZ"), i.detail] for i in followups)
    emit(["id", "name", "next_followup_at", "note"], rows, "ics", "customer")
