"""CSV text that reads back: csv.writer's minimal quoting with "\\n" line ends, and a cell holding a carriage return
quoted as well. csv.writer quotes only the characters of its line terminator, so a bare CR went out unquoted and a
reader (Python's csv among them) takes it for the end of a line; PostgreSQL's COPY quotes it, and so do we."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

_ECHO = SimpleNamespace(write=lambda text: text)  # writerow returns what its file's write returns: the line itself


def line_writer(delimiter: str = ",") -> Callable[[Sequence[Any]], str]:
    """A function from one row to its CSV line."""
    plain = csv.writer(_ECHO, delimiter=delimiter, lineterminator="\n").writerow
    # A "\r\n" terminator makes csv.writer quote CR too; the line's own end goes back to "\n".
    careful = csv.writer(_ECHO, delimiter=delimiter, lineterminator="\r\n").writerow

    def line(row: Sequence[Any]) -> str:
        text = plain(row)
        return text if "\r" not in text else careful(row)[:-2] + "\n"

    return line


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",") -> str:
    """ROWS (a batch in memory) as CSV text, one line per row, written in C unless a cell holds a CR."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    return text if "\r" not in text else "".join(map(line_writer(delimiter), rows))
