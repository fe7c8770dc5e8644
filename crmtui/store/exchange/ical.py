"""Due follow-ups as iCalendar (RFC 5545), for calendar apps: one event per exported row that has a follow-up time
(a customer's next follow-up, or a follow-up's next date, else its own time)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TextIO

from crmtui.store.exchange.vcard import escape, fold
from crmtui.store.kernel.errors import BadInput

WHEN_COLUMNS = ("next_followup_at", "next_at", "at")  # the first one a row has is the event's time
EVENT_MINUTES = 30


def _stamp(value: str) -> str:
    """`2024-03-01T02:00:00Z` (the export's UTC form) as `20240301T020000Z`."""
    return value.replace("-", "").replace(":", "")


def write_ics(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO, entity: str = "followup") -> int:
    if not any(c in columns for c in WHEN_COLUMNS):
        raise BadInput(f"iCalendar needs a follow-up time: add one of {', '.join(WHEN_COLUMNS)} to --columns.")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//crmtui//crm export//EN", "CALSCALE:GREGORIAN"]
    count = 0
    for row in rows:
        values = dict(zip(columns, row))
        when = next((values[c] for c in WHEN_COLUMNS if values.get(c)), None)
        if when is None:
            continue
        start = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ")
        who = values.get("name") or values.get("customer") or ""
        details = [f"{k}: {values[k]}" for k in ("phone", "type", "note", "owner", "user") if values.get(k)]
        lines += [
            "BEGIN:VEVENT",
            f"UID:crm-{entity}-{values.get('id', count)}@crmtui",
            f"DTSTAMP:{_stamp(when)}",
            f"DTSTART:{_stamp(when)}",
            f"DTEND:{(start + timedelta(minutes=EVENT_MINUTES)).strftime('%Y%m%dT%H%M%SZ')}",
            f"SUMMARY:{escape('Follow up: ' + str(who))}",
        ]
        if details:
            lines.append(f"DESCRIPTION:{escape(chr(10).join(details))}")
        lines.append("END:VEVENT")
        count += 1
    lines.append("END:VCALENDAR")
    out.write("".join(fold(line) + "\r\n" for line in lines))
    return count
