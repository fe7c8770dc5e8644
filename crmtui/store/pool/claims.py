"""The public pool (公海池): list it, and claim from it, one customer by name or the next N, within the territory's
daily claim limit, owned cap and former-owner cooldown (领取)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from peewee import JOIN

from crmtui.store.customers import ownership
from crmtui.store.customers.records import CustomerFilter, list_customers
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import day_start, local_today, now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import skipping_locked
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Customer, OwnershipEvent, PoolRules, Territory, User
from crmtui.store.kernel.values import tier as check_tier
from crmtui.store.org.territories import check_territory_access, find_territory, rules_for
from crmtui.store.org.users import login_of


@dataclass
class PoolRow:
    id: int
    name: str
    tier: str
    territory: str
    days_in_pool: int | None
    former_owner: str | None
    pooled_at: datetime | None
    last_followup_at: datetime | None
    tags: str


@dataclass
class ClaimOutcome:
    customer_id: int | None
    name: str | None
    outcome: str  # "claimed" or "refused"
    reason: str
    owner: str | None  # who owns the customer now

    @property
    def claimed(self) -> bool:
        return self.outcome == "claimed"


# --- listing -----------------------------------------------------------------------------------------------


def list_pool(
    actor: Actor,
    territory: str | None = None,
    flt: CustomerFilter | None = None,
    sort: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[PoolRow]:
    """One page of the pool customers the actor sees (filters as the customer list), with days in the pool and
    the former owner."""
    flt = replace(flt or CustomerFilter(), owner="pool", territory=territory or (flt.territory if flt else None))
    rows = list_customers(actor, flt, sort, limit, offset)
    former = User.alias()
    extra = {
        cid: (login, pooled)
        for cid, login, pooled in Customer.select(Customer.id, former.login, Customer.pooled_at)
        .join_from(Customer, former, JOIN.LEFT_OUTER, on=(Customer.former_owner == former.id))
        .where(Customer.id.in_([r.id for r in rows]))
        .tuples()
    }
    moment = now()
    result = []
    for r in rows:
        login, pooled = extra.get(r.id, (None, None))
        days = max(0, (moment - pooled).days) if pooled else None  # 0, not negative, when CRM_NOW replays the past
        result.append(PoolRow(r.id, r.name, r.tier, r.territory, days, login, pooled, r.last_followup_at, r.tags))
    return result


# --- claiming ----------------------------------------------------------------------------------------------


def _claim_scope(actor: Actor):
    alive = Customer.deleted_at.is_null()
    return alive if actor.is_admin else alive & Customer.territory.in_(list(actor.territory_ids))


def _refusal(actor: Actor, rules: PoolRules, former_owner: int | None, pooled_at, moment) -> tuple[str | None, int]:
    """Why the actor may not claim one more customer under RULES now (or None), and how many more they may."""
    territory = Territory.get_by_id(rules.territory_id).name
    if former_owner == actor.id and pooled_at and pooled_at > moment - timedelta(days=rules.cooldown_days):
        until = pooled_at + timedelta(days=rules.cooldown_days)
        why = f"you gave it up on {pooled_at:%Y-%m-%d}; the {rules.cooldown_days}-day cooldown in {territory} ends {until:%Y-%m-%d %H:%M} UTC"
        return why, 0
    owned, claimed = ownership.owned_count(actor.id, rules), claims_today(actor.id)
    room = min(rules.owned_cap - owned, rules.claim_limit - claimed)
    if owned >= rules.owned_cap:
        return f"you own {owned} customers, the cap in {territory} is {rules.owned_cap}", room
    if claimed >= rules.claim_limit:
        return f"you claimed {claimed} customers today, the daily limit in {territory} is {rules.claim_limit}", room
    return None, room


def _claim_one(actor: Actor, customer_id: int) -> ClaimOutcome:
    with db.atomic():
        ownership.hold_owners([actor.id])
        moment = now()
        name, owner, former, pooled_at, territory_id = (
            Customer.select(
                Customer.name, Customer.owner, Customer.former_owner, Customer.pooled_at, Customer.territory
            )
            .where(Customer.id == customer_id)
            .tuples()
            .get()
        )
        if owner is None:
            refusal, _ = _refusal(actor, rules_for(territory_id), former, pooled_at, moment)
            if refusal:
                return ClaimOutcome(customer_id, name, "refused", refusal, None)
            # The conditional UPDATE is the claim: of racing claimers exactly one sees a row change.
            won = (
                Customer.update(ownership.to_owner(actor.id, moment))
                .where(Customer.id == customer_id, Customer.owner.is_null())
                .execute()
            )
            if won:
                ownership.log(actor, "claim", [(customer_id, None, actor.id, None)], moment)
                return ClaimOutcome(customer_id, name, "claimed", "claimed", actor.login)
            owner = Customer.select(Customer.owner).where(Customer.id == customer_id).scalar()
    login = login_of(owner)
    reason = "you own it already" if owner == actor.id else f"already claimed by {login}"
    return ClaimOutcome(customer_id, name, "refused", reason, login)


def _claim_next(actor: Actor, count: int, tier: str | None, territory: str | None) -> list[ClaimOutcome]:
    """Claim up to COUNT of the oldest pool customers (by id) the actor may take."""
    letter = check_tier(tier) if tier else None
    found = find_territory(territory) if territory else None
    territory_id = found.id if found else actor.territory_id
    if territory_id is None:
        raise BadInput("Say which territory's pool to claim from: --territory T.")
    check_territory_access(actor, found or Territory.get_by_id(territory_id), manage=False)
    with db.atomic():
        ownership.hold_owners([actor.id])
        moment = now()
        rules = rules_for(territory_id)
        refusal, room = _refusal(actor, rules, None, None, moment)
        if refusal:
            return [ClaimOutcome(None, None, "refused", refusal, None)]
        cooled = moment - timedelta(days=rules.cooldown_days)
        query = Customer.select(Customer.id, Customer.name).where(
            Customer.owner.is_null(),
            Customer.territory == territory_id,
            Customer.deleted_at.is_null(),
            Customer.former_owner.is_null() | (Customer.former_owner != actor.id) | (Customer.pooled_at <= cooled),
        )
        if letter:
            query = query.where(Customer.tier == letter)
        # rows another claimer holds are passed over, not waited for
        picked = list(skipping_locked(query.order_by(Customer.id).limit(min(count, room))).tuples())
        ids = [cid for cid, _ in picked]
        if ids:
            Customer.update(ownership.to_owner(actor.id, moment)).where(
                Customer.id.in_(ids), Customer.owner.is_null()
            ).execute()
            ownership.log(actor, "claim", [(i, None, actor.id, None) for i in ids], moment)
    outcomes = [ClaimOutcome(cid, name, "claimed", "claimed", actor.login) for cid, name in picked]
    if len(picked) < count:
        why = "the daily limit or the owned cap" if len(picked) == room else "no more customers in the pool"
        outcomes.append(ClaimOutcome(None, None, "refused", f"{count - len(picked)} not claimed: {why}", None))
    return outcomes


def claim(
    actor: Actor, refs=(), next_count: int | None = None, tier: str | None = None, territory: str | None = None
) -> list[ClaimOutcome]:
    """Claim the customers named by REFS (each in its own transaction, so one refusal does not undo the others),
    or the NEXT_COUNT oldest pool customers [of TIER] of TERRITORY (default: the actor's). One outcome per
    customer: claimed, or refused with the reason (already claimed by whom, owned cap, daily limit, cooldown)."""
    if actor.id is None:
        raise BadInput("Claims are made by a user: say who is acting with --user.")
    if bool(refs) == (next_count is not None):
        raise BadInput("Name the customers to claim, or use --next N (not both).")
    if next_count is not None:
        if next_count < 1:
            raise BadInput("--next takes a number, 1 or more.")
        return _claim_next(actor, next_count, tier, territory)
    customers = [resolve(Customer, ref, Customer.name, _claim_scope(actor), "customer") for ref in refs]
    return [_claim_one(actor, c.id) for c in dict.fromkeys(customers)]


def claims_today(user_id: int) -> int:
    """The user's claims since the start of their local day."""
    since = day_start(local_today())
    return (
        OwnershipEvent.select()
        .where(OwnershipEvent.to_user == user_id, OwnershipEvent.kind == "claim", OwnershipEvent.at >= since)
        .count()
    )
