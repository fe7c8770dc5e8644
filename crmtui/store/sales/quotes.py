"""Quotes (报价): priced lines for a customer (and optionally a deal). draft → sent → accepted | rejected;
accepting one makes the contract with the same lines in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from peewee import JOIN

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_scoped, find_customer_scoped
from crmtui.store.kernel.clock import local_today, now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import locked
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Contract, Customer, Deal, Quote, QuoteLine, User
from crmtui.store.kernel.numbering import next_number
from crmtui.store.kernel.values import QUOTE_STATUSES
from crmtui.store.sales.deals import deal_of_customer
from crmtui.store.sales.lines import build_lines, copy_lines, insert_lines, lines_total, read_lines

TRANSITIONS = {
    "draft": ("sent", "accepted", "rejected"),
    "sent": ("accepted", "rejected"),
    "accepted": (),
    "rejected": (),
}


@dataclass
class QuoteRow:
    id: int
    number: str
    customer_id: int
    customer: str
    deal: str | None
    status: str
    valid_until: date | None
    total: Decimal
    created_by: str | None
    created_at: datetime


@dataclass
class QuoteDetail(QuoteRow):
    contract: str | None = None  # the contract made when it was accepted
    lines: list = field(default_factory=list)


def check_status(status: str) -> str:
    return values.choice(status, QUOTE_STATUSES, "quote status")


def _quotes():
    return Quote.select(Quote).join(Customer, on=(Quote.customer == Customer.id))


def find_quote(actor: Actor, ref: str | int, write: bool = False) -> Quote:
    """A quote by id or number among those whose customer the actor sees (or may change)."""
    quote = find_customer_scoped(actor, _quotes(), Quote, ref, Quote.number, "quote", write)
    if write:  # status changes race with each other: hold the row
        quote = locked(Quote.select().where(Quote.id == quote.id)).get()
    return quote


def add_quote(actor: Actor, customer_ref: str | int, lines, deal: str | int | None = None, valid_until=None) -> int:
    """A draft quote for a customer the actor may change; LINES are LineInput or `PRODUCT:QTY[:PRICE][:DISCOUNT%]`
    strings (at least one). Returns its id; its number is the next Q<year>-NNNNNN."""
    built = build_lines(list(lines or ()))
    if not built:
        raise BadInput("A quote needs at least one line (--line PRODUCT:QTY).")
    until = values.optional_day(valid_until)
    if until is not None and until < local_today():
        raise BadInput(f"A new quote cannot already have expired ({until}).")
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        row = dict(
            number=next_number(Quote, Quote.number, "Q"),
            customer=customer.id,
            deal=deal_of_customer(deal, customer.id),
            status="draft",
            valid_until=until,
            total=lines_total(built),
            created_by=actor.id,
            created_at=now(),
        )
        quote_id = Quote.insert(**row).execute()
        insert_lines(QuoteLine, "quote", quote_id, built)
        shown = {k: v for k, v in row.items() if k != "created_at"}
        audit.created(actor.login, "quote", quote_id, {**shown, "lines": copy_lines(built)})
    return quote_id


def edit_quote(actor: Actor, ref: str | int, lines=None, valid_until=None, deal: str | int | None = None) -> dict:
    """Change a draft quote: replace its LINES (when given), its validity or its deal ('' clears). Returns the
    changes {field: [old, new]}."""
    built = build_lines(list(lines)) if lines else None
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        if quote.status != "draft":
            raise Refused(f"Quote {quote.number} is {quote.status}: only a draft can be changed.")
        new: dict = {}
        if valid_until is not None:
            new["valid_until"] = values.optional_day(valid_until)
        if deal is not None:
            new["deal"] = deal_of_customer(deal, quote.customer_id)
        diff = audit.changes({"valid_until": quote.valid_until, "deal": quote.deal_id}, new)
        if built is not None:
            old_lines = copy_lines(read_lines(QuoteLine, "quote", quote.id))
            if old_lines != copy_lines(built):
                diff["lines"] = [old_lines, copy_lines(built)]
                diff.update(audit.changes({"total": quote.total}, {"total": lines_total(built)}))
                QuoteLine.delete().where(QuoteLine.quote == quote.id).execute()
                insert_lines(QuoteLine, "quote", quote.id, built)
        if diff:
            update = {k: new[k] for k in diff if k in new}
            if "total" in diff:
                update["total"] = lines_total(built)
            if update:
                Quote.update(**update).where(Quote.id == quote.id).execute()
            audit.record(actor.login, "quote", quote.id, "edit", diff)
    return diff


def move_quote(actor: Actor, quote: Quote, status: str, action: str) -> None:
    """Move QUOTE (held by find_quote) to STATUS along TRANSITIONS, audited as ACTION."""
    if status == quote.status:
        raise Refused(f"Quote {quote.number} is already {status}.")
    if status not in TRANSITIONS[quote.status]:
        raise Refused(f"Quote {quote.number} is {quote.status}: it cannot be {status}.")
    Quote.update(status=status).where(Quote.id == quote.id).execute()
    audit.record(actor.login, "quote", quote.id, action, audit.changes({"status": quote.status}, {"status": status}))


def send_quote(actor: Actor, ref: str | int) -> str:
    """Mark a draft quote as sent to the customer; returns its number."""
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        move_quote(actor, quote, "sent", "send")
    return quote.number


def reject_quote(actor: Actor, ref: str | int, reason: str | None = None) -> str:
    """The customer turned the quote down; returns its number."""
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        move_quote(actor, quote, "rejected", "reject")
        if reason:
            audit.record(actor.login, "quote", quote.id, "reason", {"reason": [None, reason]})
    return quote.number


def list_quotes(
    actor: Actor,
    customer: str | int | None = None,
    status: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[QuoteRow]:
    """One page of the quotes the actor sees, newest first; STATUS may list several ('draft,sent')."""
    values.page(limit, offset)
    where = customer_scoped(actor, Quote)
    if customer is not None:
        where &= Quote.customer == find_customer(actor, customer).id
    if status:
        where &= Quote.status.in_(values.choices(status, QUOTE_STATUSES, "quote status"))
    query = _rows().where(where).order_by(Quote.id.desc()).offset(offset or None).limit(limit).tuples()
    return [QuoteRow(*row) for row in query]


def get_quote(actor: Actor, ref: str | int) -> QuoteDetail:
    """One quote with its lines and, once accepted, its contract's number."""
    quote = find_quote(actor, ref)
    row = _rows().where(Quote.id == quote.id).tuples().get()
    contract = Contract.select(Contract.number).where(Contract.quote == quote.id).scalar()
    return QuoteDetail(*row, contract, read_lines(QuoteLine, "quote", quote.id))


def _rows():
    """Quote rows as QuoteRow's fields, joined to their customer, deal and author."""
    return (
        Quote.select(
            Quote.id,
            Quote.number,
            Customer.id,
            Customer.name,
            Deal.title,
            Quote.status,
            Quote.valid_until,
            Quote.total,
            User.login,
            Quote.created_at,
        )
        .join_from(
            Quote, Customer, JOIN.LEFT_OUTER, on=(Quote.customer == Customer.id)
        )  # LEFT: walk quote.id, no bloom filter over customers
        .join_from(Quote, Deal, JOIN.LEFT_OUTER, on=(Quote.deal == Deal.id))
        .join_from(Quote, User, JOIN.LEFT_OUTER, on=(Quote.created_by == User.id))
    )
