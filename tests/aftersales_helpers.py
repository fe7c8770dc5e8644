"""Shared fixtures data for the after-sales and lifecycle tests: contracts written straight through the model (the
contracts store module is someone else's), customers with a chosen age and last follow-up."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from crmtui.store.kernel.clock import parse_when
from crmtui.store.kernel.models import Contract, Customer

_numbers = itertools.count(1)


def contract(
    customer_id: int,
    signed_on: str | None = None,
    created: str = "2020-01-01",
    status: str = "active",
    deleted: bool = False,
) -> int:
    """A contract of CUSTOMER_ID signed on SIGNED_ON (a local date), created at CREATED (a local time)."""
    return Contract.insert(
        number=f"HT-{next(_numbers):05d}",
        customer=customer_id,
        status=status,
        signed_on=date.fromisoformat(signed_on) if signed_on else None,
        created_at=parse_when(created),
        deleted_at=datetime(2026, 1, 1) if deleted else None,
    ).execute()


def age(customer_id: int, created: str, last_followup: str | None = None) -> None:
    """Back-date a customer: created at CREATED, last followed up at LAST_FOLLOWUP (local times)."""
    Customer.update(
        created_at=parse_when(created), last_followup_at=parse_when(last_followup) if last_followup else None
    ).where(Customer.id == customer_id).execute()
