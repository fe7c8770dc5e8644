"""Batch assignment (分配): a manager hands a territory's pool customers to reps.

The plan is made in Python from small facts (the reps' counts and the pool's ids); the writes are set-based
(batch.py), so 100,000 customers cost a few statements, all in one transaction."""

from __future__ import annotations

import random
from dataclasses import dataclass

from crmtui.store.customers import ownership
from crmtui.store.kernel import audit
from crmtui.store.kernel.access import Actor, may_give_to, require_manager
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Customer, PoolRules, User
from crmtui.store.kernel.values import choice, tiers
from crmtui.store.org.territories import check_territory_access, find_territory, rules_for
from crmtui.store.org.users import find_user
from crmtui.store.pool import batch

STRATEGIES = ("even", "round-robin", "weighted")


@dataclass
class AssignRow:
    rep: str
    active: bool
    cap: int
    owned_before: int
    given: int
    after: int


@dataclass
class AssignResult:
    territory: str
    strategy: str
    dry_run: bool
    given: int
    rows: list[AssignRow]


# --- planning (pure) ---------------------------------------------------------------------------------------


def even_quotas(bounds: list[int], total: int, rng: random.Random) -> list[int]:
    """TOTAL shared as evenly as the BOUNDS allow: no rep below its bound gets more than one more than another;
    who gets the odd ones out is random."""
    quotas = [0] * len(bounds)
    remaining = total
    open_ = [i for i, b in enumerate(bounds) if b > 0]
    while remaining and open_:
        share = remaining // len(open_)
        if share == 0:
            for i in rng.sample(open_, remaining):
                quotas[i] += 1
            break
        for i in open_:
            give = min(share, bounds[i] - quotas[i])
            quotas[i] += give
            remaining -= give
        open_ = [i for i in open_ if quotas[i] < bounds[i]]
    return quotas


def weighted_quotas(bounds: list[int], weights: list[int], total: int) -> list[int]:
    """TOTAL shared in proportion to WEIGHTS (remaining capacity), largest remainders first, within BOUNDS."""
    quotas = [0] * len(bounds)
    remaining = total
    open_ = [i for i, b in enumerate(bounds) if b > 0 and weights[i] > 0]
    while remaining and open_:
        weight = sum(weights[i] for i in open_)
        exact = {i: remaining * weights[i] / weight for i in open_}
        shares = {i: min(int(exact[i]), bounds[i] - quotas[i]) for i in open_}
        left = remaining - sum(shares.values())
        for i in sorted(open_, key=lambda i: (-(exact[i] - int(exact[i])), i)):
            if left and shares[i] < bounds[i] - quotas[i]:
                shares[i] += 1
                left -= 1
        for i, give in shares.items():
            quotas[i] += give
            remaining -= give
        open_ = [i for i in open_ if quotas[i] < bounds[i]]
    return quotas


def round_robin_turns(bounds: list[int], total: int, start: int) -> list[int]:
    """Whose turn each of TOTAL customers is: the reps in order from START, skipping those at their bound."""
    turns, quotas = [], [0] * len(bounds)
    i = start
    while len(turns) < total:
        i %= len(bounds)
        if quotas[i] < bounds[i]:
            quotas[i] += 1
            turns.append(i)
        i += 1
    return turns


# --- facts -------------------------------------------------------------------------------------------------


def _reps(actor: Actor, territory_id: int, territory: str, to: list[str] | None) -> list[User]:
    if not to:
        query = User.select().where(User.territory == territory_id, User.role == "rep", User.active)
        return list(query.order_by(User.id))
    reps = list(dict.fromkeys(find_user(ref) for ref in to))
    for rep in reps:
        if rep.territory_id != territory_id:
            raise BadInput(f"{rep.login} does not work in {territory}.")
        may_give_to(actor, rep)
    return sorted(reps, key=lambda r: r.id)


def _pool_ids(territory_id: int, tiers: list[str]) -> list[int]:
    query = Customer.select(Customer.id).where(
        Customer.owner.is_null(), Customer.territory == territory_id, Customer.deleted_at.is_null()
    )
    if tiers:
        query = query.where(Customer.tier.in_(tiers))
    return [i for (i,) in query.order_by(Customer.id).tuples()]


def _check(strategy: str, per_rep: int | None, limit: int | None, tier: str | None) -> tuple[str, list[str]]:
    """The strategy and the tiers asked for, once the options are known to fit together."""
    strategy = choice(strategy, STRATEGIES, "strategy")
    if per_rep is not None and limit is not None:
        raise BadInput("Use --per-rep or --limit, not both.")
    if (per_rep is not None and per_rep < 1) or (limit is not None and limit < 1):
        raise BadInput("--per-rep and --limit take a number, 1 or more.")
    return strategy, tiers(tier) if tier else []


# --- the command -------------------------------------------------------------------------------------------


def assign(
    actor: Actor,
    territory: str,
    to: list[str] | None = None,
    per_rep: int | None = None,
    limit: int | None = None,
    tier: str | None = None,
    strategy: str = "even",
    seed: int | None = None,
    dry_run: bool = False,
) -> AssignResult:
    """Give TERRITORY's pool customers [of TIER, e.g. "A,B"] to the reps TO (logins; default: its active reps):
    PER_REP each, or LIMIT in all, or as many as the pool and the caps allow. STRATEGY: even (random, as even as
    the caps allow), round-robin (from where the last run stopped) or weighted (by remaining capacity). Inactive
    reps and reps at their cap get nothing. DRY_RUN plans and writes nothing."""
    strategy, wanted = _check(strategy, per_rep, limit, tier)
    require_manager(actor, "assign customers")
    found = find_territory(territory)
    check_territory_access(actor, found, manage=True)
    rng = random.Random(seed)
    with db.atomic():
        reps = _reps(actor, found.id, found.name, to)
        ownership.hold_owners([r.id for r in reps])  # the reps' claims wait, so the caps counted here stay true
        rules = rules_for(found.id)
        owned = ownership.owned_counts([r.id for r in reps], rules)
        room = [max(0, rules.owned_cap - owned.get(r.id, 0)) if r.active else 0 for r in reps]
        bounds = [min(c, per_rep) if per_rep else c for c in room]
        pool = _pool_ids(found.id, wanted)
        total = min(len(pool), limit or len(pool), sum(bounds))
        if strategy == "round-robin":
            last = rules.round_robin_last_id
            start = next((i for i, r in enumerate(reps) if r.id > last), 0) if last else 0
            turns = round_robin_turns(bounds, total, start)
            chosen = pool[:total]  # oldest first
        else:
            quotas = even_quotas(bounds, total, rng) if strategy == "even" else weighted_quotas(bounds, room, total)
            turns = [i for i, q in enumerate(quotas) for _ in range(q)]
            chosen = rng.sample(pool, total)
        given = [0] * len(reps)
        for i in turns:
            given[i] += 1
        if not dry_run and total:
            with batch.batch_table():
                # In customer order: random order made each row of the UPDATE and the event insert touch another page.
                batch.fill_rows(sorted((cid, found.id, None, reps[i].id, None) for cid, i in zip(chosen, turns)))
                batch.apply(actor, "assign", now(), to_pool=False)
                moved = {to: n for *_, to, n in batch.counts_by_target()}
            given = [moved.get(r.id, 0) for r in reps]
            summary = {"given": {r.login: g for r, g in zip(reps, given) if g}, "strategy": strategy}
            if strategy == "round-robin":
                PoolRules.update(round_robin_last=reps[turns[-1]].id).where(PoolRules.id == rules.id).execute()
                summary["round_robin_last"] = reps[turns[-1]].login
            audit.record(actor.login, "territory", found.id, "assign", summary)
    rows = [
        AssignRow(r.login, r.active, rules.owned_cap, owned.get(r.id, 0), g, owned.get(r.id, 0) + g)
        for r, g in zip(reps, given)
    ]
    return AssignResult(found.name, strategy, dry_run, sum(given), rows)
