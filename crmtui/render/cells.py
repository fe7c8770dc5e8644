"""Values as people read them in a table: money with thousands separators, fractions as percentages, stored UTC
times in local time, nothing for None."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) time in local time."""
    return moment.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def show(value, percent: bool = False) -> str:
    if value is None:
        return ""
    if percent and isinstance(value, (Decimal, float, int)):
        return f"{Decimal(value) * 100:.1f}%"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        return f"{value:,}"
    if isinstance(value, datetime):
        return f"{local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
