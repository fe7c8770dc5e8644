"""Contracts (合同/订单) and the payment plan (回款计划) made with them.

A contract hangs off a customer: visible when the customer is, changeable when the customer is. Its amount is the
total of its lines (lines.py), or a plain amount without lines. The plan splits the amount into instalments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from peewee import JOIN, Expression, fn

from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, customer_scoped, find_customer_scoped
from crmtui.store.kernel.clock import add_months, local_today, parse_date
from crmtui.store.customers.records import find_customer
from crmtui.store.kernel.db import db, is_postgres
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.sales.lines import Line, build_lines, copy_lines, insert_lines, lines_total, parse_money, read_lines
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import CONTRACT_STATUSES, Contract, ContractLine, Customer, Deal, Instalment, Invoice, Payment, User, from_cents, to_cents
from crmtui.store.org.people import find_user

# Which status may follow which (terminate is its own verb but obeys the same table).
TRANSITIONS = {
    "draft": ("active", "terminated"),
    "active": ("completed", "terminated"),
    "completed": (),
    "terminated": (),
}
_EVERY = re.compile(r"^\s*(\d*)\s*([dwmy])\s*$")
MAX_INSTALMENTS = 360


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


@dataclass
class ContractDetail(ContractRow):
    deal: str | None = None
    quote: str | None = None
    overdue: Decimal = Decimal("0.00")
    uninvoiced: Decimal = Decimal("0.00")
    lines: list = field(default_factory=list)
    instalments: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    invoices: list = field(default_factory=list)


# --- numbers ------------------------------------------------------------------------------------------------


def next_number(model, number_field, letter: str, on: date | None = None) -> str:
    """The next free number LETTER + year + '-' + six digits (Q2026-000123) for MODEL; call inside the writing
    transaction. PostgreSQL takes a transaction advisory lock per series (SQLite's write lock already serialises)."""
    prefix = f"{letter}{(on or local_today()).year}-"
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"crm-number:{model._meta.table_name}:{prefix}",))
    last = (
        model.select(number_field)
        .where(number_field >= prefix + "000000", number_field <= prefix + "999999")
        .order_by(number_field.desc())
        .limit(1)
        .scalar()
    )
    tail = (last or "")[len(prefix) :]
    sequence = int(tail) + 1 if tail.isdigit() else 1
    while model.select().where(number_field == f"{prefix}{sequence:06d}").exists():
        sequence += 1
    return f"{prefix}{sequence:06d}"


def check_number_free(model, number_field, number: str, label: str) -> str:
    text = number.strip()
    if not text:
        raise BadInput(f"A {label} number cannot be empty.")
    if model.select().where(number_field == text).exists():
        raise Refused(f"{label.capitalize()} number {text!r} is already taken.")
    return text


# --- the payment plan ---------------------------------------------------------------------------------------


def parse_every(text: str) -> tuple[int, str]:
    """`1m`, `2w`, `30d`, `1y` (a bare unit means 1) as (count, unit)."""
    match = _EVERY.match(text or "")
    if not match or match.group(1) == "0":
        raise BadInput(f"--every {text!r} should be a number and d, w, m or y: 1m, 2w, 30d, 1y.")
    return int(match.group(1) or 1), match.group(2)


def step(first: date, index: int, every: tuple[int, str]) -> date:
    """The INDEX-th date (0 = FIRST) of a series every EVERY, counted from FIRST so month ends do not drift."""
    count, unit = every
    if unit == "d":
        return first + timedelta(days=count * index)
    if unit == "w":
        return first + timedelta(weeks=count * index)
    return add_months(first, count * index * (12 if unit == "y" else 1))


def split_amount(amount: Decimal, count: int) -> list[Decimal]:
    """AMOUNT in COUNT parts to the cent, equal but for the remainder, which goes on the last."""
    cents = to_cents(amount)
    base = cents // count
    parts = [base] * (count - 1) + [cents - base * (count - 1)]
    return [Decimal(p) / 100 for p in parts]


def parse_plan_item(text: str) -> tuple[date, Decimal]:
    """`DATE=AMOUNT` as typed for --instalment."""
    day, sep, amount = text.partition("=")
    if not sep or not day.strip() or not amount.strip():
        raise BadInput(f"Instalment {text!r} should be DATE=AMOUNT, e.g. 2026-12-01=5000.")
    return parse_date(day.strip()), parse_money(amount, "Instalment amount", allow_zero=False)


def make_plan(
    amount: Decimal, first_due: date, instalments: int | None = None, every: str | None = None, plan=None
) -> list[tuple[date, Decimal]]:
    """The instalments (due date, amount) of a contract of AMOUNT: N equal ones EVERY period from FIRST_DUE, the
    ones given (PLAN: `DATE=AMOUNT` strings or (date, amount) pairs; they must add up to AMOUNT), or by default one
    of the whole amount due on FIRST_DUE (none for a contract of 0)."""
    if plan and (instalments or every):
        raise BadInput("Give the plan either as --instalments N --every PERIOD or as --instalment DATE=AMOUNT, not both.")
    if plan:
        items = [parse_plan_item(p) if isinstance(p, str) else (p[0], parse_money(p[1], "Instalment amount", False)) for p in plan]
        items.sort(key=lambda item: item[0])
        given = sum((a for _, a in items), Decimal("0.00"))
        if given != amount:
            raise BadInput(f"The instalments add up to {given}, not the contract amount of {amount}.")
        return items
    if every and not instalments:
        raise BadInput("--every needs --instalments N.")
    count = 1 if instalments is None else instalments
    if not 1 <= count <= MAX_INSTALMENTS:
        raise BadInput(f"--instalments takes a number from 1 to {MAX_INSTALMENTS}.")
    if amount <= 0:
        if instalments:
            raise BadInput("A contract of 0 has nothing to pay in instalments.")
        return []
    if count > 1 and to_cents(amount) < count:
        raise BadInput(f"{amount} cannot be split into {count} instalments of at least a cent.")
    period = parse_every(every) if every else (1, "m")
    return [(step(first_due, i, period), part) for i, part in enumerate(split_amount(amount, count))]


def write_plan(contract_id: int, plan: list[tuple[date, Decimal]]) -> None:
    if plan:
        Instalment.insert_many(
            [{"contract": contract_id, "seq": i, "due_on": d, "amount": a, "paid": 0} for i, (d, a) in enumerate(plan, 1)]
        ).execute()


# --- lookups and scope --------------------------------------------------------------------------------------


def _contracts():
    return Contract.select(Contract).join(Customer, on=(Contract.customer == Customer.id)).where(Contract.deleted_at.is_null())


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


def _find_deal(deal_ref: str | int | None, customer_id: int) -> int | None:
    if deal_ref is None or str(deal_ref).strip() == "":
        return None
    scope = (Deal.customer == customer_id) & Deal.deleted_at.is_null()
    return resolve(Deal, deal_ref, Deal.title, scope, "deal of this customer").id


def _date_or_none(text) -> date | None:
    if text is None or text == "":
        return None
    return text if isinstance(text, date) else parse_date(str(text))


def _check_term(start_on: date | None, end_on: date | None) -> None:
    if start_on and end_on and end_on < start_on:
        raise BadInput(f"The contract cannot end ({end_on}) before it starts ({start_on}).")


def check_status(status: str) -> str:
    value = status.strip().lower()
    if value not in CONTRACT_STATUSES:
        raise BadInput(f"Unknown contract status {status!r}: use one of {', '.join(CONTRACT_STATUSES)}.")
    return value


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
    values = dict(
        number=number, customer=customer.id, deal=deal_id, quote=quote_id, owner=owner, signed_on=signed_on,
        start_on=start_on, end_on=end_on, amount=amount, status=status,
    )  # fmt: skip
    contract_id = Contract.insert(**values).execute()
    insert_lines(ContractLine, "contract", contract_id, lines)
    write_plan(contract_id, schedule)
    audit.record(
        actor.login, "contract", contract_id, "create",
        audit.changes({}, {**values, "lines": copy_lines(lines), "plan": [[d.isoformat(), str(a)] for d, a in schedule]}),
    )  # fmt: skip
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
    given = None if amount is None or amount == "" else parse_money(amount, "Contract amount")
    total = lines_total(built) if built else given
    if total is None:
        raise BadInput("A contract needs lines (--line) or an amount (--amount).")
    if built and given is not None and given != total:
        raise BadInput(f"The amount {given} differs from the lines' total of {total}; give one or the other.")
    dates = [_date_or_none(d) for d in (signed_on, start_on, end_on)]
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        return create_contract(
            actor, customer, built, total, number, _find_deal(deal, customer.id), None, *dates, state,
            instalments, every, plan,
        )  # fmt: skip


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
                new[name] = _date_or_none(value)
        if status is not None:
            new["status"] = check_status(status)
            _set_status(contract, new["status"])
        if owner is not None:
            new["owner"] = find_user(owner).id if owner else None
        if deal is not None:
            new["deal"] = _find_deal(deal, contract.customer_id)
        _check_term(new.get("start_on", contract.start_on), new.get("end_on", contract.end_on))
        old = {k: getattr(contract, k + "_id" if k in ("owner", "deal") else k) for k in new}
        diff = audit.changes(old, new)
        if diff:
            Contract.update(**{k: new[k] for k in diff}).where(Contract.id == contract.id).execute()
            audit.record(actor.login, "contract", contract.id, "edit", diff)
    return diff


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
    return (
        inner.select(fn.COALESCE(fn.SUM(inner.amount), 0)).where(inner.contract == Contract.id)
    )


def invoiced_expression():
    inner = Invoice.alias()
    return (
        inner.select(fn.COALESCE(fn.SUM(inner.amount), 0)).where(inner.contract == Contract.id)
    )


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
    if (limit is not None and limit < 0) or offset < 0:
        raise BadInput("--limit and --offset take numbers, 0 or more.")
    where = customer_scoped(actor, Contract) & Contract.deleted_at.is_null()
    if customer is not None:
        where &= Contract.customer == find_customer(actor, customer).id
    if status:
        where &= Contract.status.in_([check_status(s) for s in status.split(",") if s.strip()])
    if owner:
        where &= Contract.owner == (actor.id if owner == "me" else find_user(owner).id)
    order = [Contract.id.desc()]
    if ending_within is not None:
        where &= ending_condition(as_of or local_today(), ending_within)
        order = [Contract.end_on, Contract.id]
    owner_user = User.alias()
    query = (
        Contract.select(
            Contract.id, Contract.number, Customer.id, Customer.name, Contract.status, Contract.signed_on,
            Contract.start_on, Contract.end_on, Contract.amount, paid_expression(), invoiced_expression(),
            owner_user.login,
        )  # fmt: skip
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
        rows.append(ContractRow(cid, number, cust_id, cust, st, signed, start, end, amount, paid, amount - paid, invoiced, login))
    return rows


def get_contract(actor: Actor, ref: str | int) -> ContractDetail:
    """One contract with its lines, instalments (status as of today), payments, invoices and balances."""
    from crmtui.store.money.invoices import list_invoices
    from crmtui.store.money.payments import list_instalments, list_payments

    contract = find_contract(actor, ref)
    customer = Customer.get_by_id(contract.customer_id)
    lines = read_lines(ContractLine, "contract", contract.id)
    instalments = list_instalments(actor, contract=contract.id, limit=None)
    payments = list_payments(actor, contract=contract.id, limit=None)
    invoices = list_invoices(actor, contract=contract.id, limit=None)
    paid = sum((p.amount for p in payments), Decimal("0.00"))
    invoiced = sum((i.amount for i in invoices), Decimal("0.00"))
    overdue = sum((i.open for i in instalments if i.status == "overdue"), Decimal("0.00"))
    deal = Deal.get_or_none(Deal.id == contract.deal_id) if contract.deal_id else None
    quote_number = contract.quote.number if contract.quote_id else None
    owner = User.get_or_none(User.id == contract.owner_id) if contract.owner_id else None
    return ContractDetail(
        contract.id, contract.number, customer.id, customer.name, contract.status, contract.signed_on,
        contract.start_on, contract.end_on, contract.amount, paid, contract.amount - paid, invoiced,
        owner.login if owner else None, deal.title if deal else None, quote_number, overdue,
        contract.amount - invoiced, lines, instalments, payments, invoices,
    )  # fmt: skip
