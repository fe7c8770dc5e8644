"""The import pipeline, the same for every entity: read the file, match its columns to fields, read and check
every row, resolve references, find duplicates (in the file and in the database), then — only when every row is
good, or --skip-invalid — write in one transaction. An entity (entities.py) supplies its fields and its hooks."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any

from peewee import Expression

from crmtui.store.exchange.imports.reading import read_table
from crmtui.store.kernel import audit, normalize
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.bulk import KeyTable
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Invalid
from crmtui.store.kernel.settings import currency
from crmtui.store.kernel.values import money

Parser = Callable[[str], Any]  # a cell's stripped, non-empty text -> the value to store (or Invalid)
DUPLICATE_CHOICES = ("skip", "update", "error")
PROGRESS_EVERY = 20_000
ERROR_COLUMN = "import_error"  # the reason column of --errors files: ignored on import, so a fixed file re-imports


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    required: bool = False
    ref: str | None = None  # the kind of thing the cell names: a key of Context.lookups
    aliases: tuple[str, ...] = ()
    scope: str | None = None  # the field whose value (an id) the reference is looked up within: a deal's pipeline


@dataclass(frozen=True)
class Key:
    """What makes two rows the same thing: a key computed from a row and the SQL expression giving it in the
    table (an empty key never matches)."""

    label: str
    of: Callable[[dict], str | None]
    expression: Callable[[], Expression]


@dataclass
class Options:
    fmt: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    maps: dict[str, str] = field(default_factory=dict)  # source column -> field ("" ignores the column)
    defaults: dict[str, str] = field(default_factory=dict)  # field -> text used where the cell is empty
    replace: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {as written: read as}
    on_duplicate: str = "skip"
    skip_invalid: bool = False
    dry_run: bool = False


@dataclass
class Problem:
    line: int
    reason: str
    cells: list[str] = field(default_factory=list)  # the record as written (filled in once, at the end)


@dataclass
class Report:
    entity: str
    header: list[str] = field(default_factory=list)
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # skipped because they exist (or repeat a row of the file)
    invalid: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tally: Counter = field(default_factory=Counter)  # what was read other than as written, and how often
    dry_run: bool = False
    written: bool = False
    unit: str = "line"  # what a Problem's number counts: CSV and JSON-lines lines, or a JSON array's records


class ImportRejected(BadInput):
    """Bad rows and no --skip-invalid: nothing was written; the report lists why."""

    def __init__(self, report: Report):
        self.report = report
        first = report.invalid[0]
        more = f" (and {len(report.invalid) - 1} more)" if len(report.invalid) > 1 else ""
        super().__init__(
            f"Nothing was imported: {report.unit} {first.line} {first.reason}{more}; fix the file, or import the good rows "
            "with --skip-invalid."
        )


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Any]
    id: int | None = None  # the existing row it updates


@dataclass
class Context:
    actor: Actor
    options: Options
    report: Report
    keys: KeyTable
    now: datetime
    provided: set[str]  # the fields the file (or a --default) supplies
    lookups: dict[str, Any] = field(default_factory=dict)

    def reject(self, row: Row, reason: str) -> None:
        self.report.invalid.append(Problem(row.line, reason))


def fold_column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def match_columns(header: list[str], entity, options: Options, report: Report) -> list[tuple[int | None, Field]]:
    """(cell index, field) for every field the file or a --default supplies; an unknown column is an error."""
    by_name = {fold_column(n): f for f in entity.fields for n in (f.name, *f.aliases)}
    maps = {fold_column(k): v.strip() for k, v in options.maps.items()}
    for target in maps.values():
        if target and fold_column(target) not in by_name:
            raise BadInput(f"--map names no field {target!r} of {entity.name}: the fields are {_field_list(entity)}.")
    unknown = [n for n in maps if n not in {fold_column(h) for h in header}]
    if unknown:
        raise BadInput(f"--map names no column {', '.join(unknown)} of the file: its columns are {', '.join(header)}.")
    matched: dict[str, int] = {}
    ignored, bad = [], []
    for index, name in enumerate(header):
        folded = fold_column(name)
        target = maps.get(folded, folded)
        if target == "" or (target not in by_name and target in (*entity.ignored, ERROR_COLUMN)):
            ignored.append(name)
        elif fold_column(target) in by_name:
            chosen = by_name[fold_column(target)].name
            if chosen in matched:
                raise BadInput(f"Two columns of the file give {chosen}: {header[matched[chosen]]!r} and {name!r}.")
            matched[chosen] = index
        else:
            bad.append(name)
    if bad:
        raise BadInput(
            f"Unknown column {', '.join(map(repr, bad))} for {entity.name}: the fields are {_field_list(entity)} "
            "(rename with --map COLUMN=FIELD, or skip with --map COLUMN=)."
        )
    for name in options.defaults:
        if fold_column(name) not in by_name:
            raise BadInput(f"--default names no field {name!r} of {entity.name}: the fields are {_field_list(entity)}.")
    if ignored:
        report.notes.append(f"Ignored column(s): {', '.join(ignored)}.")
    defaults = {by_name[fold_column(k)].name for k in options.defaults}
    columns = [(matched.get(f.name), f) for f in entity.fields if f.name in matched or f.name in defaults]
    missing = [f.name for f in entity.fields if f.required and f.name not in matched and f.name not in defaults]
    missing = [m for m in missing if not entity.derivable(m, {f.name for _, f in columns})]
    if missing:
        raise BadInput(f"The file has no {', '.join(missing)} column, which {entity.name} need (or use --map).")
    return columns


def _field_list(entity) -> str:
    return ", ".join(f.name + ("*" if f.required else "") for f in entity.fields)


class _Parsed(dict):
    """text -> parse(text), or the Invalid it raised: each distinct text of a column is read once (tiers,
    territories, owners and tags repeat), and the empty text is absent (None)."""

    def __init__(self, parse: Parser):
        super().__init__({"": None})
        self.parse = parse

    def __missing__(self, text: str) -> Any:
        try:
            value = self.parse(text)
        except Invalid as exc:
            value = exc.with_traceback(None)  # kept: without its traceback it holds no frame (and no cycle)
        self[text] = value
        return value


class ColumnReader:
    """Reads records a batch at a time, column by column: each column is stripped, rewritten (--replace,
    --default) and parsed as a whole, so the per-cell work is a C-level map, not a Python call per cell and
    field. TALLY counts the --default and --replace rewrites, for the report."""

    def __init__(self, columns: list[tuple[int | None, Field]], options: Options, tally: Counter, currency: str):
        self.plan = [
            (
                index,
                f,
                options.defaults.get(f.name) or _default_by_fold(options.defaults, f.name),
                options.replace.get(f.name),
            )
            for index, f in columns
        ]
        # An amount's currency marks are the database's: the money reader is bound to it once per import.
        self.parsers = {
            f.name: partial(f.parse, currency=currency) if f.parse is money else f.parse for _, f in columns
        }
        self.names = [f.name for _, f in columns]
        self.tally = tally

    def rows(self, records: list[tuple[int, list[str]]], invalid: list[Problem]) -> list[Row]:
        """The good records of the batch as Rows (a value per non-empty cell); the bad ones go to INVALID."""
        lines = [line for line, _ in records]
        cells = list(zip(*(record for _, record in records)))  # column by column
        problems: dict[int, list[str]] = {}
        columns = [
            self._column(cells[index] if index is not None else None, len(lines), f, default, replace, problems)
            for index, f, default, replace in self.plan
        ]
        rows = []
        for position, (line, values) in enumerate(zip(lines, zip(*columns))):
            if problems and position in problems:
                invalid.append(Problem(line, "; ".join(problems[position])))
            else:
                rows.append(Row(line, {name: v for name, v in zip(self.names, values) if v is not None}))
        return rows

    def _column(self, cells, count: int, f: Field, default: str | None, replace: dict | None, problems) -> list:
        """One column's values (None where empty); a cell's problems are added to PROBLEMS under its position."""
        texts = list(map(str.strip, cells)) if cells is not None else [""] * count
        if replace:
            rewritten = Counter(text for text in texts if text in replace)
            for text, times in rewritten.items():
                self.tally[f"{f.name} {text!r} read as {replace[text]!r}"] += times
            if rewritten:
                texts = [replace.get(text, text) for text in texts]
        if "" in texts:
            if default:
                where = "empty" if cells is not None else "not in the file"
                self.tally[f"{f.name} {where}, set to {default!r}"] += texts.count("")
                texts = [text or default for text in texts]
            elif f.required:
                for position in (i for i, text in enumerate(texts) if not text):
                    problems.setdefault(position, []).append(f"{f.name} is empty")
        if f.ref:
            return [text or None for text in texts]  # resolved in one pass per kind, after reading
        parsed = _Parsed(self.parsers[f.name])
        values = list(map(parsed.__getitem__, texts))
        bad = {text: value for text, value in parsed.items() if isinstance(value, Invalid)}
        if bad:
            for position in (i for i, text in enumerate(texts) if text in bad):
                problems.setdefault(position, []).append(f"{f.name} {texts[position]!r} {bad[texts[position]].reason}")
        return values


def _default_by_fold(defaults: dict[str, str], name: str) -> str | None:
    return next((v for k, v in defaults.items() if fold_column(k) == name), None)


def _batches(records: Iterator, size: int) -> Iterator[list]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """An import makes millions of lists, tuples and dicts, none in a reference cycle; CPython's cycle collector
    would walk them all again and again as they pile up (a large share of the reading time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run(actor: Actor, entity, data: bytes, source: str, options: Options, progress=None) -> Report:
    if options.on_duplicate not in DUPLICATE_CHOICES:
        raise BadInput(f"--on-duplicate takes {', '.join(DUPLICATE_CHOICES)}, not {options.on_duplicate!r}.")
    entity.permit(actor)
    report = Report(entity.name, dry_run=options.dry_run)
    table = read_table(data, source, options.fmt, options.delimiter, options.encoding)
    report.header, report.unit = table.header, "record" if table.format == "json" else "line"
    columns = match_columns(table.header, entity, options, report)
    tally: Counter[str] = Counter()
    reader = ColumnReader(columns, options, tally, currency())
    with _cycle_collector_paused(), db.atomic() as transaction, KeyTable() as keys:
        ctx = Context(actor, options, report, keys, now(), {f.name for _, f in columns})
        rows = []
        for batch in _batches(table.records, PROGRESS_EVERY):
            rows += reader.rows(batch, report.invalid)
            report.read += len(batch)
            if progress and len(batch) == PROGRESS_EVERY:
                progress(f"read {report.read} rows")
        rows = _resolve(ctx, entity, rows)
        entity.before_prepare(ctx, rows)
        rows = _prepared(ctx, entity, rows)
        new, existing = entity.within_limits(ctx, *_split_duplicates(ctx, entity, rows))
        _quote_bad_records(report, data, source, options)
        if report.invalid and not options.skip_invalid:
            raise ImportRejected(report)
        if progress:
            progress(f"writing {len(new)} new and checking {len(existing)} existing {entity.name}")
        report.inserted = len(new)
        entity.insert(ctx, new)
        entity.update(ctx, existing)
        if report.inserted or report.updated:
            audit.record(
                actor.login,
                entity.audit_name,
                None,
                "import",
                {
                    "file": [None, source],
                    "inserted": [None, report.inserted],
                    "updated": [None, report.updated],
                },
            )
        report.tally.update(tally)
        report.notes += [f"{what} ({count} rows)." for what, count in report.tally.items()]
        if options.dry_run:
            transaction.rollback()
        else:
            report.written = True
    return report


def _quote_bad_records(report: Report, data: bytes, source: str, options: Options) -> None:
    """The bad records as written, for the --errors file: read again from the file rather than kept for every
    row (at a million rows, holding every record twice costs a great deal of memory)."""
    report.invalid.sort(key=lambda p: p.line)
    if not report.invalid:
        return
    wanted = {p.line: p for p in report.invalid}
    for line, cells in read_table(data, source, options.fmt, options.delimiter, options.encoding).records:
        if line in wanted:
            wanted[line].cells = cells


def _resolve(ctx: Context, entity, rows: list[Row]) -> list[Row]:
    """Every reference cell to an id, with one lookup per kind (loaded once) and one answer per distinct name
    (and scope)."""
    kept = rows
    for f in entity.fields:
        if not f.ref or f.name not in ctx.provided:
            continue
        lookup = entity.lookup(ctx, f, kept)
        answers: dict[tuple, tuple[Any, str | None]] = {}
        good = []
        for row in kept:
            values = row.values
            text = values.get(f.name)
            if text is None:
                good.append(row)
                continue
            key = (values.get(f.scope) if f.scope else None, text)
            found = answers.get(key)
            if found is None:
                found = answers[key] = _answer(lookup(key[0]) if callable(lookup) else lookup, f, text)
            answer, loosely = found
            if isinstance(answer, Invalid):
                ctx.reject(row, f"{f.name} {text!r} {answer.reason}")
                continue
            values[f.name] = answer
            if loosely:
                ctx.report.tally[loosely] += 1
            good.append(row)
        kept = good
    return kept


def _answer(lookup, f: Field, text: str) -> tuple[Any, str | None]:
    """(the id TEXT names, or Invalid; a note when it matched only loosely)."""
    try:
        found = lookup.find(text)
    except Invalid as exc:
        return exc, None
    if text.startswith("#") or normalize.exact(text) in lookup.exact:
        return found, None
    return found, f"{f.name} {text!r} read as {lookup.names[found]!r}"


def _prepared(ctx: Context, entity, rows: list[Row]) -> list[Row]:
    """The rows entity.prepare accepts (it derives what they need beyond their cells); the others rejected."""
    prepare, kept = entity.prepare, []
    for row in rows:
        try:
            prepare(ctx, row)
        except Invalid as exc:
            ctx.reject(row, exc.reason)
            continue
        kept.append(row)
    return kept


def _split_duplicates(ctx: Context, entity, rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """(new rows, rows matching an existing row); repeats within the file and matches are skipped, merged,
    or rejected as --on-duplicate says."""
    policy = ctx.options.on_duplicate
    keys = [[k.of(row.values) for row in rows] for k in entity.keys]  # per kind of key, each row's
    unique = rows
    if any(map(_repeats, keys)):
        unique = _first_of_each(ctx, entity, rows, keys)
        keys = [[k.of(row.values) for row in unique] for k in entity.keys]  # of the rows as merged
    scope = entity.scope()
    existing_rows = entity.model.select()
    if not (existing_rows.where(scope) if scope is not None else existing_rows).exists():
        return unique, []  # a first load into an empty table: nothing to look up
    matched: dict[int, int] = {}
    for k, column in zip(entity.keys, keys):
        pending = [(i, key) for i, key in enumerate(column) if key and i not in matched]
        found = ctx.keys.existing(entity.model, k.expression(), [key for _, key in pending], scope)
        matched.update((i, found[key]) for i, key in pending if key in found)
    new, existing = [], []
    for index, row in enumerate(unique):
        if index not in matched:
            new.append(row)
        elif policy == "error":
            ctx.reject(row, f"exists already as #{matched[index]}")
        elif policy == "update":
            row.id = matched[index]
            existing.append(row)
        else:
            ctx.report.duplicates += 1
    return new, entity.may_update(ctx, existing)


def _repeats(keys: list[str | None]) -> bool:
    """Whether a key occurs twice (empty keys never match): set-sized, so a file without repeats costs no loop."""
    present = [key for key in keys if key]
    return len(set(present)) < len(present)


def _first_of_each(ctx: Context, entity, rows: list[Row], keys: list[list[str | None]]) -> list[Row]:
    """The rows that repeat no earlier row of the file by any kind of key; a repeat is skipped, merged into the
    first, or rejected as --on-duplicate says."""
    policy = ctx.options.on_duplicate
    seen: list[dict[str, Row]] = [{} for _ in entity.keys]  # per kind of key: key -> the first row with it
    unique: list[Row] = []
    for row, row_keys in zip(rows, zip(*keys)):
        same = next(((i, kind[key]) for i, (kind, key) in enumerate(zip(seen, row_keys)) if key and key in kind), None)
        if same is None:
            for kind, key in zip(seen, row_keys):
                if key:
                    kind[key] = row
            unique.append(row)
            continue
        label, earlier = entity.keys[same[0]].label, same[1]
        if policy == "error":
            ctx.reject(row, f"repeats line {earlier.line} (same {label})")
        elif policy == "update":
            earlier.values.update(row.values)
            ctx.report.duplicates += 1
        else:
            ctx.report.duplicates += 1
    return unique
