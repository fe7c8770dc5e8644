"""A quote accepted (报价 → 合同): the quote becomes accepted and its contract is made, with the same customer, deal
and lines, in one transaction."""

from __future__ import annotations

from crmtui.store.kernel import values
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import local_today
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import Refused
from crmtui.store.kernel.models import Customer, QuoteLine
from crmtui.store.money.contracts import create_contract
from crmtui.store.sales.lines import lines_total, read_lines
from crmtui.store.sales.quotes import find_quote, move_quote


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
    signed = values.optional_day(signed_on) or local_today()
    start, end = values.optional_day(start_on), values.optional_day(end_on)
    with db.atomic():
        quote = find_quote(actor, ref, write=True)
        if quote.status in ("draft", "sent") and quote.valid_until is not None and quote.valid_until < signed:
            raise Refused(f"Quote {quote.number} expired on {quote.valid_until}: make a new one.")
        move_quote(actor, quote, "accepted", "accept")
        lines = read_lines(QuoteLine, "quote", quote.id)
        customer = Customer.get_by_id(quote.customer_id)
        return create_contract(
            actor,
            customer,
            lines,
            lines_total(lines),
            None,
            quote.deal_id,
            quote.id,
            signed,
            start,
            end,
            "active",
            instalments,
            every,
            plan,
        )
