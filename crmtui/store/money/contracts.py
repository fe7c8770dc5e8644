"""Contracts (合同/订单): made by hand or from an accepted quote (acceptance.py), with their lines and payment plan
(plans.py), edited, terminated, listed with their balances; one in full is detail.py.

A contract hangs off a customer: visible when the customer is, changeable when the customer is. Its amount is the
total of its lines (lines.py), or a plain amount without lines. The plan splits the amount into instalments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from peewee import JOIN, Expression, fn

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_scoped, find_customer_scoped
from crmtui.store.kernel.clock import local_today
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Contract, ContractLine, Customer, Invoice, Payment, User, from_cents
from crmtui.store.kernel.numbering import check_number_free, next_number
from crmtui.store.kernel.settings import currency
from crmtui.store.kernel.values import CONTRACT_STATUSES
from crmtui.store.money.plans import make_plan, write_plan
from crmtui.store.org.users import find_user
from crmtui.store.sales.deals import deal_of_customer
from crmtui.store.sales.lines import Line, build_lines, copy_lines, insert_lines, lines_total

# Which status may follow which (terminate is its own verb but obeys the same table).
TRANSITIONS = {
    "draft": ("active", "terminated"),
    "active": ("completed", "terminated"),
    "completed": (),
    "terminated": (),
}


@dataclass
class ContractRow:
    id: int
    number: str
    customer_id: int
    customer: str
    status: str
    signed_on: date | None
    start_on: date | None
    end_on: date | None
    amount: Decimal
    paid: Decimal
    open: Decimal
    invoiced: Decimal
    owner: str | None


# --- lookups and scope --------------------------------------------------------------------------------------


def _contracts():
    return (
        Contract.select(Contract)
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(Contract.deleted_at.is_null())
    )


def find_contract(actor: Actor, ref: str | int, write: bool = False) -> Contract:
    """A contract by id (`12`, `#12`) or number, among those whose customer the actor sees (or may change)."""
    return find_customer_scoped(actor, _contracts(), Contract, ref, Contract.number, "contract", write)


def ending_condition(as_of: date, within_days: int) -> Expression:
    """Active contracts whose end date falls in [AS_OF, AS_OF + WITHIN_DAYS]: due for renewal."""
    if within_days < 0:
        raise BadInput("--ending-within takes a number of days, 0 or more.")
    return (
        (Contract.status == "active")
        & Contract.end_on.between(as_of, as_of + timedelta(days=within_days))
        & Contract.deleted_at.is_null()
    )


def _check_term(start_on: date | None, end_on: date | None) -> None:
    if start_on and end_on and end_on < start_on:
        raise BadInput(f"The contract cannot end ({end_on}) before it starts ({start_on}).")


def check_status(status: str) -> str:
    return values.choice(status, CONTRACT_STATUSES, "contract status")


# --- adding -------------------------------------------------------------------------------------------------


def create_contract(
    actor: Actor,
    customer: Customer,
    lines: list[Line],
    amount: Decimal,
    number: str | None = None,
    deal_id: int | None = None,
    quote_id: int | None = None,
    signed_on: date | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    status: str = "active",
    instalments: int | None = None,
    every: str | None = None,
    plan=None,
) -> int:
    """Write a contract, its lines and its plan, and audit it; the caller holds the transaction and has checked
    the customer is writable. Used by add_contract and quotes.accept_quote."""
    _check_term(start_on, end_on)
    schedule = make_plan(amount, signed_on or start_on or local_today(), instalments, every, plan)
    number = (
        check_number_free(Contract, Contract.number, number, "contract")
        if number
        else next_number(Contract, Contract.number, "C", signed_on)
    )
    owner = customer.owner_id or actor.id
    row = dict(
        number=number,
        customer=customer.id,
        deal=deal_id,
        quote=quote_id,
        owner=owner,
        signed_on=signed_on,
        start_on=start_on,
        end_on=end_on,
        amount=amount,
        status=status,
    )
    contract_id = Contract.insert(**row).execute()
    insert_lines(ContractLine, "contract", contract_id, lines)
    write_plan(contract_id, schedule)
    audit.created(
        actor.login,
        "contract",
        contract_id,
        {**row, "lines": copy_lines(lines), "plan": [[d.isoformat(), str(a)] for d, a in schedule]},
    )
    return contract_id


def add_contract(
    actor: Actor,
    customer_ref: str | int,
    lines=(),
    amount=None,
    number: str | None = None,
    deal: str | int | None = None,
    signed_on=None,
    start_on=None,
    end_on=None,
    status: str = "active",
    instalments: int | None = None,
    every: str | None = None,
    plan=None,
) -> int:
    """Add a contract for a customer the actor may change; returns its id. LINES (LineInput or `PRODUCT:QTY[:PRICE]
    [:DISCOUNT%]` strings) make the amount; without lines AMOUNT is given plainly (with both, they must agree).
    The plan: INSTALMENTS equal parts EVERY period (`1m`), first due on the signing (else start) date, or PLAN
    (`DATE=AMOUNT` items adding up to the amount), or one instalment of the whole amount."""
    state = check_status(status)
    if state not in ("draft", "active"):
        raise BadInput("A new contract is draft or active.")
    built = build_lines(list(lines)) if lines else []
    given = None if amount is None or amount == "" else values.money(amount, "Contract amount", currency())
    total = lines_total(built) if built else given
    if total is None:
        raise BadInput("A contract needs lines (--line) or an amount (--amount).")
    if built and given is not None and given != total:
        raise BadInput(f"The amount {given} differs from the lines' total of {total}; give one or the other.")
    dates = [values.optional_day(d) for d in (signed_on, start_on, end_on)]
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        return create_contract(
            actor,
            customer,
            built,
            total,
            number,
            deal_of_customer(deal, customer.id),
            None,
            *dates,
            state,
            instalments,
            every,
            plan,
        )


# --- changing -----------------------------------------------------------------------------------------------


def _set_status(contract: Contract, new: str) -> None:
    if new != contract.status and new not in TRANSITIONS[contract.status]:
        allowed = ", ".join(TRANSITIONS[contract.status]) or "nothing"
        raise Refused(f"Contract {contract.number} is {contract.status}: it can become {allowed}, not {new}.")


def edit_contract(
    actor: Actor,
    ref: str | int,
    number: str | None = None,
    signed_on=None,
    start_on=None,
    end_on=None,
    status: str | None = None,
    owner: str | None = None,
    deal: str | int | None = None,
) -> dict:
    """Change the fields given (None leaves one; '' clears a date or the deal). The amount, lines and plan are
    fixed once made. Returns {field: [old, new]} (empty: nothing changed)."""
    with db.atomic():
        contract = find_contract(actor, ref, write=True)
        new: dict = {}
        if number is not None and number.strip() != contract.number:
            new["number"] = check_number_free(Contract, Contract.number, number, "contract")
        for name, value in (("signed_on", signed_on), ("start_on", start_on), ("end_on", end_on)):
            if value is not None:
                new[name] = values.optional_day(value)
        if status is not None:
            new["status"] = check_status(status)
            _set_status(contract, new["status"])
        if owner is not None:
            new["owner"] = find_user(owner).id if owner else None
        if deal is not None:
            new["deal"] = deal_of_customer(deal, contract.customer_id)
        _check_term(new.get("start_on", contract.start_on), new.get("end_on", contract.end_on))
        return audit.update(actor.login, contract, new, "contract")


def terminate_contract(actor: Actor, ref: str | int, reason: str | None = None) -> str:
    """End a draft or active contract early; returns its number. Its payments and invoices stay."""
    with db.atomic():
        contract = find_contract(actor, ref, write=True)
        if contract.status == "terminated":
            raise Refused(f"Contract {contract.number} is already terminated.")
        _set_status(contract, "terminated")
        Contract.update(status="terminated").where(Contract.id == contract.id).execute()
        diff = audit.changes({"status": contract.status}, {"status": "terminated"})
        if reason:
            diff["reason"] = [None, reason]
        audit.record(actor.login, "contract", contract.id, "terminate", diff)
    return contract.number


# --- reading ------------------------------------------------------------------------------------------------


def paid_expression():
    """Per contract row: the cents paid on it (a correlated aggregate over payment's contract index)."""
    inner = Payment.alias()
    return inner.select(fn.COALESCE(fn.SUM(inner.amount), 0)).where(inner.contract == Contract.id)


def invoiced_expression():
    inner = Invoice.alias()
    return inner.select(fn.COALESCE(fn.SUM(inner.amount), 0)).where(inner.contract == Contract.id)


def _money(cents) -> Decimal:
    """A summed cents column (None when nothing was summed) as an amount."""
    return from_cents(int(cents or 0))


def list_contracts(
    actor: Actor,
    customer: str | int | None = None,
    status: str | None = None,
    owner: str | None = None,
    ending_within: int | None = None,
    as_of: date | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[ContractRow]:
    """One page of the contracts the actor sees, newest first; ENDING_WITHIN days (as of AS_OF, default today):
    only active ones due for renewal, soonest end first."""
    values.page(limit, offset)
    where = customer_scoped(actor, Contract) & Contract.deleted_at.is_null()
    if customer is not None:
        where &= Contract.customer == find_customer(actor, customer).id
    if status:
        where &= Contract.status.in_(values.choices(status, CONTRACT_STATUSES, "contract status"))
    if owner:
        where &= Contract.owner == (actor.id if owner == "me" else find_user(owner).id)
    order = [Contract.id.desc()]
    if ending_within is not None:
        where &= ending_condition(as_of or local_today(), ending_within)
        order = [Contract.end_on, Contract.id]
    owner_user = User.alias()
    query = (
        Contract.select(
            Contract.id,
            Contract.number,
            Customer.id,
            Customer.name,
            Contract.status,
            Contract.signed_on,
            Contract.start_on,
            Contract.end_on,
            Contract.amount,
            paid_expression(),
            invoiced_expression(),
            owner_user.login,
        )
        .join_from(Contract, Customer, JOIN.LEFT_OUTER, on=(Contract.customer == Customer.id))
        .join_from(Contract, owner_user, JOIN.LEFT_OUTER, on=(Contract.owner == owner_user.id))
        .where(where)
        .order_by(*order)
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    rows = []
    for cid, number, cust_id, cust, st, signed, start, end, amount, paid, invoiced, login in query:
        paid, invoiced = _money(paid), _money(invoiced)
        rows.append(
            ContractRow(
                cid, number, cust_id, cust, st, signed, start, end, amount, paid, amount - paid, invoiced, login
            )
        )
    return rows
