"""Reading a user's file as a header and numbered records: CSV (any of , ; tab |, UTF-8 with or without BOM, or
GBK/GB18030 from Chinese Excel, CRLF, quoted newlines), a JSON array of objects, or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crmtui.store.kernel.errors import BadInput

ENCODINGS = ("utf-8", "gbk", "gb18030")
FORMATS = ("csv", "json", "jsonl")
DELIMITERS = (",", ";", "\t", "|")

csv.field_size_limit(10_000_000)


@dataclass
class Table:
    header: list[str]
    records: Iterator[tuple[int, list[str]]]  # (line where the record starts, cells aligned to the header)
    format: str


def read_table(
    data: bytes, name: str = "-", fmt: str | None = None, delimiter: str | None = None, encoding: str | None = None
) -> Table:
    text = _decode(data, encoding or "utf-8", name)
    chosen = fmt or _guess_format(name, text)
    if chosen not in FORMATS:
        raise BadInput(f"Unknown input format {chosen!r}: use one of {', '.join(FORMATS)}.")
    if chosen == "csv":
        return _csv(text, delimiter)
    return _json(text, lines=chosen == "jsonl", name=name)


def _decode(data: bytes, encoding: str, name: str) -> str:
    codec = encoding.lower().replace("_", "-")
    if codec in ("utf8", "utf-8-sig"):
        codec = "utf-8"
    if codec not in ENCODINGS:
        raise BadInput(f"Unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}.")
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        hint = " (a file from Chinese Excel? try --encoding gbk)" if codec == "utf-8" else ""
        raise BadInput(f"{name} is not {codec} text: byte {exc.start} cannot be read{hint}.") from None
    return text.removeprefix("\ufeff")


def _guess_format(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        return "json" if suffix == ".json" else "jsonl"
    start = text.lstrip()[:1]
    return "json" if start == "[" else "jsonl" if start == "{" else "csv"


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header line most (a header has no quoted delimiters worth counting)."""
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv(text: str, delimiter: str | None) -> Table:
    if delimiter is not None:
        delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
        if len(delimiter) != 1:
            raise BadInput(f"A delimiter is one character, not {delimiter!r}.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or _sniff_delimiter(text))
    header = next(reader, None)
    if not header:
        raise BadInput("The file is empty: it needs a header line naming the columns.")

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        width = len(header)
        for cells in reader:
            if any(cells):
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield start, cells
            start = reader.line_num + 1

    return Table(header, records(), "csv")


def _json(text: str, lines: bool, name: str) -> Table:
    try:
        if lines:
            objects = [
                (n, json.loads(line, parse_float=str)) for n, line in enumerate(text.splitlines(), 1) if line.strip()
            ]
        else:
            objects = list(enumerate(json.loads(text, parse_float=str), 1))  # a number's text, as a CSV cell holds it
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{name} is not valid JSON{' lines' if lines else ''}: {exc.msg} at line {exc.lineno}."
        ) from None
    except TypeError:
        raise BadInput(f"{name} must hold a JSON array of objects.") from None
    header: dict[str, None] = {}
    for number, obj in objects:
        if not isinstance(obj, dict):
            raise BadInput(f"Record {number} of {name} is not a JSON object.")
        header.update(dict.fromkeys(obj))
    names = list(header)
    return Table(names, ((n, [_cell(obj.get(k)) for k in names]) for n, obj in objects), "jsonl" if lines else "json")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return ";".join(map(str, value)) if isinstance(value, list) else json.dumps(value, ensure_ascii=False)
    return str(value)
