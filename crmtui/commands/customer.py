"""`crm customer`: add, list, show, edit, search, delete and restore customers (other modules mount more verbs)."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, dedupe, options, ownership
from crmtui.commands.output import emit_objects, emit_record, say
from crmtui.store.customers.detail import get_customer_detail
from crmtui.store.customers.records import (
    CustomerFilter,
    CustomerRow,
    add_customer,
    delete_customer,
    edit_customer,
    list_customers,
    restore_customer,
    search_customers,
)

app = typer.Typer(help="Customers: add, find, list, show, edit, delete and restore.", no_args_is_help=True)

CustomerArgument = Annotated[str, typer.Argument(help="Customer id or unambiguous name.")]
IndustryOption = Annotated[Optional[str], typer.Option("--industry", help="Industry.")]
SourceOption = Annotated[Optional[str], typer.Option("--source", help="Where the lead came from.")]
AddressOption = Annotated[Optional[str], typer.Option("--address", help="Postal address.")]

# What a person reads in a table; CSV and JSON carry every field.
TABLE_COLUMNS = ["id", "name", "tier", "owner", "territory", "phone", "tags", "last_followup_at", "next_followup_at"]


def emit_customers(rows: list, fmt: str | None, deleted: bool = False) -> None:
    chosen = context.output_format(fmt)
    columns = TABLE_COLUMNS + (["deleted_at"] if deleted else []) if chosen == "table" else None
    emit_objects(rows, chosen, columns, row_type=CustomerRow, empty="No customers.")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The customer's name.")],
    territory: options.TerritoryOption = None,
    owner: options.owner("me, a login, or pool (default: me for a rep, pool for a manager).") = None,
    tier: Annotated[str, typer.Option("--tier", help="A, B, C, D or E.")] = "C",
    phone: options.PhoneOption = None,
    email: options.EmailOption = None,
    industry: IndustryOption = None,
    source: SourceOption = None,
    address: AddressOption = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="A tag (repeat for more).")] = None,
) -> None:
    """Add a customer. Prints the new id.

    Example: crm customer add 北京华南科技有限公司 --tier B --phone 13800138000 --tag vip --owner me
    """
    typer.echo(
        add_customer(
            context.actor(),
            name,
            territory=territory,
            owner=owner,
            tier=tier,
            phone=phone,
            email=email,
            industry=industry,
            source=source,
            address=address,
            tags=tag or (),
        )
    )


@app.command("list")
def list_(
    owner: options.owner("me, a login, or pool.") = None,
    tier: options.tiers("A tier, or several: A,B.") = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only customers with this tag.")] = None,
    territory: options.TerritoryOption = None,
    stale: Annotated[
        Optional[int], typer.Option("--stale", metavar="DAYS", help="No follow-up for at least DAYS days.")
    ] = None,
    due: Annotated[
        Optional[str], typer.Option("--due", help="Next follow-up today, overdue (before today) or week (next 7 days).")
    ] = None,
    text: Annotated[
        Optional[str], typer.Option("--text", help="Search text: name, pinyin, initials, phone, email.")
    ] = None,
    sort: Annotated[
        Optional[str],
        typer.Option(
            "--sort",
            help="name, id, tier, created, updated, last_followup, next_followup or rank; prefix - to reverse.",
        ),
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include soft-deleted customers.")] = False,
    lifecycle: Annotated[
        Optional[str],
        typer.Option(
            "--lifecycle",
            metavar="due-to-buy|at-risk",
            help="due-to-buy: last contract repurchase_days old or more; at-risk: no follow-up nor contract for risk_days (see `crm settings show`).",
        ),
    ] = None,
    fmt: options.FormatOption = None,
) -> None:
    """List the customers you can see, filtered and sorted, one page at a time.

    Example: crm customer list --owner me --due overdue --sort next_followup --limit 20
    """
    flt = CustomerFilter(owner, tier, tag, territory, stale, due, text, deleted, lifecycle)
    emit_customers(list_customers(context.actor(), flt, sort, limit or None, offset), fmt, deleted)


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="Name, part of it, pinyin (zhangwei) or initials (zw), phone or email.")],
    limit: options.LimitOption = 20,
    fmt: options.FormatOption = None,
) -> None:
    """Search the customers you can see; best matches first (exact name, then prefix, then the rest).

    Example: crm customer search bjhn --limit 5
    """
    emit_customers(search_customers(context.actor(), text, limit or None), fmt)


@app.command("show")
def show(customer: CustomerArgument, fmt: options.FormatOption = None) -> None:
    """Show one customer: profile, tags, contacts, recent follow-ups, deals and ownership history.

    Example: crm customer show 张伟
    """
    detail = get_customer_detail(context.actor(), customer)
    chosen = context.output_format(fmt)
    sections = {"contacts": "Contacts", "followups": "Recent follow-ups", "deals": "Deals", "ownership": "Ownership"}
    profile = {k: v for k, v in dataclasses.asdict(detail).items() if k not in sections}
    if chosen in ("json", "jsonl"):
        emit_record(dataclasses.asdict(detail), chosen)
        return
    emit_record({**profile, "tags": ", ".join(detail.tags)}, chosen, title=f"Customer #{detail.id}")
    if chosen != "table":  # CSV/TSV: the profile row only; sections have their own `list` commands
        return
    for key, title in sections.items():
        rows = getattr(detail, key)
        if rows:
            typer.echo()
            emit_objects(rows, chosen, title=title)


@app.command("edit")
def edit(
    customer: CustomerArgument,
    name: Annotated[Optional[str], typer.Option("--name", help="New name.")] = None,
    tier: options.tiers("A, B, C, D or E.") = None,
    phone: options.PhoneOption = None,
    email: options.EmailOption = None,
    industry: IndustryOption = None,
    source: SourceOption = None,
    address: AddressOption = None,
    territory: options.TerritoryOption = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", help="Add a tag (repeat for more).")] = None,
    untag: Annotated[Optional[list[str]], typer.Option("--untag", help="Remove a tag (repeat for more).")] = None,
) -> None:
    """Change a customer's fields and tags; an empty value ('') clears an optional field.

    Example: crm customer edit 张伟 --tier A --tag vip --untag cold --phone "138 0013 8000"
    """
    diff = edit_customer(
        context.actor(),
        customer,
        territory=territory,
        add_tags=tag or (),
        remove_tags=untag or (),
        name=name,
        tier=tier,
        phone=phone,
        email=email,
        industry=industry,
        source=source,
        address=address,
    )
    say(f"Updated {customer}: {', '.join(diff)}." if diff else "Nothing to change.")


@app.command("delete")
def delete(customer: CustomerArgument) -> None:
    """Soft-delete a customer: gone from lists and searches until restored.

    Example: crm customer delete 42
    """
    customer_id = delete_customer(context.actor(), customer)
    say(f"Deleted customer #{customer_id}; `crm customer restore {customer_id}` brings it back.")


@app.command("restore")
def restore(customer: Annotated[str, typer.Argument(help="Id or name of a deleted customer.")]) -> None:
    """Restore a soft-deleted customer.

    Example: crm customer restore 42
    """
    say(f"Restored customer #{restore_customer(context.actor(), customer)}.")


# Verbs written in their own modules that belong to the customer noun.
app.command("dupes")(dedupe.dupes)
app.command("merge")(dedupe.merge)
app.command("lock")(ownership.lock)
app.command("unlock")(ownership.unlock)
app.command("transfer")(ownership.transfer)
