"""What SQLite and PostgreSQL spell differently, each behind a named helper: row and advisory locks, date and time
arithmetic, values as text, aggregates. The rest of the store writes one query for both backends with these pieces;
a room that runs a different strategy per backend (search, the customer list's plan, reclaim's one-UPDATE move,
the demo's generator) asks is_postgres() and says why there. Raw-cursor bulk transfer is kernel/bulk.py.

SQLite never takes a row lock: every write transaction is BEGIN IMMEDIATE, one writer at a time, so what a
transaction read stays true until it commits. PostgreSQL runs writers side by side: a rule that counts before it
writes (a cap, a balance, a number series) locks what it counted first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from peewee import SQL, Cast, Expression, Model, PostgresqlDatabase, Select, Value, fn

from crmtui.store.kernel.db import db


def is_postgres() -> bool:
    return isinstance(db.obj, PostgresqlDatabase)


def name() -> str:
    return "postgresql" if is_postgres() else "sqlite"


# --- locks ------------------------------------------------------------------------------------------------------


def locked(query: Select, mode: str = "FOR UPDATE") -> Select:
    """QUERY holding the rows it reads until the transaction ends (PostgreSQL; SQLite's writer lock holds all)."""
    return query.for_update(mode) if is_postgres() else query


def lock_rows(model: type[Model], ids: list[int]) -> None:
    """Hold MODEL's rows IDS, in id order so two holders never wait on each other. NO KEY UPDATE: rows that merely
    reference them (a user's follow-ups and events) are not held up."""
    if is_postgres() and ids:
        model.select(model.id).where(model.id.in_(ids)).order_by(model.id).for_update("FOR NO KEY UPDATE").execute()


def skipping_locked(query: Select) -> Select:
    """QUERY passing over the rows another transaction holds instead of waiting for them (PostgreSQL)."""
    return query.for_update("FOR UPDATE SKIP LOCKED") if is_postgres() else query


def serialised(name: str) -> None:
    """Until the transaction ends, one transaction at a time runs past this point for NAME (PostgreSQL)."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


@contextmanager
def exclusive_run(name: str, busy: Exception) -> Iterator[None]:
    """One run at a time of NAME per database, or BUSY: an advisory lock on PostgreSQL (per schema, so teams on one
    server do not wait for each other), a lock file beside the SQLite file."""
    if is_postgres():
        key = f"hashtext(current_schema() || ':crm-{name}')"
        if not db.execute_sql(f"SELECT pg_try_advisory_lock({key})").fetchone()[0]:
            raise busy
        try:
            yield
        finally:
            db.execute_sql(f"SELECT pg_advisory_unlock({key})")
        return
    path = db.obj.database
    if path == ":memory:":
        yield
        return
    from filelock import FileLock, Timeout  # only the runs that need a lock file pay for it

    lock = FileLock(f"{path}.{name}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise busy from None
    try:
        yield
    finally:
        lock.release()


def generic_plans() -> None:
    """For the rest of the transaction, let PostgreSQL reuse a plan for a statement run many times: the connection
    plans each run afresh (db.py: right for searches), which makes per-row foreign-key checks of a bulk move slow."""
    if is_postgres():
        db.execute_sql("SET LOCAL plan_cache_mode = auto")


# --- dates and times --------------------------------------------------------------------------------------------


def _node(value):
    return Value(value) if isinstance(value, (date, datetime)) else value


def days_before(moment: datetime, days: Expression) -> Expression:
    """The UTC time DAYS (a column of whole days) before MOMENT, comparable with stored times."""
    if is_postgres():
        return Value(moment) - days * SQL("INTERVAL '1 day'")
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")  # the stored text form of a time
    return fn.datetime(stamp, Value("-").concat(days).concat(" days"))


def month_of(column, shift_seconds: int = 0) -> Expression:
    """'YYYY-MM' of COLUMN (a stored time or a date), SHIFT_SECONDS later (a UTC time seen in local time)."""
    if is_postgres():
        value = column + SQL(f"INTERVAL '{shift_seconds} seconds'") if shift_seconds else column
        return fn.to_char(value, SQL("'YYYY-MM'"))  # a literal: GROUP BY must see the same expression
    if shift_seconds:
        return fn.strftime("%Y-%m", column, f"{shift_seconds:+d} seconds")
    return fn.strftime("%Y-%m", column)


def month_day(column) -> Expression:
    """'MM-DD' of the date COLUMN (birthdays)."""
    return fn.to_char(column, "MM-DD") if is_postgres() else fn.strftime("%m-%d", column)


def days_between(later, earlier) -> Expression:
    """Days (fractional) from EARLIER to LATER: columns or datetime values."""
    later, earlier = _node(later), _node(earlier)
    if is_postgres():
        return fn.date_part("epoch", later - earlier) / 86400.0
    return fn.julianday(later) - fn.julianday(earlier)


def days_after(day: date, column) -> Expression:
    """Whole days from the date COLUMN to DAY (positive when COLUMN is earlier)."""
    if is_postgres():
        return Cast(Value(day), "date") - column
    return Cast(fn.julianday(Value(day)) - fn.julianday(column), "INTEGER")


def week_index(column, start: datetime) -> Expression:
    """The 0-based week of COLUMN counted from START."""
    if is_postgres():
        return Cast(fn.floor(fn.date_part("epoch", column - Value(start)) / 604800), "integer")
    return Cast((fn.julianday(column) - fn.julianday(Value(start))) / 7, "INTEGER")


def floor_of(value: Expression) -> Expression:
    """The whole part of a number that is 0 or more (SQLite's CAST truncates, which is the floor there)."""
    return fn.floor(value) if is_postgres() else Cast(value, "INTEGER")


# --- values as text, and aggregates -------------------------------------------------------------------------------


def cents_as_text(column) -> Expression:
    """Integer cents as an amount with two decimals: 123456 -> '1234.56'."""
    if is_postgres():
        return (column / SQL("100.0")).cast("numeric(20,2)").cast("text")
    return fn.printf("%.2f", column / SQL("100.0"))


def utc_text(column) -> Expression:
    """A stored UTC time as ISO-8601 with a Z, so pipelines and `crm import` read it unambiguously."""
    if is_postgres():
        return fn.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    # SQLite keeps `YYYY-MM-DD HH:MM:SS` text: two string operations are several times cheaper than strftime's
    # date parsing, and NULL stays NULL.
    return fn.replace(column, " ", "T").concat("Z")


def date_text(column) -> Expression:
    """A date as YYYY-MM-DD (SQLite stores dates so already)."""
    return fn.to_char(column, "YYYY-MM-DD") if is_postgres() else column


def joined(column, separator: str) -> Expression:
    """The aggregate of COLUMN's texts joined by SEPARATOR."""
    return fn.string_agg(column, separator) if is_postgres() else fn.group_concat(column, separator)
