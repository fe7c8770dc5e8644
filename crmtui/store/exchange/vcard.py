"""Contacts as vCard 3.0 (RFC 2426), for phones and address books: one card per exported contact row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from crmtui.store.kernel.errors import BadInput

# vCard property per export column; the card is built from whichever of these columns were exported.
_PROPERTIES = (
    ("title", "TITLE"),
    ("customer", "ORG"),
    ("phone", "TEL;TYPE=WORK,VOICE"),
    ("email", "EMAIL;TYPE=INTERNET"),
    ("birthday", "BDAY"),
    ("wechat", "X-WECHAT"),
)


def escape(value: Any) -> str:
    """VALUE as vCard and iCalendar text: backslash, newline, comma and semicolon escaped."""
    text = str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "").replace(",", "\\,").replace(";", "\\;")


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never splitting a character."""
    parts, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > 75:
            parts.append(current)
            current = " " + char
        else:
            current += char
    parts.append(current)
    return "\r\n".join(parts)


def write_vcards(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO) -> int:
    if "name" not in columns:
        raise BadInput("A vCard needs the name column: add `name` to --columns.")
    count = 0
    for row in rows:
        values = dict(zip(columns, row))
        name = str(values["name"])
        given, _, family = name.rpartition(" ")  # "Anna Snelling" → Snelling; Anna. 李雷 stays whole
        structured = f"{escape(family)};{escape(given)};;;" if given else f"{escape(name)};;;;"
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}", f"N:{structured}"]
        if values.get("id") is not None:
            lines.append(f"UID:crm-contact-{values['id']}")
        lines += [f"{prop}:{escape(values[col])}" for col, prop in _PROPERTIES if values.get(col) not in (None, "")]
        lines.append("END:VCARD")
        out.write("".join(fold(line) + "\r\n" for line in lines))
        count += 1
    return count
