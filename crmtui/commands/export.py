"""`crm export ENTITY`: any table as CSV, TSV, JSON, JSON lines or (contacts) vCard, streamed to stdout or a file."""

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import DELIMITERS, emit, emit_text, say
from crmtui.store.exchange.export import ExportFilters, entity_name, export_csv
from crmtui.store.exchange.export import export as export_rows
from crmtui.store.kernel.errors import BadInput

EXPORT_FORMATS = ("csv", "tsv", "json", "jsonl", "vcard", "ics")
ICS_ENTITIES = ("customers", "followups")  # what has follow-up times for a calendar
ENTITY_HELP = (
    "customers, contacts, followups, deals, stage-history, products, quotes, contracts, payments, invoices, "
    "tickets, territories, users, ownership or audit."
)


def _check_format(value: str | None) -> str | None:
    if value is not None and value not in EXPORT_FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(EXPORT_FORMATS)}")
    return value


def export(
    entity: Annotated[str, typer.Argument(help=ENTITY_HELP, show_default=False)],
    fmt: Annotated[
        Optional[str],
        typer.Option(
            "--format",
            "-f",
            callback=_check_format,
            help="csv, tsv, json, jsonl, vcard (contacts) or ics (customers' next follow-ups, follow-ups).",
        ),
    ] = None,
    columns: Annotated[
        Optional[str], typer.Option("--columns", "-c", help="Comma-separated columns, in order (default: all).")
    ] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE instead of stdout.")] = None,
    excel: Annotated[
        bool, typer.Option("--excel", help="For spreadsheets: UTF-8 BOM, formula-like cells made inert.")
    ] = False,
    owner: Annotated[
        Optional[str], typer.Option("--owner", help="Customers of this owner: a login, me, or pool.")
    ] = None,
    territory: options.TerritoryOption = None,
    tier: options.tiers("Customer tier, or several: A,B.") = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Customers with this tag.")] = None,
    stale: Annotated[
        Optional[int], typer.Option("--stale", metavar="DAYS", help="Customers without a follow-up for DAYS days.")
    ] = None,
    due: Annotated[
        Optional[str], typer.Option("--due", help="Customers whose next follow-up is today, overdue or within a week.")
    ] = None,
    text: Annotated[
        Optional[str], typer.Option("--text", help="Customers matching this search (name, pinyin, phone…).")
    ] = None,
    stage: Annotated[Optional[str], typer.Option("--stage", help="Deal stage name (deals).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="Status (quotes, contracts, tickets).")] = None,
    customer: Annotated[Optional[str], typer.Option("--customer", help="One customer, by id or name.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Created or happened on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="... and before this date.")] = None,
    deleted: Annotated[bool, typer.Option("--include-deleted", help="Include deleted rows (inactive users).")] = False,
) -> None:
    """Export ENTITY as CSV (default), TSV, JSON, JSON lines, contacts as vCard, or due follow-ups as iCalendar
    (customers' next follow-ups: `--due week --format ics`), as the acting user sees it.
    The customer filters are `crm customer list`'s and apply to whatever hangs off customers.

    Times are ISO-8601 UTC, money has two decimals, references are names: `crm import` reads it back.

    Example: crm export customers --owner me --columns name,phone,tier -o mine.csv --excel
    """
    global_format = context.options.format  # `crm --format json export …` too; a table is no export
    chosen_format = fmt or (global_format if global_format in EXPORT_FORMATS else "csv")
    filters = ExportFilters(
        owner=owner,
        territory=territory,
        tier=tier,
        tag=tag,
        stale_days=stale,
        due=due,
        text=text,
        stage=stage,
        status=status,
        customer=customer,
        since=since,
        until=until,
        include_deleted=deleted,
    )
    wanted = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    plain = chosen_format in DELIMITERS and not excel  # the database writes plain CSV/TSV itself: no per-cell Python
    if plain:
        names, chunks = export_csv(context.actor(), entity, wanted, filters, DELIMITERS[chosen_format])
    else:
        names, rows = export_rows(context.actor(), entity, wanted, filters)
    if chosen_format == "vcard" and entity_name(entity) != "contacts":
        raise typer.BadParameter("vCard is for contacts: crm export contacts --format vcard", param_hint="--format")
    if chosen_format == "ics" and entity_name(entity) not in ICS_ENTITIES:
        raise typer.BadParameter("iCalendar is for customers (next follow-ups) and followups", param_hint="--format")
    with _target(output) as out:
        if plain:
            count = emit_text(names, chunks, chosen_format, out)
        else:
            count = emit(names, rows, chosen_format, out=out, excel=excel, as_text=True, title=entity_name(entity))
    say(f"Exported {count} {entity}" + (f" to {output}." if output else "."))


def _target(output: Path | None):
    """Where the export goes: the file OUTPUT (made or emptied), or stdout."""
    if output is None:
        return nullcontext(sys.stdout)
    try:
        return open(output, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInput(f"Cannot write {output}: {exc.strerror}.") from None
