"""Time: "now" (pinned by CRM_NOW), and the date words users type.

Times are stored as naive UTC datetimes truncated to the second; users type and read local time.
"""

from __future__ import annotations

import calendar
import os
import re
from datetime import UTC, date, datetime, time, timedelta

from crmtui.store.kernel.errors import BadInput, Invalid

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(r"^([+-])(\d+)([dwmy])$")


def _local_to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        dt = dt.astimezone()  # a naive value is local time
    return dt.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def to_local(dt: datetime | None) -> datetime | None:
    """A stored UTC time as local time (naive), for display."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def now() -> datetime:
    """The current UTC time, or the one CRM_NOW pins (an ISO date or datetime in local time)."""
    pinned = os.environ.get("CRM_NOW")
    if pinned:
        try:
            return _local_to_utc(datetime.fromisoformat(pinned))
        except ValueError:
            raise BadInput(f"CRM_NOW={pinned!r} is not an ISO date or datetime.") from None
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def local_today() -> date:
    return to_local(now()).date()


def day_start(day: date) -> datetime:
    """The UTC instant a local calendar day begins."""
    return _local_to_utc(datetime.combine(day, time.min))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _parse_local_date(text: str, today: date) -> date | None:
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word == "yesterday":
        return today - timedelta(days=1)
    if word == "eow":
        return today + timedelta(days=6 - today.weekday())
    if word == "eom":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    for index, name in enumerate(WEEKDAYS):
        if word in (name, name[:3]):
            return today + timedelta(days=(index - today.weekday() - 1) % 7 + 1)
    match = _RELATIVE.match(word)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        count, unit = int(match.group(2)) * sign, match.group(3)
        if unit == "d":
            return today + timedelta(days=count)
        if unit == "w":
            return today + timedelta(weeks=count)
        return add_months(today, count * (12 if unit == "y" else 1))
    return None


def parse_when(text: str) -> datetime:
    """A user's date or time as a stored UTC datetime: a date word (today, +3d, friday …), ISO text (a trailing Z
    or offset honoured, else local time; a bare date is its local midnight), or what python-dateutil reads."""
    try:
        return _local_to_utc(datetime.fromisoformat(text.strip()))  # the common case, read without dateutil
    except ValueError:
        pass
    local_now = to_local(now())
    day = _parse_local_date(text, local_now.date())
    if day is not None:
        return day_start(day)
    from dateutil import parser  # only paid for when a free-form date is typed

    try:
        return _local_to_utc(parser.parse(text, default=datetime.combine(local_now.date(), time.min)))
    except (ValueError, OverflowError):
        raise Invalid(
            f"Cannot read the date {text!r}: use an ISO date, today, tomorrow, +3d, -2w, +1m, a weekday, eow or eom.",
            "is not a date or time",
        ) from None


def parse_date(text: str) -> date:
    """A user's date as a local calendar date (for due dates, birthdays, contract terms)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return to_local(parse_when(text)).date()
    except Invalid as exc:
        raise Invalid(str(exc), "is not a date") from None
