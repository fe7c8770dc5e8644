"""Return visits (回访): after a sale, someone calls or visits the customer and records a satisfaction score 1-5.

Visible like follow-ups: on customers the actor sees, and those made by the actor's team. `visit_stats` gives the
count, average and spread of scores for reports, computed in SQL with exact integer sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from peewee import JOIN, SQL, Expression, fn

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_or_team
from crmtui.store.kernel.clock import local_today, now, parse_date
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Customer, User, Visit
from crmtui.store.org.users import find_user

SCORES = (1, 2, 3, 4, 5)


@dataclass
class VisitFilter:
    customer: str | None = None  # id or name
    by: str | None = None  # 'me' or a login
    since: str | None = None  # dates as users type them, both inclusive
    until: str | None = None
    max_satisfaction: int | None = None  # only visits scored this or lower (find the unhappy ones)


@dataclass
class VisitRow:
    id: int
    on: date
    customer_id: int
    customer: str
    satisfaction: int
    by: str | None
    note: str
    created_at: datetime


@dataclass
class VisitStats:
    visits: int
    average: Decimal | None  # two decimals; None without visits
    by_score: dict[int, int] = field(default_factory=dict)  # {1: n, ..., 5: n}


def check_satisfaction(value) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) not in SCORES:
        raise BadInput(f"Satisfaction {value!r} is not a score from 1 to 5.")
    return int(text)


def add_visit(actor: Actor, customer_ref: str | int, satisfaction, note: str = "", on: str | None = None) -> int:
    """Record a return visit on a customer the actor may change, made by the actor on ON (default today, never in
    the future) with a SATISFACTION from 1 to 5. Returns the visit's id."""
    if actor.id is None:
        raise BadInput("Return visits are recorded by a user: say who is acting with --user.")
    score = check_satisfaction(satisfaction)
    day = values.optional_day(on) or local_today()
    if day > local_today():
        raise BadInput("A return visit cannot be recorded in the future.")
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        row = {"customer": customer.id, "on": day, "satisfaction": score, "note": values.note(note), "by": actor.id}
        visit_id = Visit.insert(created_at=now(), **row).execute()
        audit.created(actor.login, "visit", visit_id, row)
    return visit_id


def _where(actor: Actor, flt: VisitFilter) -> Expression:
    """Visits of live customers the actor sees or made by the actor's team, narrowed by FLT. Needs Customer joined."""
    where = Customer.deleted_at.is_null()
    if not actor.is_admin:
        where &= customer_or_team(actor, Visit.by)
    if flt.customer:
        where &= Visit.customer == find_customer(actor, flt.customer).id
    if flt.by:
        where &= Visit.by == (actor.id if flt.by == "me" else find_user(flt.by).id)
    if flt.since:
        where &= Visit.on >= parse_date(flt.since)
    if flt.until:
        where &= Visit.on <= parse_date(flt.until)
    if flt.max_satisfaction is not None:
        where &= Visit.satisfaction <= check_satisfaction(flt.max_satisfaction)
    return where


def list_visits(
    actor: Actor, flt: VisitFilter | None = None, limit: int | None = 50, offset: int = 0
) -> list[VisitRow]:
    """One page of return visits, newest first."""
    flt = flt or VisitFilter()
    values.page(limit, offset)
    query = (
        Visit.select(
            Visit.id, Visit.on, Customer.id, Customer.name, Visit.satisfaction, User.login, Visit.note, Visit.created_at
        )
        .join_from(Visit, Customer, JOIN.LEFT_OUTER, on=(Visit.customer == Customer.id))
        .join_from(Visit, User, JOIN.LEFT_OUTER, on=(Visit.by == User.id))
        .where(_where(actor, flt))
        .order_by(Visit.on.desc(), Visit.id.desc())
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    return [VisitRow(*row) for row in query]


def visit_stats(actor: Actor, flt: VisitFilter | None = None) -> VisitStats:
    """How many visits FLT selects, their average satisfaction (exact, rounded half up to 0.01) and the count of
    each score: one GROUP BY query."""
    query = (
        Visit.select(Visit.satisfaction, fn.COUNT(SQL("*")))
        .join_from(Visit, Customer, JOIN.LEFT_OUTER, on=(Visit.customer == Customer.id))
        .where(_where(actor, flt or VisitFilter()))
        .group_by(Visit.satisfaction)
        .tuples()
    )
    by_score = dict.fromkeys(SCORES, 0)
    for score, count in query:
        by_score[int(score)] = int(count)
    total = sum(by_score.values())
    points = sum(score * count for score, count in by_score.items())
    average = (Decimal(points) / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if total else None
    return VisitStats(total, average, by_score)
