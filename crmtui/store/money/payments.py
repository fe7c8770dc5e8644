"""Payments (回款) against a contract's plan: a payment fills the oldest open instalment first and carries the rest
over to the next; more than the open balance is refused. An instalment's status is computed as of a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from peewee import JOIN, Case, Expression

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_scoped
from crmtui.store.kernel.clock import local_today, parse_date
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import locked
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Contract, Customer, Instalment, Payment, User, from_cents
from crmtui.store.kernel.settings import currency
from crmtui.store.money.contracts import find_contract

INSTALMENT_STATUSES = ("pending", "partial", "paid", "overdue")


@dataclass
class InstalmentRow:
    id: int
    contract: str
    customer: str
    seq: int
    due_on: date
    amount: Decimal
    paid: Decimal
    open: Decimal
    status: str


@dataclass
class PaymentRow:
    id: int
    paid_on: date
    contract: str
    customer: str
    amount: Decimal
    by: str | None
    note: str | None


def instalment_status(as_of: date) -> Expression:
    """SQL CASE: 'paid' (paid >= amount), 'overdue' (due before AS_OF and not paid), 'partial' (something paid,
    not overdue), else 'pending'."""
    return Case(
        None,
        [
            (Instalment.paid >= Instalment.amount, "paid"),
            (Instalment.due_on < as_of, "overdue"),
            (Instalment.paid > 0, "partial"),
        ],
        "pending",
    )


def open_amount() -> Expression:
    """SQL: what is still to be paid on an instalment (amount − paid). In SQL it is integer cents (compare it with
    cents, or 0); selected on its own it reads back as a Decimal amount."""
    return (Instalment.amount - Instalment.paid).converter(from_cents)


def allocate(open_amounts: list[Decimal], amount: Decimal) -> list[Decimal]:
    """How AMOUNT spreads over instalments whose open amounts are OPEN_AMOUNTS (oldest first): each is filled
    before the next gets anything. The caller has checked AMOUNT is not more than their sum."""
    portions, left = [], amount
    for still_open in open_amounts:
        take = min(left, still_open)
        portions.append(take)
        left -= take
    return portions


def add_payment(actor: Actor, contract_ref: str | int, amount, on=None, note: str | None = None) -> int:
    """Record a payment on a contract the actor may change and apply it to the plan, oldest open instalment first;
    returns the payment's id. ON (default today) cannot be in the future. More than the open balance is Refused."""
    money = values.money(amount, "Payment", currency(), allow_zero=False)
    paid_on = values.optional_day(on) or local_today()
    if paid_on > local_today():
        raise BadInput(f"A payment cannot be dated in the future ({paid_on}).")
    with db.atomic():
        contract = find_contract(actor, contract_ref, write=True)
        if contract.status not in ("active", "completed"):
            raise Refused(f"Contract {contract.number} is {contract.status}: payments go on active contracts.")
        query = Instalment.select().where(Instalment.contract == contract.id, Instalment.paid < Instalment.amount)
        # two payments on one contract at once must not both see the same open balance
        rows = list(locked(query.order_by(Instalment.due_on, Instalment.seq)))
        open_balance = sum((r.amount - r.paid for r in rows), Decimal("0.00"))
        if money > open_balance:
            raise Refused(
                f"Payment of {money} is more than the open balance of {open_balance} on contract {contract.number}."
            )
        portions = allocate([r.amount - r.paid for r in rows], money)
        applied = []
        for row, portion in zip(rows, portions):
            if portion:
                Instalment.update(paid=row.paid + portion).where(Instalment.id == row.id).execute()
                applied.append([row.seq, str(portion)])
        payment_id = Payment.insert(
            contract=contract.id, amount=money, paid_on=paid_on, by=actor.id, note=(note or "").strip() or None
        ).execute()
        audit.record(
            actor.login,
            "payment",
            payment_id,
            "create",
            {
                **audit.changes({}, {"contract": contract.number, "amount": money, "paid_on": paid_on, "note": note}),
                "applied": [None, applied],
            },
        )
    return payment_id


def list_instalments(
    actor: Actor,
    contract: str | int | None = None,
    status: str | None = None,
    as_of: date | None = None,
    due_within: int | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[InstalmentRow]:
    """Instalments of contracts the actor sees, by due date, each with its status as of AS_OF (default today).
    STATUS keeps only pending, partial, paid or overdue (several: 'overdue,partial'); DUE_WITHIN days keeps the
    unpaid ones due from AS_OF to AS_OF + N."""
    values.page(limit, offset)
    today = as_of or local_today()
    state = instalment_status(today)
    where = customer_scoped(actor, Contract) & Contract.deleted_at.is_null()
    if contract is not None:
        contract_id = contract if isinstance(contract, int) else find_contract(actor, contract).id
        where &= Instalment.contract == contract_id
    if status:
        wanted = values.choices(status, INSTALMENT_STATUSES, "instalment status")
        where &= state.in_(wanted)
        if set(wanted) <= {"pending", "partial"}:  # not overdue: due today or later, so the due_on index seeks
            where &= Instalment.due_on >= today
    if due_within is not None:
        if due_within < 0:
            raise BadInput("--due-within takes a number of days, 0 or more.")
        where &= Instalment.due_on.between(today, today + timedelta(days=due_within))
        where &= Instalment.paid < Instalment.amount
    query = (
        Instalment.select(
            Instalment.id,
            Contract.number,
            Customer.name,
            Instalment.seq,
            Instalment.due_on,
            Instalment.amount,
            Instalment.paid,
            state,
        )
        .join_from(Instalment, Contract, JOIN.LEFT_OUTER, on=(Instalment.contract == Contract.id))
        .join_from(Contract, Customer, JOIN.LEFT_OUTER, on=(Contract.customer == Customer.id))
        .where(where)
        .order_by(Instalment.due_on, Instalment.id)
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    return [InstalmentRow(i, n, c, s, d, a, p, a - p, st) for i, n, c, s, d, a, p, st in query]


def payment_plan(actor: Actor, contract_ref: str | int, as_of: date | None = None) -> list[InstalmentRow]:
    """One contract's instalments with their status as of AS_OF (default today)."""
    return list_instalments(actor, contract=find_contract(actor, contract_ref).id, as_of=as_of, limit=None)


def list_payments(
    actor: Actor,
    contract: str | int | None = None,
    customer: str | int | None = None,
    since=None,
    until=None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[PaymentRow]:
    """Payments on contracts the actor sees, newest recorded first; SINCE/UNTIL bound the payment date (inclusive)."""
    values.page(limit, offset)
    where = customer_scoped(actor, Contract) & Contract.deleted_at.is_null()
    if contract is not None:
        where &= Payment.contract == (contract if isinstance(contract, int) else find_contract(actor, contract).id)
    if customer is not None:
        where &= Contract.customer == find_customer(actor, customer).id
    if since:
        where &= Payment.paid_on >= parse_date(since)
    if until:
        where &= Payment.paid_on <= parse_date(until)
    query = (
        Payment.select(
            Payment.id, Payment.paid_on, Contract.number, Customer.name, Payment.amount, User.login, Payment.note
        )
        .join_from(Payment, Contract, JOIN.LEFT_OUTER, on=(Payment.contract == Contract.id))
        .join_from(Contract, Customer, JOIN.LEFT_OUTER, on=(Contract.customer == Customer.id))
        .join_from(Payment, User, JOIN.LEFT_OUTER, on=(Payment.by == User.id))
        .where(where)
        .order_by(Payment.id.desc())
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    return [PaymentRow(*row) for row in query]
