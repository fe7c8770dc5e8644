"""Reclaim warnings (`crm pool warn`, the agenda): an owner's customers that reclamation will take within their
territory's warn_days, with when and by which rule, so a follow-up can come first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import now
from crmtui.store.org.users import whose
from crmtui.store.pool.reclaim import due_customers


@dataclass
class WarnRow:
    id: int
    name: str
    tier: str
    owner: str
    territory: str
    due_at: datetime  # when reclaim will take it, unless a follow-up (or a won deal) comes first
    days_left: int
    rule: str


def warn(actor: Actor, user: str | None = None) -> list[WarnRow]:
    """The customers USER (default: the actor) owns that reclaim will take within their territory's warn_days,
    soonest first."""
    target_id, login = whose(actor, user, "customers")
    rows = [WarnRow(*row[:3], login, *row[3:]) for row in due_customers(target_id, now())]
    return sorted(rows, key=lambda r: (r.due_at, r.id))
