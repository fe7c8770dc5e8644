"""The activity and customer-base reports: follow-ups, the pool's flows, customer segments."""

from __future__ import annotations

from datetime import timedelta

from peewee import Case, Value, fn

from crmtui.store.insight.reports.base import (
    PERSON,
    Report,
    ReportParams,
    by_person,
    group_columns,
    money,
    people_filter,
    period_of,
    person_key,
)
from crmtui.store.kernel.access import Actor, visible_customers
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.dialect import week_index
from crmtui.store.kernel.errors import BadInput, NotPermitted
from crmtui.store.kernel.models import Customer, Deal, Followup, OwnershipEvent, Stage, Territory
from crmtui.store.kernel.values import FOLLOWUP_TYPES, TIERS
from crmtui.store.org.territories import find_territory
from crmtui.store.org.users import seen_user

FOLLOWUP_WEEKS = 4  # the default period of the follow-up report
POOL_DAYS = 30  # the default period of the pool report's flows


# --- follow-ups --------------------------------------------------------------------------------------------


def followups(actor: Actor, params: ReportParams) -> Report:
    """Follow-ups per rep (or territory) and type in the period (default: the last 4 weeks), with a weekly
    sparkline per row."""
    by = params.by or "rep"
    period = period_of(params, FOLLOWUP_WEEKS * 7)
    scoped = Followup.select().where(
        people_filter(actor, params, Followup.user, by_index=False), period.where(Followup.at)
    )
    query, key = by_person(scoped, Followup, Followup.user, by)
    week = week_index(Followup.at, period.start)
    # One pass: counts per person, week and type (a few thousand groups), folded into the two views below.
    counted = query.select(key, week, Followup.type, fn.COUNT(Followup.id)).group_by(*group_columns(3)).tuples()
    weeks = (period.days + 6) // 7
    per_type: dict[str, dict[str, int]] = {}
    series: dict[str, list[int]] = {}
    for k, index, kind, count in counted:
        person = person_key(k)
        types = per_type.setdefault(person, dict.fromkeys(FOLLOWUP_TYPES, 0))
        types[kind] = types.get(kind, 0) + count
        series.setdefault(person, [0] * weeks)[int(index)] += count
    rows = [(person, sum(types.values()), *(types[t] for t in FOLLOWUP_TYPES)) for person, types in per_type.items()]
    rows.sort(key=lambda r: (-r[1], r[0]))
    totals = ("total", *(sum(r[i] for r in rows) for i in range(1, len(FOLLOWUP_TYPES) + 2)))
    return Report(
        "followups",
        f"Follow-ups by {by} and type",
        [by, "total", *FOLLOWUP_TYPES],
        rows,
        totals=totals,
        row_series=series,
        row_series_key=by,
        series_label="per week",
        bar=None,
        notes=[f"period: {period.label()}, weeks from {period.since}"],
    )


# --- the pool ----------------------------------------------------------------------------------------------


def _territories(actor: Actor, params: ReportParams) -> list[int] | None:
    """The territories the actor may report on (None: all), narrowed by --territory."""
    if params.rep:
        raise BadInput("The pool report is per territory: use --territory, not --rep.")
    allowed = None if actor.is_admin else sorted(actor.territory_ids)
    if params.territory:
        territory = find_territory(params.territory)
        if allowed is not None and territory.id not in allowed:
            raise NotPermitted(f"{actor.login} does not work in territory {territory.name}.")
        return [territory.id]
    return allowed


def pool(actor: Actor, params: ReportParams) -> Report:
    """Per territory: customers in the pool and owned now; claimed, assigned, released and reclaimed in the
    period (default: the last 30 days); the reclaims by the rule that fired."""
    period = period_of(params, POOL_DAYS)
    territories = _territories(actor, params)

    def only(column):
        return column.is_null(False) if territories is None else column.in_(territories)

    # Pooled and owned per territory: every customer from the (owner_id, territory_id) index, less the soft-deleted
    # ones through their partial index (0006); the customer table itself is not read. `territory_id + 0` keeps
    # SQLite off the territory index, which would fetch every customer row in that order (slow at 1M).
    territory = Customer.territory + 0

    def counts(deleted: bool):
        return (
            Customer.select(territory, Customer.owner.is_null(), fn.COUNT(1))
            .where(Customer.deleted_at.is_null(False) if deleted else Value(1) == 1, only(territory))
            .group_by(*group_columns(2))
            .tuples()
        )

    figures: dict[int, dict[str, int]] = {}
    for deleted, sign in ((False, 1), (True, -1)):
        for t, pooled, count in counts(deleted):
            entry = figures.setdefault(t, {"in_pool": 0, "owned": 0})
            entry["in_pool" if pooled else "owned"] += sign * count
    kinds = ("claim", "assign", "release", "reclaim")
    # The territory of an event is its rep's (claims and assignments: who got it; releases and reclaims: who
    # lost it): reps work in one territory, and the small user table spares a lookup per event in customers.
    rep = fn.COALESCE(OwnershipEvent.to_user, OwnershipEvent.from_user)
    events = (
        OwnershipEvent.select(PERSON.territory, OwnershipEvent.kind, OwnershipEvent.reason, fn.COUNT(OwnershipEvent.id))
        .join(PERSON, on=(rep == PERSON.id))
        .where(OwnershipEvent.kind.in_(kinds), period.where(OwnershipEvent.at), only(PERSON.territory))
        .group_by(PERSON.territory, OwnershipEvent.kind, OwnershipEvent.reason)
        .tuples()
    )
    names = dict(Territory.select(Territory.id, Territory.name).tuples())
    by_rule: dict[tuple[str, str], int] = {}
    for t, kind, reason, count in events:
        entry = figures.setdefault(t, {"in_pool": 0, "owned": 0})
        entry[kind] = entry.get(kind, 0) + count
        if kind == "reclaim":
            key = (names[t], reason or "(no rule recorded)")
            by_rule[key] = by_rule.get(key, 0) + count
    rows = sorted((names[t], f["in_pool"], f["owned"], *(f.get(k, 0) for k in kinds)) for t, f in figures.items())
    columns = ["territory", "in_pool", "owned", "claimed", "assigned", "released", "reclaimed"]
    totals = ("total", *(sum(r[i] for r in rows) for i in range(1, len(columns))))
    rules = Report(
        "pool-reclaims",
        "Reclaimed by rule",
        ["territory", "rule", "reclaimed"],
        sorted((t, rule, n) for (t, rule), n in by_rule.items()),
    )
    return Report(
        "pool",
        "The public pool per territory",
        columns,
        rows,
        totals=totals,
        bar="in_pool",
        parts=[rules],
        notes=[f"flows: {period.label()}"],
    )


# --- segments ----------------------------------------------------------------------------------------------

RECENCY_BANDS = ((30, "0-30d"), (90, "31-90d"), (180, "91-180d"))  # days since the last follow-up
OLDER, NEVER = "180d+", "never"
FREQUENCY_BANDS = ((1, "1"), (3, "2-3"))  # won deals; more is "4+"
MONETARY_BANDS = ((10_000_00, "<10k"), (100_000_00, "10k-100k"))  # won value in cents; more is "100k+"


def _band(column, bands, above: str, moment=None):
    """CASE WHEN COLUMN <= limit THEN name ... ELSE ABOVE END; with MOMENT (recency): COLUMN within that many
    days before it, and NEVER for no date."""
    if moment is None:
        return Case(None, [(column <= limit, name) for limit, name in bands], above)
    pairs = [(column >= moment - timedelta(days=days), name) for days, name in bands]
    return Case(None, [(column.is_null(), NEVER), *pairs], above)


def segments(actor: Actor, params: ReportParams) -> Report:
    """Customers by tier × recency (days since the last follow-up) × frequency (won deals) × monetary (won
    value) bands: how many, and their won value. Scoped to the customers the actor sees; --rep: their owner."""
    moment = now()
    scope = visible_customers(actor) & Customer.deleted_at.is_null()
    if params.rep:
        user = seen_user(actor, params.rep, "numbers")
        scope &= Customer.owner == user.id
    if params.territory:
        scope &= Customer.territory == find_territory(params.territory).id
    recency = _band(Customer.last_followup_at, RECENCY_BANDS, OLDER, moment)
    everyone = {
        (tier, band): count
        for tier, band, count in Customer.select(Customer.tier, recency, fn.COUNT(Customer.id))
        .where(scope)
        .group_by(*group_columns(2))
        .tuples()
    }
    bought = (
        Deal.select(Deal.customer, fn.COUNT(Deal.id).alias("deals"), fn.SUM(Deal.amount).coerce(False).alias("cents"))
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Stage.kind == "won", Deal.deleted_at.is_null())
        .group_by(Deal.customer)
    ).alias("bought")
    frequency = _band(bought.c.deals, FREQUENCY_BANDS, "4+")
    monetary = _band(bought.c.cents, [(limit - 1, name) for limit, name in MONETARY_BANDS], "100k+")
    buyers = (
        Customer.select(Customer.tier, recency, frequency, monetary, fn.COUNT(Customer.id), fn.SUM(bought.c.cents))
        .join(bought, on=(bought.c.customer_id == Customer.id))
        .where(scope)
        .group_by(*group_columns(4))
        .tuples()
    )
    rows, buying = [], {}
    for tier, band, freq, value_band, count, cents in buyers:
        rows.append((tier, band, freq, value_band, count, money(cents)))
        buying[(tier, band)] = buying.get((tier, band), 0) + count
    for (tier, band), count in everyone.items():
        if count - buying.get((tier, band), 0):
            rows.append((tier, band, "0", "0", count - buying.get((tier, band), 0), money(0)))
    order = {
        name: i
        for i, name in enumerate(
            [*(n for _, n in RECENCY_BANDS), OLDER, NEVER, "0", "1", "2-3", "4+", "<10k", "10k-100k", "100k+"]
        )
    }
    tiers = {t: i for i, t in enumerate(TIERS)}
    rows.sort(key=lambda r: (tiers.get(r[0], 9), order[r[1]], order[r[2]], order[r[3]]))
    totals = ("total", "", "", "", sum(r[4] for r in rows), sum((r[5] for r in rows), money(0)))
    return Report(
        "segments",
        "Customers by tier and recency / frequency / monetary band",
        ["tier", "recency", "frequency", "monetary", "customers", "won_value"],
        rows,
        totals=totals,
        bar="customers",
        notes=["recency: days since the last follow-up; frequency: won deals; monetary: won value"],
    )
