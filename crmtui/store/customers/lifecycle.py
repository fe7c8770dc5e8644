"""The customer lifecycle after a sale: who is due to buy again (复购) and who is at risk of churning (流失预警).

Both are WHERE clauses over Customer, built from correlated EXISTS / NOT EXISTS subqueries on contract.customer_id
(an index), so they compose with any customer query (scope, owner, paging) and cost a few index probes per
customer looked at. They do not exclude soft-deleted customers: the caller's query does that.
The day counts are the database settings `repurchase_days` and `risk_days` (store/settings.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import SQL, Expression, fn

from crmtui.store.kernel.clock import to_local
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Contract, Customer
from crmtui.store.kernel.settings import get_setting

LIFECYCLES = ("due-to-buy", "at-risk")


def _contracts(*conditions: Expression):
    """The live contracts (not deleted, not draft) of the customer in the outer query, and CONDITIONS."""
    return Contract.select(SQL("1")).where(
        Contract.customer == Customer.id, Contract.deleted_at.is_null(), Contract.status != "draft", *conditions
    )


def _signed_since(as_of: datetime, days: int) -> Expression:
    """A contract signed (or, unsigned, created) less than DAYS days before AS_OF. A signing date counts in whole
    local days: one signed exactly DAYS days before AS_OF's local date is DAYS days old."""
    cut_day = to_local(as_of).date() - timedelta(days=days)
    cut_time = as_of - timedelta(days=days)
    return (Contract.signed_on > cut_day) | (Contract.signed_on.is_null() & (Contract.created_at > cut_time))


def due_to_buy_again(as_of: datetime) -> Expression:
    """Customers who bought (at least one live contract) and whose latest contract is `repurchase_days` old or
    more as of AS_OF (a UTC datetime, as clock.now())."""
    days = get_setting("repurchase_days")
    return fn.EXISTS(_contracts()) & ~fn.EXISTS(_contracts(_signed_since(as_of, days)))


def at_risk(as_of: datetime) -> Expression:
    """Customers with neither a follow-up nor a live contract in the last `risk_days` before AS_OF; a customer
    created less than `risk_days` ago is not at risk yet."""
    days = get_setting("risk_days")
    cutoff = as_of - timedelta(days=days)
    quiet = Customer.last_followup_at.is_null() | (Customer.last_followup_at <= cutoff)
    return (Customer.created_at <= cutoff) & quiet & ~fn.EXISTS(_contracts(_signed_since(as_of, days)))


def lifecycle_condition(name: str, as_of: datetime) -> Expression:
    """The condition a `--lifecycle` option names: 'due-to-buy' or 'at-risk'."""
    key = name.strip().lower()
    if key == "due-to-buy":
        return due_to_buy_again(as_of)
    if key == "at-risk":
        return at_risk(as_of)
    raise BadInput(f"Unknown lifecycle {name!r}: use one of {', '.join(LIFECYCLES)}.")
