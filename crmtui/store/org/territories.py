"""Territories (战区): the sales regions. Each is born with its pool rules and a reclaim rule per tier
(open_territories), whether it is added by hand or imported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from peewee import JOIN, fn

from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, require_admin
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, NotPermitted, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Customer, PoolRules, Territory, TierRule, User
from crmtui.store.kernel.values import TIERS

# A new territory's no-follow-up days per tier (every other pool rule starts at its column default).
DEFAULT_NO_FOLLOWUP_DAYS = {"A": 30, "B": 21, "C": 14, "D": 10, "E": 7}


@dataclass
class TerritoryRow:
    id: int
    name: str
    reps: int
    in_pool: int
    owned: int


def find_territory(ref: str | int) -> Territory:
    return resolve(Territory, ref, Territory.name, Territory.id.is_null(False), "territory")


def add_territory(actor: Actor, name: str) -> int:
    require_admin(actor, "add a territory")
    name = name.strip()
    if not name:
        raise BadInput("A territory needs a name.")
    with db.atomic():
        if Territory.select().where(Territory.name == name).exists():
            raise Refused(f"Territory {name!r} exists already.")
        territory = Territory.create(name=name)
        open_territories([territory.id])
        audit.created(actor.login, "territory", territory.id, {"name": name})
    return territory.id


def list_territories(actor: Actor) -> list[TerritoryRow]:
    counts = (
        Customer.select(
            Customer.territory,
            fn.SUM(Customer.owner.is_null().cast("integer")).alias("in_pool"),
            fn.COUNT(Customer.id).alias("total"),
        )
        .where(Customer.deleted_at.is_null())
        .group_by(Customer.territory)
        .alias("counts")
    )
    reps = (
        User.select(User.territory, fn.COUNT(User.id).alias("n"))
        .where(User.role == "rep", User.active)
        .group_by(User.territory)
        .alias("reps")
    )
    query = (
        Territory.select(Territory.id, Territory.name, reps.c.n, counts.c.in_pool, counts.c.total)
        .join_from(Territory, reps, JOIN.LEFT_OUTER, on=(reps.c.territory_id == Territory.id))
        .join_from(Territory, counts, JOIN.LEFT_OUTER, on=(counts.c.territory_id == Territory.id))
        .order_by(Territory.name)
        .tuples()
    )
    return [
        TerritoryRow(tid, name, n or 0, int(pool or 0), int(total or 0) - int(pool or 0))
        for tid, name, n, pool, total in query
    ]


def open_territories(territory_ids: Sequence[int]) -> None:
    """What new territories get: their pool rules (the column defaults) and a no-follow-up rule per tier."""
    if territory_ids:
        PoolRules.insert_many([{"territory": i} for i in territory_ids]).execute()
        TierRule.insert_many(
            [
                {"territory": i, "tier": t, "no_followup_days": DEFAULT_NO_FOLLOWUP_DAYS[t]}
                for i in territory_ids
                for t in TIERS
            ]
        ).execute()


def works_in(actor: Actor, territory_id: int) -> bool:
    """Reps work in their territory, managers in their team's, admins everywhere."""
    return actor.is_admin or territory_id in actor.territory_ids


def check_territory_access(actor: Actor, territory: Territory, manage: bool) -> None:
    """Reps see their territory's pool; its managers (and admins) manage it."""
    if actor.is_admin:
        return
    if not works_in(actor, territory.id):
        raise NotPermitted(f"{actor.login} does not work in territory {territory.name}.")
    if manage and actor.role != "manager":
        raise NotPermitted(f"Only a manager of {territory.name} or an admin may do that.")


def rules_for(territory_id: int) -> PoolRules:
    """The territory's pool rules: the claim limit, the owned cap, the cooldown …"""
    return PoolRules.get(PoolRules.territory == territory_id)
