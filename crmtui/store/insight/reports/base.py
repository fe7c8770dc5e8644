"""The shapes every report shares (ReportParams in, Report out) and the SQL pieces they are built from: the
period, the acting user's scope, months and day counts on both backends, exact money."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from peewee import JOIN, SQL, Case, Expression, Value

from crmtui.store.kernel import dialect
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import day_start, local_today, now, parse_date, to_local
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Territory, User, from_cents
from crmtui.store.kernel.values import CENT
from crmtui.store.org.territories import find_territory
from crmtui.store.org.users import seen_user


@dataclass
class ReportParams:
    """What the user asked for, as typed: dates are parsed with clock.parse_date (both ends inclusive)."""

    since: str | None = None
    until: str | None = None
    territory: str | None = None  # name or id
    rep: str | None = None  # login or id
    by: str | None = None  # rep | territory | month (what each report accepts is in its help)


@dataclass
class Report:
    """Rows for every format, and hints for the chart a person would rather look at.

    bar: the column drawn as horizontal bars beside the rows; spark: the column drawn as a sparkline under the
    table (a series in row order); row_series: per-row series (keyed by the value of row_series_key) drawn as a
    sparkline column named series_label; parts: further tables (e.g. the stuck deals of stage-time)."""

    name: str
    title: str
    columns: list[str]
    rows: list[tuple]
    totals: tuple | None = None
    bar: str | None = None
    spark: str | None = None
    row_series: dict[Any, list] | None = None
    row_series_key: str | None = None
    series_label: str | None = None
    parts: list[Report] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ratios: tuple[str, ...] = ()  # columns holding fractions (0.625), shown to people as percentages

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


# --- the period ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local calendar days SINCE..UNTIL (both inclusive; None: open) as UTC instants [start, end)."""

    since: date | None
    until: date | None

    @property
    def start(self) -> datetime | None:
        return None if self.since is None else day_start(self.since)

    @property
    def end(self) -> datetime | None:
        return None if self.until is None else day_start(self.until + timedelta(days=1))

    @property
    def days(self) -> int | None:
        return None if self.since is None or self.until is None else (self.until - self.since).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.since - timedelta(days=self.days), self.since - timedelta(days=1))

    def where(self, column) -> Expression:
        """COLUMN (a stored UTC datetime) inside the period."""
        condition = column.is_null(False)
        if self.start is not None:
            condition &= column >= self.start
        if self.end is not None:
            condition &= column < self.end
        return condition

    def where_date(self, column) -> Expression:
        """COLUMN (a local calendar date) inside the period."""
        condition = column.is_null(False)
        if self.since is not None:
            condition &= column >= self.since
        if self.until is not None:
            condition &= column <= self.until
        return condition

    def label(self) -> str:
        if self.since is None and self.until is None:
            return "all time"
        return f"{self.since or '…'} – {self.until or '…'}"


def period_of(params: ReportParams, default_days: int | None = None) -> Period:
    """The period PARAMS name. With DEFAULT_DAYS it is bounded: --until defaults to today and --since to
    DEFAULT_DAYS before it; without, a missing end is open."""
    since = parse_date(params.since) if params.since else None
    until = parse_date(params.until) if params.until else None
    if default_days is not None:  # a report over a bounded period (to compare, or to chart per week)
        until = until or local_today()
        since = since or until - timedelta(days=default_days - 1)
    if since and until and since > until:
        raise BadInput(f"--since {since} is after --until {until}.")
    return Period(since, until)


# --- who is counted ------------------------------------------------------------------------------------------


def people_filter(actor: Actor, params: ReportParams, user_column, by_index: bool = True) -> Expression:
    """The rows whose person (USER_COLUMN: the deal's owner, the follow-up's user ...) the actor may count: a rep
    their own, a manager their subtree, an admin everyone; narrowed by --rep and --territory (the person's).
    BY_INDEX=False keeps an index on USER_COLUMN out of it (`user_id + 0`): a period of follow-ups is read from the
    index led by the time (0006) instead of from (user, at) plus a table fetch per row (slow for a manager)."""
    if not by_index:
        user_column = user_column + 0
    condition = Value(1) == 1
    if not actor.is_admin:
        condition = user_column.in_(sorted(actor.team_ids))
    if params.rep:
        user = seen_user(actor, params.rep, "numbers")
        condition &= user_column == user.id
    if params.territory:
        territory = find_territory(params.territory)
        condition &= user_column.in_(User.select(User.id).where(User.territory == territory.id))
    return condition


PERSON = User.alias("person")
PERSON_TERRITORY = Territory.alias("person_territory")


def by_person(query, source, user_column, by: str):
    """QUERY (selecting from SOURCE) grouped by the person in USER_COLUMN; returns it and the group key: the
    person's id (by rep: no join, person_key() names them) or their territory's name (by territory)."""
    if by != "territory":
        return query, user_column
    query = query.join_from(source, PERSON, JOIN.LEFT_OUTER, on=(user_column == PERSON.id))
    query = query.join_from(PERSON, PERSON_TERRITORY, JOIN.LEFT_OUTER, on=(PERSON.territory == PERSON_TERRITORY.id))
    return query, PERSON_TERRITORY.name


_LOGINS: dict[int, str] = {}


def forget_logins() -> None:
    _LOGINS.clear()


def person_key(value) -> str:
    """A group key of by_person as people read it: a user id as their login, a territory name as it is."""
    if value is None:
        return "(nobody)"
    if isinstance(value, int):
        if value not in _LOGINS:
            _LOGINS.update(User.select(User.id, User.login).tuples())
        return _LOGINS.get(value, f"#{value}")
    return value


# --- months in local time ------------------------------------------------------------------


def _local_shift() -> int:
    """Seconds local time is ahead of UTC now: months and weeks are the users' calendar, not UTC's."""
    moment = now()
    return int((to_local(moment) - moment).total_seconds())


def month_of(column, is_date: bool = False):
    """'YYYY-MM' of COLUMN: a stored UTC datetime in local time, or a calendar date (IS_DATE)."""
    return dialect.month_of(column, 0 if is_date else _local_shift())


def when(condition, value, otherwise=0):
    """CASE WHEN CONDITION THEN VALUE ELSE OTHERWISE END (for SUM(when(...)) pivots)."""
    return Case(None, [(condition, value)], otherwise)


def group_columns(count: int) -> list:
    """GROUP BY 1, 2, …: the first COUNT selected columns (expressions with parameters are not the "same
    expression" to PostgreSQL when repeated in GROUP BY)."""
    return [SQL(str(n)) for n in range(1, count + 1)]


# --- numbers -------------------------------------------------------------------------------------------------

RATIO = Decimal("0.0001")
TENTH = Decimal("0.1")


def money(cents) -> Decimal:
    """An aggregate of cents (int, Decimal from PostgreSQL, or None) as exact money."""
    return from_cents(int(cents or 0))


def ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(RATIO, ROUND_HALF_UP)


def mean_money(cents, count: int) -> Decimal | None:
    return None if not count else (Decimal(int(cents or 0)) / 100 / count).quantize(CENT, ROUND_HALF_UP)


def tenths(value) -> Decimal | None:
    """A day count (float from AVG) to one decimal."""
    return None if value is None else Decimal(repr(float(value))).quantize(TENTH, ROUND_HALF_UP)
