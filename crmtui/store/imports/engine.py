"""The import pipeline, the same for every entity: read the file, match its columns to fields, read and check
every row, resolve references, find duplicates (in the file and in the database), then — only when every row is
good, or --skip-invalid — write in one transaction. An entity (entities.py) supplies its fields and its hooks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peewee import Expression

from .. import audit, normalize
from ..access import Actor
from ..clock import now
from ..db import db
from ..errors import BadInput
from .bulk import KeyTable
from .reading import read_table
from .values import Invalid, Parser

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


def _reader(columns: list[tuple[int | None, Field]], options: Options, tally: Counter):
    """A function reading one record's cells into (values, problems); built once so the per-row loop stays lean.
    TALLY counts the --default and --replace rewrites, for the report."""
    plan = [
        (index, f, options.defaults.get(f.name) or _default_by_fold(options.defaults, f.name), options.replace.get(f.name))
        for index, f in columns
    ]

    def read(cells: list[str]) -> tuple[dict[str, Any], list[str]]:
        values: dict[str, Any] = {}
        problems: list[str] = []
        for index, f, default, replace in plan:
            text = cells[index].strip() if index is not None else ""
            if replace and text in replace:
                tally[f"{f.name} {text!r} read as {replace[text]!r}"] += 1
                text = replace[text]
            if not text:
                if not default:
                    if f.required:
                        problems.append(f"{f.name} is empty")
                    continue
                tally[f"{f.name} {'empty' if index is not None else 'not in the file'}, set to {default!r}"] += 1
                text = default
            if f.ref:
                values[f.name] = text  # resolved in one pass per kind, after reading
                continue
            try:
                values[f.name] = f.parse(text)
            except Invalid as exc:
                problems.append(f"{f.name} {text!r} {exc}")
        return values, problems

    return read


def _default_by_fold(defaults: dict[str, str], name: str) -> str | None:
    return next((v for k, v in defaults.items() if fold_column(k) == name), None)


def run(actor: Actor, entity, data: bytes, source: str, options: Options, progress=None) -> Report:
    if options.on_duplicate not in DUPLICATE_CHOICES:
        raise BadInput(f"--on-duplicate takes {', '.join(DUPLICATE_CHOICES)}, not {options.on_duplicate!r}.")
    entity.permit(actor)
    report = Report(entity.name, dry_run=options.dry_run)
    table = read_table(data, source, options.fmt, options.delimiter, options.encoding)
    report.header, report.unit = table.header, "record" if table.format == "json" else "line"
    columns = match_columns(table.header, entity, options, report)
    tally: Counter[str] = Counter()
    read = _reader(columns, options, tally)
    with db.atomic() as transaction, KeyTable() as keys:
        ctx = Context(actor, options, report, keys, now(), {f.name for _, f in columns})
        rows = []
        for line, cells in table.records:
            values, problems = read(cells)
            report.read += 1
            if problems:
                report.invalid.append(Problem(line, "; ".join(problems)))
            else:
                rows.append(Row(line, values))
            if progress and report.read % PROGRESS_EVERY == 0:
                progress(f"read {report.read} rows")
        rows = _resolve(ctx, entity, rows)
        entity.before_prepare(ctx, rows)
        rows = [row for row in rows if _prepared(ctx, entity, row)]
        new, existing = _split_duplicates(ctx, entity, rows)
        _quote_bad_records(report, data, source, options)
        if report.invalid and not options.skip_invalid:
            raise ImportRejected(report)
        if progress:
            progress(f"writing {len(new)} new and checking {len(existing)} existing {entity.name}")
        report.inserted = len(new)
        entity.insert(ctx, new)
        entity.update(ctx, existing)
        if report.inserted or report.updated:
            audit.record(actor.login, entity.audit_name, None, "import", {
                "file": [None, source], "inserted": [None, report.inserted], "updated": [None, report.updated],
            })  # fmt: skip
        report.tally.update(tally)
        report.notes += [f"{what} ({count} rows)." for what, count in report.tally.items()]
        if options.dry_run:
            transaction.rollback()
        else:
            report.written = True
    return report


def _quote_bad_records(report: Report, data: bytes, source: str, options: Options) -> None:
    """The bad records as written, for the --errors file: read again from the file rather than kept for every
    row (at a million rows, holding every record twice costs hundreds of megabytes)."""
    report.invalid.sort(key=lambda p: p.line)
    if not report.invalid:
        return
    wanted = {p.line: p for p in report.invalid}
    for line, cells in read_table(data, source, options.fmt, options.delimiter, options.encoding).records:
        if line in wanted:
            wanted[line].cells = cells


def _resolve(ctx: Context, entity, rows: list[Row]) -> list[Row]:
    """Every reference cell to an id, with one lookup per kind (loaded once) and one answer per distinct name."""
    kept = rows
    for f in entity.fields:
        if not f.ref or f.name not in ctx.provided:
            continue
        lookup = entity.lookup(ctx, f, kept)
        answers: dict[Any, Any] = {}
        good = []
        for row in kept:
            text = row.values.get(f.name)
            if text is None:
                good.append(row)
                continue
            scope = entity.lookup_scope(f, row)
            key = (scope, text)
            if key not in answers:
                answers[key] = _answer(lookup(scope) if callable(lookup) else lookup, f, text)
            answer, loosely = answers[key]
            if isinstance(answer, Invalid):
                ctx.reject(row, f"{f.name} {text!r} {answer}")
            else:
                row.values[f.name] = answer
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


def _prepared(ctx: Context, entity, row: Row) -> bool:
    try:
        entity.prepare(ctx, row)
        return True
    except Invalid as exc:
        ctx.reject(row, str(exc))
        return False


def _split_duplicates(ctx: Context, entity, rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """(new rows, rows matching an existing row); repeats within the file and matches are skipped, merged,
    or rejected as --on-duplicate says."""
    policy = ctx.options.on_duplicate
    seen: list[dict[str, Row]] = [{} for _ in entity.keys]  # per kind of key: key -> the first row with it
    unique: list[Row] = []
    for row in rows:
        keys = [k.of(row.values) for k in entity.keys]
        same = next(((i, kind[key]) for i, (kind, key) in enumerate(zip(seen, keys)) if key and key in kind), None)
        if same is None:
            for kind, key in zip(seen, keys):
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
    matched: dict[int, int] = {}
    scope = entity.scope()
    existing_rows = entity.model.select()
    if not (existing_rows.where(scope) if scope is not None else existing_rows).exists():
        return unique, []  # a first load into an empty table: nothing to look up
    for k in entity.keys:
        pending = [(i, k.of(row.values)) for i, row in enumerate(unique) if i not in matched]
        found = ctx.keys.existing(entity.model, k.expression(), [key for _, key in pending if key], scope)
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
