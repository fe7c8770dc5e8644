"""Reclamation (回收): owned customers go back to the pool when their tier's rule fires — no follow-up for N days
(counted from the later of the last follow-up and the day the owner got it), or owned N days without a won deal.
Locked customers, and customers with a won deal where keep_won holds, are exempt.

One set-based pass: the customers to reclaim are selected once into a batch table (cutoffs computed here from
clock.now(), so the SQL is the same on both backends), then moved, logged and audited in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from peewee import SQL, Case, Expression, fn

from crmtui.store.customers.ownership import won_deal
from crmtui.store.kernel.access import Actor, require_manager
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import exclusive_run, is_postgres
from crmtui.store.kernel.errors import Busy
from crmtui.store.kernel.models import Customer, PoolRules, Territory, TierRule, User
from crmtui.store.org.territories import check_territory_access, find_territory
from crmtui.store.pool import batch


@dataclass(frozen=True)
class TierPolicy:
    territory_id: int
    territory: str
    tier: str
    keep_won: bool
    warn_days: int
    no_followup_days: int | None
    no_deal_days: int | None

    def followup_rule(self) -> str:
        return f"no follow-up for {self.no_followup_days} days (tier {self.tier})"

    def deal_rule(self) -> str:
        return f"no won deal in {self.no_deal_days} days (tier {self.tier})"


@dataclass
class ReclaimRow:
    territory: str
    owner: str
    reclaimed: int


@dataclass
class ReclaimResult:
    at: datetime
    dry_run: bool
    total: int
    rows: list[ReclaimRow]


def policies(territory_ids: list[int] | None) -> list[TierPolicy]:
    """The tier rules in force (at least one of the two day counts set) of the territories (None: all)."""
    query = (
        TierRule.select(
            TierRule.territory,
            Territory.name,
            TierRule.tier,
            PoolRules.keep_won,
            PoolRules.warn_days,
            TierRule.no_followup_days,
            TierRule.no_deal_days,
        )
        .join(Territory, on=(TierRule.territory == Territory.id))
        .join(PoolRules, on=(PoolRules.territory == Territory.id))
        .where(TierRule.no_followup_days.is_null(False) | TierRule.no_deal_days.is_null(False))
        .order_by(Territory.name, TierRule.tier)
    )
    if territory_ids is not None:
        query = query.where(TierRule.territory.in_(territory_ids))
    return [TierPolicy(*row) for row in query.tuples()]


def _owned_since():
    return fn.COALESCE(Customer.owned_at, Customer.created_at).python_value(Customer.owned_at.python_value)


def _per_rule(rules: list[TierPolicy], value: Callable[[TierPolicy], object]) -> Case | None:
    """CASE territory WHEN t THEN CASE tier WHEN x THEN VALUE(rule) ... END ... END over the rules whose VALUE is
    not None (a customer of any other territory and tier gets NULL, so comparisons with it are not true). One
    lookup per row instead of a condition per rule: the pass over a million customers is clearly faster."""
    by_territory: dict[int, list] = {}
    for rule in rules:
        if (result := value(rule)) is not None:
            by_territory.setdefault(rule.territory_id, []).append((rule.tier, result))
    if not by_territory:
        return None
    return Case(Customer.territory, [(t, Case(Customer.tier, pairs)) for t, pairs in by_territory.items()])


def _followup_rule_names(rules: list[TierPolicy]) -> Case | None:
    """The name of the no-follow-up rule of each customer's territory and tier."""
    return _per_rule(rules, lambda r: r.no_followup_days and r.followup_rule())


def reclaimable(rules: list[TierPolicy], as_of: Callable[[TierPolicy], datetime]) -> tuple[Expression, Case]:
    """The WHERE clause of the customers RULES take back as of AS_OF(rule), and a CASE naming the rule that fires
    for each. A customer escapes the no-follow-up rule by a follow-up after the cutoff, or by getting it after."""
    won = won_deal(Customer.id)
    since = _owned_since()
    quiet_cutoff = _per_rule(rules, lambda r: r.no_followup_days and as_of(r) - timedelta(days=r.no_followup_days))
    deal_cutoff = _per_rule(rules, lambda r: r.no_deal_days and as_of(r) - timedelta(days=r.no_deal_days))
    fires, names = [], []
    if quiet_cutoff is not None:
        quiet = (Customer.last_followup_at.is_null() | (Customer.last_followup_at < quiet_cutoff)) & (
            since < quiet_cutoff
        )
        fires.append(quiet)
        names.append((quiet, _followup_rule_names(rules)))
    if deal_cutoff is not None:
        dealless = (since < deal_cutoff) & ~won
        fires.append(dealless)
        names.append((dealless, _per_rule(rules, lambda r: r.no_deal_days and r.deal_rule())))
    no_keep = sorted({r.territory_id for r in rules if not r.keep_won})
    exempt_won = ~won if not no_keep else (Customer.territory.in_(no_keep) | ~won)
    where = (
        Customer.owner.is_null(False)
        & ~Customer.locked
        & Customer.deleted_at.is_null()
        & reduce(or_, fires)
        & exempt_won
    )
    return where, Case(None, names)


def reclaim_lock():
    """One reclaim at a time per database (a team's schema on PostgreSQL)."""
    return exclusive_run(
        "reclaim", Busy("Another reclaim is running on this database; try again when it has finished.")
    )


def reclaim(actor: Actor, territory: str | None = None, dry_run: bool = False) -> ReclaimResult:
    """One pass over TERRITORY (default: every territory the actor manages). DRY_RUN reports what would go back
    and writes nothing. Raises Busy while another reclaim runs."""
    require_manager(actor, "reclaim customers")
    if territory:
        found = find_territory(territory)
        check_territory_access(actor, found, manage=True)
        territory_ids = [found.id]
    else:
        territory_ids = None if actor.is_admin else sorted(actor.territory_ids)
    with reclaim_lock(), db.atomic():
        moment = now()
        rules = policies(territory_ids)
        with batch.batch_table():
            if rules:
                where, rule = reclaimable(rules, lambda _: moment)
                if is_postgres() and not dry_run and not any(r.no_deal_days for r in rules):
                    # Only no-follow-up rules: territory and tier name the rule, and the move leaves them be,
                    # so one UPDATE both picks and moves (closer to a bare UPDATE of the rows: docs/PERFORMANCE.md).
                    batch.fill_by_moving_to_pool(where, _followup_rule_names(rules), moment)
                    batch.log(actor, "reclaim", moment)
                else:
                    chosen = Customer.select(Customer.id, Customer.territory, Customer.owner, SQL("NULL"), rule)
                    batch.fill_from(chosen.where(where))
                    if not dry_run:
                        batch.apply(actor, "reclaim", moment, to_pool=True)
            counts = batch.counts_by_target()
    return ReclaimResult(moment, dry_run, sum(c[-1] for c in counts), _summary(counts))


def _summary(counts: list[tuple]) -> list[ReclaimRow]:
    territories = dict(Territory.select(Territory.id, Territory.name).tuples())
    logins = dict(User.select(User.id, User.login).where(User.id.in_([c[1] for c in counts])).tuples())
    rows = [ReclaimRow(territories[t], logins[owner], n) for t, owner, _, n in counts]
    return sorted(rows, key=lambda r: (r.territory, r.owner))


def due_customers(user_id: int, moment: datetime) -> list[tuple]:
    """(id, name, tier, territory, due_at, days_left, rule) of USER's customers that reclaim takes within their
    territory's warn_days of MOMENT."""
    rules = policies(None)
    if not rules:
        return []
    where, rule = reclaimable(rules, lambda r: moment + timedelta(days=r.warn_days))
    query = (
        Customer.select(
            Customer.id,
            Customer.name,
            Customer.tier,
            Territory.name,
            Customer.territory,
            Customer.last_followup_at,
            _owned_since(),
            rule,
        )
        .join(Territory, on=(Customer.territory == Territory.id))
        .where(where & (Customer.owner == user_id))
        .tuples()
    )
    by_name = {(r.territory_id, name): r for r in rules for name in (r.followup_rule(), r.deal_rule())}
    found = []
    for cid, name, tier, territory, territory_id, last, since, fired in query:
        policy = by_name[(territory_id, fired)]
        if fired == policy.followup_rule():
            due = max(last or since, since) + timedelta(days=policy.no_followup_days)
        else:
            due = since + timedelta(days=policy.no_deal_days)
        found.append((cid, name, tier, territory, due, max(0, (due - moment).days), fired))
    return found
