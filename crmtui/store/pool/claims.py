"""The public pool (公海池): list it, claim from it, release into it; lock, unlock and transfer owned customers;
warn owners of what is about to be reclaimed. Batch assignment is assign.assign, reclamation reclaim.reclaim.

Every ownership change writes an OwnershipEvent and an audit row in the same transaction as the change."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from peewee import JOIN, fn

from crmtui.store.kernel import audit
from crmtui.store.pool import batch
from crmtui.store.kernel.access import Actor, require_manager
from crmtui.store.kernel.clock import day_start, local_today, now
from crmtui.store.kernel.db import db, is_postgres
from crmtui.store.kernel.errors import BadInput, NotPermitted, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import AuditLog, Customer, Deal, OwnershipEvent, PoolRules, Stage, Territory, User
from crmtui.store.org.people import find_territory, find_user
from crmtui.store.pool.rules import check_territory_access, rules_for

if TYPE_CHECKING:  # customers.py (with the search code it loads) is imported where used: a claim needs none of it
    from crmtui.store.customers.records import CustomerFilter


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


# --- shared rules ------------------------------------------------------------------------------------------


def won_deal(customer_id_column) -> fn:
    """EXISTS a live won deal of the customer in CUSTOMER_ID_COLUMN."""
    return fn.EXISTS(
        Deal.select(Deal.id)
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Deal.customer == customer_id_column, Stage.kind == "won", Deal.deleted_at.is_null())
    )


def owned_count(user_id: int, rules: PoolRules) -> int:
    """What counts towards the user's owned cap: their live customers (without the won ones if the rules say so)."""
    query = Customer.select().where(Customer.owner == user_id, Customer.deleted_at.is_null())
    if not rules.cap_counts_won:
        query = query.where(~won_deal(Customer.id))
    return query.count()


def claims_today(user_id: int) -> int:
    """The user's claims since the start of their local day."""
    since = day_start(local_today())
    return (
        OwnershipEvent.select()
        .where(OwnershipEvent.to_user == user_id, OwnershipEvent.kind == "claim", OwnershipEvent.at >= since)
        .count()
    )


def lock_user_row(user_id: int) -> None:
    """Serialise one user's claims: on PostgreSQL by locking their row, so caps counted next stay true until
    commit; SQLite's BEGIN IMMEDIATE already serialises every writer. NO KEY UPDATE: rows that merely reference
    the user (follow-ups, events) are not held up."""
    if is_postgres():
        User.select(User.id).where(User.id == user_id).for_update("FOR NO KEY UPDATE").execute()


def _login(user_id: int | None) -> str | None:
    return None if user_id is None else User.select(User.login).where(User.id == user_id).scalar()


def _record(actor: Actor, customer_id: int, kind: str, old: int | None, new: int | None, at, reason=None) -> None:
    OwnershipEvent.insert(
        customer=customer_id, from_user=old, to_user=new, kind=kind, reason=reason, at=at, by=actor.id
    ).execute()
    audit.record(actor.login, "customer", customer_id, kind, {"owner": [old, new]})


# --- listing -----------------------------------------------------------------------------------------------


def list_pool(
    actor: Actor, territory: str | None = None, flt: CustomerFilter | None = None, sort: str | None = None,
    limit: int | None = 50, offset: int = 0,
) -> list[PoolRow]:  # fmt: skip
    """One page of the pool customers the actor sees (filters as the customer list), with days in the pool and
    the former owner."""
    from crmtui.store.customers.records import CustomerFilter, list_customers

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
    owned, claimed = owned_count(actor.id, rules), claims_today(actor.id)
    room = min(rules.owned_cap - owned, rules.claim_limit - claimed)
    if owned >= rules.owned_cap:
        return f"you own {owned} customers, the cap in {territory} is {rules.owned_cap}", room
    if claimed >= rules.claim_limit:
        return f"you claimed {claimed} customers today, the daily limit in {territory} is {rules.claim_limit}", room
    return None, room


def _claim_one(actor: Actor, customer_id: int) -> ClaimOutcome:
    with db.atomic():
        lock_user_row(actor.id)
        moment = now()
        name, owner, former, pooled_at, territory_id = (
            Customer.select(Customer.name, Customer.owner, Customer.former_owner, Customer.pooled_at, Customer.territory)
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
                Customer.update(owner=actor.id, owned_at=moment, pooled_at=None, updated_at=moment)
                .where(Customer.id == customer_id, Customer.owner.is_null())
                .execute()
            )
            if won:
                _record(actor, customer_id, "claim", None, actor.id, moment)
                return ClaimOutcome(customer_id, name, "claimed", "claimed", actor.login)
            owner = Customer.select(Customer.owner).where(Customer.id == customer_id).scalar()
    login = _login(owner)
    reason = "you own it already" if owner == actor.id else f"already claimed by {login}"
    return ClaimOutcome(customer_id, name, "refused", reason, login)


def _claim_next(actor: Actor, count: int, tier: str | None, territory: str | None) -> list[ClaimOutcome]:
    """Claim up to COUNT of the oldest pool customers (by id) the actor may take."""
    found = find_territory(territory) if territory else None
    territory_id = found.id if found else actor.territory_id
    if territory_id is None:
        raise BadInput("Say which territory's pool to claim from: --territory T.")
    check_territory_access(actor, found or Territory.get_by_id(territory_id), manage=False)
    with db.atomic():
        lock_user_row(actor.id)
        moment = now()
        rules = rules_for(territory_id)
        refusal, room = _refusal(actor, rules, None, None, moment)
        if refusal:
            return [ClaimOutcome(None, None, "refused", refusal, None)]
        cooled = moment - timedelta(days=rules.cooldown_days)
        query = Customer.select(Customer.id, Customer.name).where(
            Customer.owner.is_null(), Customer.territory == territory_id, Customer.deleted_at.is_null(),
            Customer.former_owner.is_null() | (Customer.former_owner != actor.id) | (Customer.pooled_at <= cooled),
        )  # fmt: skip
        if tier:
            query = query.where(Customer.tier == tier.strip().upper())
        query = query.order_by(Customer.id).limit(min(count, room))
        if is_postgres():  # rows another claimer holds are passed over, not waited for
            query = query.for_update("FOR UPDATE SKIP LOCKED")
        picked = list(query.tuples())
        ids = [cid for cid, _ in picked]
        if ids:
            Customer.update(owner=actor.id, owned_at=moment, pooled_at=None, updated_at=moment).where(
                Customer.id.in_(ids), Customer.owner.is_null()
            ).execute()
            OwnershipEvent.insert_many(
                [dict(customer=i, to_user=actor.id, kind="claim", at=moment, by=actor.id) for i in ids]
            ).execute()
            change = json.dumps({"owner": [None, actor.id]})
            AuditLog.insert_many(
                [dict(actor=actor.login, at=moment, entity="customer", entity_id=i, action="claim", changes=change) for i in ids]
            ).execute()
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


# --- releasing, locking, transferring ----------------------------------------------------------------------


def release(actor: Actor, refs, reason: str) -> list[int]:
    """Put owned customers back into the pool with REASON, all or none. Returns their ids."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("Say why the customers go back to the pool: --reason TEXT.")
    if not refs:
        raise BadInput("Name at least one customer to release.")
    from crmtui.store.customers.records import find_customer

    with db.atomic():
        moment = now()
        customers = list(dict.fromkeys(find_customer(actor, ref, write=True) for ref in refs))
        for c in customers:
            if c.owner_id is None:
                raise Refused(f"Customer #{c.id} {c.name} is in the pool already.")
        for c in customers:
            Customer.update(batch.pool_move(moment)).where(Customer.id == c.id).execute()
            _record(actor, c.id, "release", c.owner_id, None, moment, reason)
    return [c.id for c in customers]


def set_locked(actor: Actor, ref: str, locked: bool) -> bool:
    """Lock (never reclaimed) or unlock a customer; managers and admins. Returns False when it already was."""
    require_manager(actor, "lock or unlock customers")
    from crmtui.store.customers.records import find_customer

    with db.atomic():
        customer = find_customer(actor, ref, write=True)
        if customer.locked == locked:
            return False
        Customer.update(locked=locked, updated_at=now()).where(Customer.id == customer.id).execute()
        audit.record(actor.login, "customer", customer.id, "lock" if locked else "unlock", {"locked": [not locked, locked]})
    return True


def transfer(actor: Actor, ref: str, to: str, reason: str | None = None) -> ClaimOutcome:
    """Give a customer to another rep of its territory (managers and admins; the owned cap still holds)."""
    require_manager(actor, "transfer customers")
    from crmtui.store.customers.records import find_customer

    with db.atomic():
        customer = find_customer(actor, ref, write=True)
        target = find_user(to)
        if not target.active:
            raise BadInput(f"User {target.login!r} is deactivated and cannot own customers.")
        if target.territory_id != customer.territory_id:
            raise BadInput(f"{target.login} does not work in the territory of customer #{customer.id}.")
        if not actor.is_admin and target.id not in actor.team_ids:
            raise NotPermitted(f"{actor.login} may not give customers to {target.login}.")
        if customer.owner_id == target.id:
            raise Refused(f"{target.login} owns customer #{customer.id} already.")
        lock_user_row(target.id)
        rules = rules_for(customer.territory_id)
        owned = owned_count(target.id, rules)
        if owned >= rules.owned_cap:
            raise Refused(f"{target.login} owns {owned} customers, the cap is {rules.owned_cap}.")
        moment = now()
        Customer.update(owner=target.id, owned_at=moment, pooled_at=None, updated_at=moment).where(
            Customer.id == customer.id
        ).execute()
        _record(actor, customer.id, "transfer", customer.owner_id, target.id, moment, reason)
    return ClaimOutcome(customer.id, customer.name, "transferred", f"from {_login(customer.owner_id) or 'the pool'}", target.login)


# --- warnings ----------------------------------------------------------------------------------------------


def warn(actor: Actor, user: str | None = None) -> list[WarnRow]:
    """The customers USER (default: the actor) owns that reclaim will take within their territory's warn_days,
    soonest first. For the agenda: warn(actor) -> list[WarnRow]."""
    from crmtui.store.pool.reclaim import due_customers

    if user is None or user == "me":
        if actor.id is None:
            raise BadInput("Say whose customers: --user LOGIN.")
        target_id, login = actor.id, actor.login
    else:
        target = find_user(user)
        target_id, login = target.id, target.login
        if target_id != actor.id and not actor.is_admin and target_id not in actor.team_ids:
            raise NotPermitted(f"{actor.login} may not see the customers of {login}.")
    rows = [WarnRow(*row[:3], login, *row[3:]) for row in due_customers(target_id, now())]
    return sorted(rows, key=lambda r: (r.due_at, r.id))
