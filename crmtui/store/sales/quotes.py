"""Quotes (报价): priced lines for a customer (and optionally a deal). draft → sent → accepted | rejected;
accepting one makes the contract with the same lines in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from peewee import JOIN

from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, customer_scoped, find_customer_scoped
from crmtui.store.kernel.clock import local_today, now, parse_date
from crmtui.store.money.contracts import _find_deal, create_contract, next_number
from crmtui.store.customers.records import find_customer
from crmtui.store.kernel.db import db, is_postgres
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.sales.lines import build_lines, copy_lines, insert_lines, lines_total, read_lines
from crmtui.store.kernel.models import QUOTE_STATUSES, Contract, Customer, Deal, Quote, QuoteLine, User

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
    value = status.strip().lower()
    if value not in QUOTE_STATUSES:
        raise BadInput(f"Unknown quote status {status!r}: use one of {', '.join(QUOTE_STATUSES)}.")
    return value


def _quotes():
    return Quote.select(Quote).join(Customer, on=(Quote.customer == Customer.id))


def find_quote(actor: Actor, ref: str | int, write: bool = False) -> Quote:
    """A quote by id or number among those whose customer the actor sees (or may change)."""
    quote = find_customer_scoped(actor, _quotes(), Quote, ref, Quote.number, "quote", write)
    if write and is_postgres():  # status changes race with each other: hold the row
        quote = Quote.select().where(Quote.id == quote.id).for_update().get()
    return quote


def _valid_until(text) -> date | None:
    if text is None or text == "":
        return None
    return text if isinstance(text, date) else parse_date(str(text))


def add_quote(actor: Actor, customer_ref: str | int, lines, deal: str | int | None = None, valid_until=None) -> int:
    """A draft quote for a customer the actor may change; LINES are LineInput or `PRODUCT:QTY[:PRICE][:DISCOUNT%]`
    strings (at least one). Returns its id; its number is the next Q<year>-NNNNNN."""
    built = build_lines(list(lines or ()))
    if not built:
        raise BadInput("A quote needs at least one line (--line PRODUCT:QTY).")
    until = _valid_until(valid_until)
    if until is not None and until < local_today():
        raise BadInput(f"A new quote cannot already have expired ({until}).")
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        values = dict(
            number=next_number(Quote, Quote.number, "Q"), customer=customer.id, deal=_find_deal(deal, customer.id),
            status="draft", valid_until=until, total=lines_total(built), created_by=actor.id, created_at=now(),
        )  # fmt: skip
        quote_id = Quote.insert(**values).execute()
        insert_lines(QuoteLine, "quote", quote_id, built)
        shown = {k: v for k, v in values.items() if k != "created_at"}
        audit.record(actor.login, "quote", quote_id, "create", audit.changes({}, {**shown, "lines": copy_lines(built)}))
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
            new["valid_until"] = _valid_until(valid_until)
        if deal is not None:
            new["deal"] = _find_deal(deal, quote.customer_id)
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


def _move(actor: Actor, quote: Quote, status: str, action: str) -> None:
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
        _move(actor, quote, "sent", "send")
    return quote.number


def reject_quote(actor: Actor, ref: str | int, reason: str | None = None) -> str:
    """The customer turned the quote down; returns its number."""
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        _move(actor, quote, "rejected", "reject")
        if reason:
            audit.record(actor.login, "quote", quote.id, "reason", {"reason": [None, reason]})
    return quote.number


def accept_quote(
    actor: Actor,
    ref: str | int,
    signed_on=None,
    instalments: int | None = None,
    every: str | None = None,
    start_on=None,
    end_on=None,
    plan=None,
) -> int:
    """The customer accepted: mark the quote accepted and make its contract (same customer, deal and lines,
    signed SIGNED_ON, default today; plan as contracts.make_plan) in the same transaction. Returns the contract's
    id. A rejected, accepted or expired quote is Refused."""
    signed = _valid_until(signed_on) or local_today()
    start, end = _valid_until(start_on), _valid_until(end_on)
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        if quote.status in ("draft", "sent") and quote.valid_until is not None and quote.valid_until < signed:
            raise Refused(f"Quote {quote.number} expired on {quote.valid_until}: make a new one.")
        _move(actor, quote, "accepted", "accept")
        lines = read_lines(QuoteLine, "quote", quote.id)
        customer = Customer.get_by_id(quote.customer_id)
        return create_contract(
            actor, customer, lines, lines_total(lines), None, quote.deal_id, quote.id, signed, start, end, "active",
            instalments, every, plan,
        )  # fmt: skip


def list_quotes(
    actor: Actor,
    customer: str | int | None = None,
    status: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[QuoteRow]:
    """One page of the quotes the actor sees, newest first; STATUS may list several ('draft,sent')."""
    if (limit is not None and limit < 0) or offset < 0:
        raise BadInput("--limit and --offset take numbers, 0 or more.")
    where = customer_scoped(actor, Quote)
    if customer is not None:
        where &= Quote.customer == find_customer(actor, customer).id
    if status:
        where &= Quote.status.in_([check_status(s) for s in status.split(",") if s.strip()])
    query = (
        _rows()
        .where(where)
        .order_by(Quote.id.desc())
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
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
            Quote.id, Quote.number, Customer.id, Customer.name, Deal.title, Quote.status, Quote.valid_until,
            Quote.total, User.login, Quote.created_at,
        )  # fmt: skip
        .join_from(Quote, Customer, JOIN.LEFT_OUTER, on=(Quote.customer == Customer.id))  # LEFT: walk quote.id, no bloom filter over customers
        .join_from(Quote, Deal, JOIN.LEFT_OUTER, on=(Quote.deal == Deal.id))
        .join_from(Quote, User, JOIN.LEFT_OUTER, on=(Quote.created_by == User.id))
    )
