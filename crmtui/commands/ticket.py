"""`crm ticket`: after-sales tickets (售后工单) from open to closed."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record, say
from crmtui.store.aftersales.tickets import (
    TicketFilter,
    TicketRow,
    add_ticket,
    assign_ticket,
    close_ticket,
    edit_ticket,
    get_ticket,
    list_tickets,
    reopen_ticket,
    resolve_ticket,
)

app = typer.Typer(help="After-sales tickets (售后工单): open, assign, resolve, close, reopen.", no_args_is_help=True)

TicketArgument = Annotated[str, typer.Argument(help="Ticket id (12 or #12) or unambiguous subject.")]
PRIORITIES = "low, normal, high or urgent"
STATUSES = "open, in-progress, resolved or closed"
TABLE_COLUMNS = ["id", "subject", "customer", "priority", "status", "assignee", "due_by", "overdue"]


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    subject: Annotated[str, typer.Argument(help="What the problem is.")],
    priority: Annotated[str, typer.Option("--priority", "-p", help=PRIORITIES + ".")] = "normal",
    contact: Annotated[Optional[str], typer.Option("--contact", help="The customer's contact who reported it.")] = None,
    assignee: Annotated[
        Optional[str], typer.Option("--assignee", "-a", help="me or a login (default: the customer's owner).")
    ] = None,
    due: Annotated[
        Optional[str], typer.Option("--due", metavar="WHEN", help="Due by: tomorrow, +3d, 2026-12-01 …")
    ] = None,
) -> None:
    """Open a ticket on a customer you may change. Prints the new id.

    Example: crm ticket add 华南科技 "打印机无法联网" --priority high --due +2d --contact 李明
    """
    typer.echo(add_ticket(context.actor(), customer, subject, priority, contact=contact, assignee=assignee, due_by=due))


@app.command("list")
def list_(
    mine: Annotated[bool, typer.Option("--mine", help="Only tickets assigned to me.")] = False,
    status: Annotated[Optional[str], typer.Option("--status", "-s", help=STATUSES + "; several with commas.")] = None,
    priority: Annotated[
        Optional[str], typer.Option("--priority", "-p", help=PRIORITIES + "; several with commas.")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open or in-progress tickets past their due time.")
    ] = False,
    customer: options.customer("tickets") = None,
    assignee: Annotated[
        Optional[str], typer.Option("--assignee", "-a", help="Only those assigned to me or this login.")
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the tickets you can see, newest first.

    Example: crm ticket list --mine --status open,in-progress --priority high,urgent
    """
    flt = TicketFilter(mine, status, priority, overdue, customer, assignee)
    rows = list_tickets(context.actor(), flt, limit or None, offset)
    chosen = context.output_format(fmt)
    emit_objects(rows, chosen, TABLE_COLUMNS if chosen == "table" else None, row_type=TicketRow, empty="No tickets.")


@app.command("show")
def show(ticket: TicketArgument, fmt: options.FormatOption = None) -> None:
    """Show one ticket and its history.

    Example: crm ticket show 12
    """
    detail = get_ticket(context.actor(), ticket)
    chosen = context.output_format(fmt)
    record = dataclasses.asdict(detail)
    if chosen in ("json", "jsonl"):
        emit_record(record, chosen)
        return
    history = record.pop("history")
    emit_record(record, chosen, title=f"Ticket #{detail.id}")
    if chosen == "table" and history:
        typer.echo()
        emit_objects(history, chosen, title="History")


def _confirm(ticket: str, diff: dict, what: str) -> None:
    say(f"Ticket {ticket}: {what}." if diff else f"Ticket {ticket}: nothing to change.")


@app.command("edit")
def edit(
    ticket: TicketArgument,
    subject: Annotated[Optional[str], typer.Option("--subject", help="New subject.")] = None,
    priority: Annotated[Optional[str], typer.Option("--priority", "-p", help=PRIORITIES + ".")] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="The customer's contact ('' clears it).")] = None,
    due: Annotated[Optional[str], typer.Option("--due", metavar="WHEN", help="Due by ('' clears it).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", "-s", help=STATUSES + ".")] = None,
) -> None:
    """Change a ticket's subject, priority, contact, due time or status.

    Example: crm ticket edit 12 --status in-progress --priority urgent --due tomorrow
    """
    diff = edit_ticket(context.actor(), ticket, subject, priority, contact, due, status)
    _confirm(ticket, diff, "changed " + ", ".join(diff))


@app.command("assign")
def assign(
    ticket: TicketArgument,
    assignee: Annotated[str, typer.Argument(help="me or a login.")],
) -> None:
    """Hand a ticket to someone.

    Example: crm ticket assign 12 zhang
    """
    _confirm(ticket, assign_ticket(context.actor(), ticket, assignee), f"assigned to {assignee}")


@app.command("resolve")
def resolve(ticket: TicketArgument) -> None:
    """Mark an open or in-progress ticket resolved.

    Example: crm ticket resolve 12
    """
    _confirm(ticket, resolve_ticket(context.actor(), ticket), "resolved")


@app.command("close")
def close(ticket: TicketArgument) -> None:
    """Close a ticket.

    Example: crm ticket close 12
    """
    _confirm(ticket, close_ticket(context.actor(), ticket), "closed")


@app.command("reopen")
def reopen(ticket: TicketArgument) -> None:
    """Reopen a resolved or closed ticket.

    Example: crm ticket reopen 12
    """
    _confirm(ticket, reopen_ticket(context.actor(), ticket), "reopened")
