"""Document numbers: quotes, contracts and invoices are numbered LETTER + year + '-' + six digits (Q2026-000123),
one series per letter and year, or given by hand once free."""

from __future__ import annotations

from datetime import date

from crmtui.store.kernel.clock import local_today
from crmtui.store.kernel.dialect import serialised
from crmtui.store.kernel.errors import BadInput, Refused


def next_number(model, number_field, letter: str, on: date | None = None) -> str:
    """The next free number LETTER + year + '-' + six digits (Q2026-000123) for MODEL; call inside the writing
    transaction: one writer at a time takes a number from a series."""
    prefix = f"{letter}{(on or local_today()).year}-"
    serialised(f"crm-number:{model._meta.table_name}:{prefix}")
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
    """NUMBER given by hand, if no other LABEL (contract, invoice) has it."""
    text = number.strip()
    if not text:
        raise BadInput(f"A {label} number cannot be empty.")
    if model.select().where(number_field == text).exists():
        raise Refused(f"{label.capitalize()} number {text!r} is already taken.")
    return text
