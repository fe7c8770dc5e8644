"""`crm contract`: contracts (合同/订单), their payment plans, balances and renewals."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record, say
from crmtui.store.money.contracts import ContractRow, add_contract, edit_contract, list_contracts, terminate_contract
from crmtui.store.money.detail import get_contract

app = typer.Typer(help="Contracts: lines, amount, term, payment plan, balances; renewals due.", no_args_is_help=True)

ContractArgument = Annotated[str, typer.Argument(help="Contract id or number.")]
LineOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--line",
        metavar="PRODUCT:QTY[:PRICE][:DISCOUNT%]",
        help="A line (repeat for more): product code or name, quantity, optional unit price and discount %.",
    ),
]
InstalmentsOption = Annotated[
    Optional[int],
    typer.Option("--instalments", metavar="N", help="Split the amount into N instalments (remainder on the last)."),
]
EveryOption = Annotated[
    Optional[str], typer.Option("--every", metavar="PERIOD", help="Between instalments: 1m, 2w, 30d, 1y (default 1m).")
]
PlanOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--instalment", metavar="DATE=AMOUNT", help="One instalment (repeat); they must add up to the amount."
    ),
]
TABLE_COLUMNS = [
    "id",
    "number",
    "customer",
    "status",
    "signed_on",
    "end_on",
    "amount",
    "paid",
    "open",
    "invoiced",
    "owner",
]


# The sections of a quote or contract as people read them (the record above already names contract and customer).
LINE_COLUMNS = ["code", "product", "quantity", "unit", "unit_price", "discount", "total"]


def emit_detail(detail, sections: dict[str, tuple[str, list[str]]], fmt: str | None, title: str) -> None:
    """A record and its sections (key: heading and table columns): JSON keeps everything, CSV/TSV the record row,
    a table all."""
    chosen = context.output_format(fmt)
    if chosen in ("json", "jsonl"):
        emit_record(dataclasses.asdict(detail), chosen)
        return
    profile = {k: v for k, v in dataclasses.asdict(detail).items() if k not in sections}
    emit_record(profile, chosen, title=title)
    if chosen != "table":  # the sections have their own list commands
        return
    for key, (heading, columns) in sections.items():
        rows = getattr(detail, key)
        if rows:
            typer.echo()
            emit_objects(rows, chosen, columns, title=heading)


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    line: LineOption = None,
    amount: Annotated[Optional[str], typer.Option("--amount", help="The amount, when there are no lines.")] = None,
    number: Annotated[
        Optional[str], typer.Option("--number", help="The contract number (default: the next C<year>-NNNNNN).")
    ] = None,
    deal: Annotated[Optional[str], typer.Option("--deal", help="The customer's deal (id or title).")] = None,
    signed_on: Annotated[Optional[str], typer.Option("--signed", metavar="DATE", help="Signing date.")] = None,
    start_on: Annotated[Optional[str], typer.Option("--start", metavar="DATE", help="Start of the term.")] = None,
    end_on: Annotated[
        Optional[str], typer.Option("--end", metavar="DATE", help="End of the term (renewal due before it).")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Add it as a draft instead of active.")] = False,
    instalments: InstalmentsOption = None,
    every: EveryOption = None,
    plan: PlanOption = None,
) -> None:
    """Add a contract with its payment plan (first instalment due on the signing, else start, date; by default one
    instalment of the whole amount). Prints the new id.

    Example: crm contract add 宏达 --line CRM-PRO:10::5% --signed 2026-11-01 --end 2027-10-31 --instalments 3 --every 1m
    """
    typer.echo(
        add_contract(
            context.actor(),
            customer,
            lines=line or (),
            amount=amount,
            number=number,
            deal=deal,
            signed_on=signed_on,
            start_on=start_on,
            end_on=end_on,
            status="draft" if draft else "active",
            instalments=instalments,
            every=every,
            plan=plan or None,
        )
    )


@app.command("list")
def list_(
    customer: options.customer("contracts") = None,
    status: Annotated[
        Optional[str], typer.Option("--status", help="draft, active, completed or terminated (several: active,draft).")
    ] = None,
    owner: options.owner("me or a login.") = None,
    ending_within: Annotated[
        Optional[int],
        typer.Option(
            "--ending-within",
            metavar="DAYS",
            help="Active contracts ending in the next DAYS days (due for renewal), soonest first.",
        ),
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the contracts you can see, newest first, with paid, open and invoiced amounts.

    Example: crm contract list --ending-within 30 --owner me
    """
    rows = list_contracts(context.actor(), customer, status, owner, ending_within, limit=limit or None, offset=offset)
    chosen = context.output_format(fmt)
    emit_objects(
        rows, chosen, TABLE_COLUMNS if chosen == "table" else None, row_type=ContractRow, empty="No contracts."
    )


@app.command("show")
def show(contract: ContractArgument, fmt: options.FormatOption = None) -> None:
    """Show a contract: lines, instalments (status as of today), payments, invoices and balances.

    Example: crm contract show C2026-000012
    """
    detail = get_contract(context.actor(), contract)
    sections = {
        "lines": ("Lines", LINE_COLUMNS),
        "instalments": ("Payment plan", ["seq", "due_on", "amount", "paid", "open", "status"]),
        "payments": ("Payments", ["paid_on", "amount", "by", "note"]),
        "invoices": ("Invoices", ["number", "issued_on", "type", "amount", "buyer_tax_id"]),
    }
    emit_detail(detail, sections, fmt, f"Contract {detail.number}")


@app.command("edit")
def edit(
    contract: ContractArgument,
    number: Annotated[Optional[str], typer.Option("--number", help="New number.")] = None,
    signed_on: Annotated[
        Optional[str], typer.Option("--signed", metavar="DATE", help="Signing date ('' clears).")
    ] = None,
    start_on: Annotated[
        Optional[str], typer.Option("--start", metavar="DATE", help="Start of the term ('' clears).")
    ] = None,
    end_on: Annotated[Optional[str], typer.Option("--end", metavar="DATE", help="End of the term ('' clears).")] = None,
    status: Annotated[
        Optional[str], typer.Option("--status", help="draft → active → completed; terminate has its own verb.")
    ] = None,
    owner: options.owner("A login.") = None,
    deal: Annotated[Optional[str], typer.Option("--deal", help="The customer's deal ('' clears).")] = None,
) -> None:
    """Change a contract's number, dates, status, owner or deal (amount, lines and plan stay as signed).

    Example: crm contract edit C2026-000012 --end 2027-12-31 --status completed
    """
    diff = edit_contract(context.actor(), contract, number, signed_on, start_on, end_on, status, owner, deal)
    say(f"Updated contract {contract}: {', '.join(diff)}." if diff else "Nothing to change.")


@app.command("terminate")
def terminate(
    contract: ContractArgument,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Why it ends early.")] = None,
) -> None:
    """End a draft or active contract early; its payments and invoices stay.

    Example: crm contract terminate C2026-000012 --reason "customer went bankrupt"
    """
    say(f"Contract {terminate_contract(context.actor(), contract, reason)} terminated.")
