"""Rendering rows for people (a Rich table) and for pipelines (CSV, TSV, JSON, JSON lines), streamed."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any, TextIO

from crmtui.store.exchange.csvtext import csv_text
from crmtui.store.exchange.ical import write_ics
from crmtui.store.exchange.vcard import write_vcards
from crmtui.store.kernel.clock import to_local

DELIMITERS = {"csv": ",", "tsv": "\t"}
CSV_BATCH = 2000  # rows per csv_text call: whole batches keep the writing in C


def cell(value: Any) -> Any:
    """A value as pipelines see it: local times without seconds noise, exact money as text, no None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_local(value).isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def readable(value: Any) -> str:
    """A value as people read it in a table: money and counts with thousands separators (pipelines get cell())."""
    if isinstance(value, Decimal):
        return f"{value:,}"
    if _is_number(value) and abs(value) >= 10_000:  # ids and small counts stay as typed
        return f"{value:,}"
    return str(cell(value))


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return cell(value)


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def emit(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    fmt: str,
    title: str | None = None,
    *,
    out: TextIO | None = None,
    excel: bool = False,
    as_text: bool = False,
) -> int:
    """Write rows in FMT to OUT (default stdout); returns how many were written. No rows: CSV/TSV still write the
    header, JSON `[]`, JSON lines and a table nothing (the caller tells people on stderr).

    AS_TEXT: the rows are already text (an export stream), so CSV passes them through untouched and fast.
    EXCEL: a UTF-8 BOM first and formula-like cells made inert (CSV/TSV), for spreadsheets rather than pipelines."""
    out = out or sys.stdout
    if fmt in ("csv", "tsv"):
        if excel:
            out.write("\ufeff")
        out.write(csv_text([columns], DELIMITERS[fmt]))
        if not as_text:
            rows = ([cell(v) for v in row] for row in rows)
        if excel:
            rows = ([inert(v) for v in row] for row in rows)
        rows = iter(rows)
        count = 0
        while batch := list(itertools.islice(rows, CSV_BATCH)):
            out.write(csv_text(batch, DELIMITERS[fmt]))
            count += len(batch)
    elif fmt in ("json", "jsonl"):
        count = _write_json(columns, rows, out, lines=fmt == "jsonl")
    elif fmt == "vcard":
        count = write_vcards(columns, rows, out)
    elif fmt == "ics":
        count = write_ics(columns, rows, out, title or "row")
    else:
        count = 0
        from rich.table import Table

        rows = iter(rows)
        first = next(rows, None)
        if first is None:  # nothing for people to read: stdout stays empty, the caller says so on stderr
            return 0
        table = Table(title=title, header_style="bold", show_edge=False, pad_edge=False)
        for index, name in enumerate(columns):
            numeric = _is_number(first[index])
            table.add_column(
                name.replace("_", " "), overflow="fold", justify="right" if numeric else "left", no_wrap=numeric
            )
        for row in chain([first], rows):
            table.add_row(*(readable(v) for v in row))
            count += 1
        console().print(table)
    out.flush()
    return count


def emit_text(columns: Sequence[str], chunks: Iterable[tuple[str, int]], fmt: str, out: TextIO) -> int:
    """CSV/TSV text the database wrote (store.export.export_csv's (text, rows) pieces) under its header row;
    returns how many rows were written."""
    out.write(csv_text([columns], DELIMITERS[fmt]))
    count = 0
    for text, rows in chunks:
        out.write(text)
        count += rows
    out.flush()
    return count


def _write_json(columns: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO, lines: bool) -> int:
    count = 0
    if not lines:
        out.write("[")
    for row in rows:
        text = json.dumps(dict(zip(columns, map(json_value, row))), ensure_ascii=False)
        out.write(text + "\n" if lines else ("," if count else "") + "\n  " + text)
        count += 1
    if not lines:
        out.write("\n]\n" if count else "]\n")
    return count


_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def inert(value: Any) -> Any:
    """A cell a spreadsheet will not run (OWASP CSV injection): text starting with = + - @ tab CR or LF gets a
    leading quote; plain numbers such as -12.50 are left alone, they cannot be formulas."""
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def emit_objects(
    objects: Iterable[Any],
    fmt: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    *,
    row_type: type | None = None,
    empty: str | None = "No rows.",
) -> int:
    """Emit dataclass instances or dicts; COLUMNS picks and orders the fields (default: all).

    With no rows at all, ROW_TYPE (the dataclass the rows would be) still names the fields: CSV/TSV write their
    header, JSON `[]`, JSON lines nothing; a table prints nothing on stdout and EMPTY ("No customers.") on stderr
    (None: the caller says it itself)."""
    iterator = iter(objects)
    first = next(iterator, None)
    if first is None:
        if fmt == "table":
            if empty:
                say(empty)
            return 0
        names = list(columns or (field_names(row_type) if row_type else []))
        return emit(names, [], fmt, title)
    if dataclasses.is_dataclass(first):  # attributes, so a column may also be a property (no deep copy per row)
        names = list(columns or field_names(type(first)))
        rows = ([getattr(obj, n, None) for n in names] for obj in chain([first], iterator))
    else:
        names = list(columns or first.keys())
        rows = ([obj.get(n) for n in names] for obj in chain([first], iterator))
    return emit(names, rows, fmt, title)


def field_names(row_type: type, leave_out: Sequence[str] = ()) -> list[str]:
    """The column names of a row dataclass, in order, without LEAVE_OUT."""
    return [f.name for f in dataclasses.fields(row_type) if f.name not in leave_out]


def emit_record(record: dict[str, Any], fmt: str, title: str | None = None) -> None:
    """One object: a field/value table for people, an object for scripts."""
    if fmt == "json":
        sys.stdout.write(json.dumps(json_value(record), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        sys.stdout.write(json.dumps(json_value(record), ensure_ascii=False) + "\n")
    elif fmt in ("csv", "tsv"):
        emit(list(record.keys()), [list(record.values())], fmt)
    else:
        from rich.table import Table

        table = Table(title=title, show_header=False, show_edge=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, value in record.items():
            table.add_row(key.replace("_", " "), readable(value))
        console().print(table)


def say(message: str) -> None:
    """Chatter for people, on stderr, so stdout stays data."""
    console(stderr=True).print(message, markup=False, soft_wrap=True)  # a long path stays one line
