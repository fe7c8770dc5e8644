"""`crm quote`: quotes (报价) with priced lines; accepting one makes the contract."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.contract import LINE_COLUMNS, EveryOption, InstalmentsOption, LineOption, PlanOption, emit_detail
from crmtui.commands.output import emit_objects, say
from crmtui.store.money.acceptance import accept_quote
from crmtui.store.money.contracts import Contract
from crmtui.store.sales.quotes import QuoteRow, add_quote, edit_quote, get_quote, list_quotes, reject_quote, send_quote

app = typer.Typer(help="Quotes: draft → sent → accepted (makes the contract) or rejected.", no_args_is_help=True)

QuoteArgument = Annotated[str, typer.Argument(help="Quote id or number.")]
ValidOption = Annotated[Optional[str], typer.Option("--valid-until", metavar="DATE", help="Last day the offer holds.")]
TABLE_COLUMNS = ["id", "number", "customer", "deal", "status", "valid_until", "total", "created_by"]


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    line: LineOption = None,
    deal: Annotated[Optional[str], typer.Option("--deal", help="The customer's deal (id or title).")] = None,
    valid_until: ValidOption = None,
) -> None:
    """Add a draft quote; each line is PRODUCT:QTY[:PRICE][:DISCOUNT%] (price defaults to the product's).
    Prints the new id.

    Example: crm quote add 宏达 --line CRM-PRO:3:33.33:12.5% --line TRAIN:1 --valid-until +30d
    """
    typer.echo(add_quote(context.actor(), customer, line or (), deal=deal, valid_until=valid_until))


@app.command("list")
def list_(
    customer: options.customer("quotes") = None,
    status: Annotated[
        Optional[str], typer.Option("--status", help="draft, sent, accepted or rejected (several: draft,sent).")
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the quotes you can see, newest first.

    Example: crm quote list --status sent
    """
    chosen = context.output_format(fmt)
    rows = list_quotes(context.actor(), customer, status, limit or None, offset)
    emit_objects(rows, chosen, TABLE_COLUMNS if chosen == "table" else None, row_type=QuoteRow, empty="No quotes.")


@app.command("show")
def show(quote: QuoteArgument, fmt: options.FormatOption = None) -> None:
    """Show a quote with its lines (and its contract once accepted).

    Example: crm quote show Q2026-000123
    """
    detail = get_quote(context.actor(), quote)
    emit_detail(detail, {"lines": ("Lines", LINE_COLUMNS)}, fmt, f"Quote {detail.number}")


@app.command("edit")
def edit(
    quote: QuoteArgument,
    line: Annotated[
        Optional[list[str]],
        typer.Option(
            "--line", metavar="PRODUCT:QTY[:PRICE][:DISCOUNT%]", help="Replace all lines with these (repeat)."
        ),
    ] = None,
    valid_until: ValidOption = None,
    deal: Annotated[Optional[str], typer.Option("--deal", help="The customer's deal ('' clears).")] = None,
) -> None:
    """Change a draft quote: its lines (all replaced), validity or deal.

    Example: crm quote edit Q2026-000123 --line CRM-PRO:5::10% --valid-until +2w
    """
    diff = edit_quote(context.actor(), quote, line or None, valid_until, deal)
    say(f"Updated quote {quote}: {', '.join(diff)}." if diff else "Nothing to change.")


@app.command("send")
def send(quote: QuoteArgument) -> None:
    """Mark a draft quote as sent to the customer.

    Example: crm quote send Q2026-000123
    """
    say(f"Quote {send_quote(context.actor(), quote)} sent.")


@app.command("reject")
def reject(
    quote: QuoteArgument,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why it was turned down.")] = None,
) -> None:
    """Mark a quote as rejected by the customer.

    Example: crm quote reject Q2026-000123 --reason "price too high"
    """
    say(f"Quote {reject_quote(context.actor(), quote, reason)} rejected.")


@app.command("accept")
def accept(
    quote: QuoteArgument,
    signed_on: Annotated[
        Optional[str], typer.Option("--signed", metavar="DATE", help="Signing date (default today).")
    ] = None,
    start_on: Annotated[
        Optional[str], typer.Option("--start", metavar="DATE", help="Start of the contract's term.")
    ] = None,
    end_on: Annotated[Optional[str], typer.Option("--end", metavar="DATE", help="End of the contract's term.")] = None,
    instalments: InstalmentsOption = None,
    every: EveryOption = None,
    plan: PlanOption = None,
) -> None:
    """Accept a quote: makes the contract with the same lines and its payment plan. Prints the contract's id.

    Example: crm quote accept Q2026-000123 --signed today --end +1y --instalments 3 --every 1m
    """
    contract_id = accept_quote(context.actor(), quote, signed_on, instalments, every, start_on, end_on, plan or None)
    say(f"Contract {Contract.get_by_id(contract_id).number} made from quote {quote}.")
    typer.echo(contract_id)
