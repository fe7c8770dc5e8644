"""The payment plan (回款计划): a contract's amount split into instalments, equal ones every period or given one by
one, due dates counted from the first so month ends do not drift."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from crmtui.store.kernel import values
from crmtui.store.kernel.clock import add_months
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Instalment, to_cents
from crmtui.store.kernel.settings import currency

_EVERY = re.compile(r"^\s*(\d*)\s*([dwmy])\s*$")
MAX_INSTALMENTS = 360


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


def _instalment_amount(amount) -> Decimal:
    return values.money(amount, "Instalment amount", currency(), allow_zero=False)


def parse_plan_item(text: str) -> tuple[date, Decimal]:
    """`DATE=AMOUNT` as typed for --instalment."""
    day, sep, amount = text.partition("=")
    if not sep or not day.strip() or not amount.strip():
        raise BadInput(f"Instalment {text!r} should be DATE=AMOUNT, e.g. 2026-12-01=5000.")
    return values.day(day.strip()), _instalment_amount(amount)


def make_plan(
    amount: Decimal, first_due: date, instalments: int | None = None, every: str | None = None, plan=None
) -> list[tuple[date, Decimal]]:
    """The instalments (due date, amount) of a contract of AMOUNT: N equal ones EVERY period from FIRST_DUE, the
    ones given (PLAN: `DATE=AMOUNT` strings or (date, amount) pairs; they must add up to AMOUNT), or by default one
    of the whole amount due on FIRST_DUE (none for a contract of 0)."""
    if plan and (instalments or every):
        raise BadInput(
            "Give the plan either as --instalments N --every PERIOD or as --instalment DATE=AMOUNT, not both."
        )
    if plan:
        items = [parse_plan_item(p) if isinstance(p, str) else (p[0], _instalment_amount(p[1])) for p in plan]
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
            [
                {"contract": contract_id, "seq": i, "due_on": d, "amount": a, "paid": 0}
                for i, (d, a) in enumerate(plan, 1)
            ]
        ).execute()
