"""`crm invoice`: invoices (发票) issued on contracts."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.contract import ContractArgument
from crmtui.commands.output import emit_objects, emit_record
from crmtui.store.money.invoices import InvoiceRow, add_invoice, get_invoice, list_invoices

app = typer.Typer(
    help="Invoices: normal (普票) or special (专票), never more than contracted without --force.", no_args_is_help=True
)


@app.command("add", context_settings={"ignore_unknown_options": True})  # -3 is an amount to refuse, not an option
def add(
    contract: ContractArgument,
    amount: Annotated[str, typer.Argument(help="The invoiced amount.")],
    type_: Annotated[str, typer.Option("--type", help="normal (普票) or special (专票).")] = "normal",
    tax_id: Annotated[
        Optional[str], typer.Option("--tax-id", help="The buyer's tax id (统一社会信用代码); required for special.")
    ] = None,
    issued_on: Annotated[
        Optional[str], typer.Option("--on", metavar="DATE", help="Issue date (default today).")
    ] = None,
    number: Annotated[
        Optional[str], typer.Option("--number", help="The invoice number (default: the next I<year>-NNNNNN).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Invoice even beyond the contract amount.")] = False,
) -> None:
    """Issue an invoice on a contract. Prints the new id.

    Example: crm invoice add C2026-000012 50000 --type special --tax-id 91350100M000100Y43
    """
    typer.echo(add_invoice(context.actor(), contract, amount, issued_on, type_, tax_id, number, force))


@app.command("list")
def list_(
    contract: Annotated[Optional[str], typer.Option("--contract", help="Only this contract's invoices.")] = None,
    customer: options.customer("invoices") = None,
    type_: Annotated[Optional[str], typer.Option("--type", help="normal or special.")] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List invoices on the contracts you can see, newest first.

    Example: crm invoice list --customer 宏达 --type special
    """
    rows = list_invoices(context.actor(), contract, customer, type_, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=InvoiceRow, empty="No invoices.")


@app.command("show")
def show(
    invoice: Annotated[str, typer.Argument(help="Invoice id or number.")], fmt: options.FormatOption = None
) -> None:
    """Show one invoice.

    Example: crm invoice show I2026-000007
    """
    row = get_invoice(context.actor(), invoice)
    emit_record(dataclasses.asdict(row), context.output_format(fmt), title=f"Invoice {row.number}")
