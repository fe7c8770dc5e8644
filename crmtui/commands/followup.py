"""`crm followup`: log contact with a customer and plan the next one."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects
from crmtui.store.customers.followups import FollowupFilter, FollowupRow, list_followups, log_followup

app = typer.Typer(help="Follow-ups (跟进记录): calls, visits, WeChat, email, meetings.", no_args_is_help=True)

TYPES = "call, visit, wechat, email, meeting, sms or other"


@app.command("log")
def log(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    type_: Annotated[str, typer.Option("--type", help=TYPES + ".")] = "call",
    note: Annotated[str, typer.Option("--note", help="What was said or agreed.")] = "",
    next_: Annotated[
        Optional[str],
        typer.Option("--next", metavar="WHEN", help="Plan the next follow-up: tomorrow, +3d, friday, 2026-12-01 …"),
    ] = None,
    at: Annotated[Optional[str], typer.Option("--at", metavar="WHEN", help="When it happened (default: now).")] = None,
    contact: Annotated[Optional[str], typer.Option("--contact", help="The contact spoken to (id or name).")] = None,
) -> None:
    """Log a follow-up; it also sets the customer's last and next follow-up. Prints the new id.

    Example: crm followup log 张伟 --type visit --note "demo went well" --next +1w
    """
    typer.echo(log_followup(context.actor(), customer, type_, note, at=at, next=next_, contact=contact))


@app.command("list")
def list_(
    customer: options.customer("follow-ups") = None,
    user: Annotated[Optional[str], typer.Option("--by", help="Only those logged by me or this login.")] = None,
    type_: Annotated[Optional[str], typer.Option("--type", help=TYPES + ".")] = None,
    since: options.SinceOption = None,
    until: options.UntilOption = None,
    due: Annotated[Optional[str], typer.Option("--due", help="Planned next follow-up today, overdue or week.")] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List follow-ups, newest first.

    Example: crm followup list --by me --since -1w --type visit
    """
    flt = FollowupFilter(customer, user, type_, since, until, due)
    rows = list_followups(context.actor(), flt, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=FollowupRow, empty="No follow-ups.")
