"""`crm payment`: payments received (回款) and the payment plans they fill."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.contract import ContractArgument
from crmtui.commands.output import emit_objects
from crmtui.store.money.contracts import find_contract
from crmtui.store.money.payments import InstalmentRow, PaymentRow, add_payment, list_instalments, list_payments

app = typer.Typer(help="Payments: record money received; see payment plans and what is overdue.", no_args_is_help=True)


@app.command("add", context_settings={"ignore_unknown_options": True})  # -3 is an amount to refuse, not an option
def add(
    contract: ContractArgument,
    amount: Annotated[str, typer.Argument(help="The amount received, e.g. 5000 or 1234.56.")],
    on: Annotated[
        Optional[str], typer.Option("--on", metavar="DATE", help="When it was received (default today).")
    ] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="Bank reference or remark.")] = None,
) -> None:
    """Record a payment: it fills the oldest open instalment first and carries the rest over; more than the open
    balance is refused. Prints the new id.

    Example: crm payment add C2026-000012 15000 --on yesterday --note "招商银行 转账"
    """
    typer.echo(add_payment(context.actor(), contract, amount, on, note))


@app.command("list")
def list_(
    contract: Annotated[Optional[str], typer.Option("--contract", help="Only this contract's payments.")] = None,
    customer: options.customer("payments") = None,
    since: Annotated[
        Optional[str], typer.Option("--since", metavar="DATE", help="Received on or after this day.")
    ] = None,
    until: Annotated[
        Optional[str], typer.Option("--until", metavar="DATE", help="Received up to and including this day.")
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List payments on the contracts you can see, newest first.

    Example: crm payment list --since -1m
    """
    rows = list_payments(context.actor(), contract, customer, since, until, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=PaymentRow, empty="No payments.")


@app.command("plan")
def plan(
    contract: Annotated[
        Optional[str], typer.Argument(help="Contract id or number (none: instalments of every contract you see).")
    ] = None,
    status: Annotated[
        Optional[str], typer.Option("--status", help="pending, partial, paid or overdue (several: overdue,partial).")
    ] = None,
    due_within: Annotated[
        Optional[int], typer.Option("--due-within", metavar="DAYS", help="Unpaid ones due in the next DAYS days.")
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """Show instalments with their status as of today (CRM_NOW): one contract's plan, or across contracts.

    Example: crm payment plan C2026-000012
    """
    actor = context.actor()
    if contract is not None:
        contract_id = find_contract(actor, contract).id
        rows = list_instalments(actor, contract_id, status, due_within=due_within, limit=None)
    else:
        rows = list_instalments(actor, None, status, due_within=due_within, limit=limit or None, offset=offset)
    emit_objects(rows, context.output_format(fmt), row_type=InstalmentRow, empty="No instalments.")
