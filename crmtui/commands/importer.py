"""`crm import ENTITY FILE|-`: rows from CSV, JSON or JSON lines, checked all together before anything is written."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit, say
from crmtui.store.exchange.imports import ImportRejected, Options, import_data
from crmtui.store.exchange.imports.engine import ERROR_COLUMN
from crmtui.store.kernel.errors import NotFound

SHOWN_PROBLEMS = 20

ENTITY_HELP = "users, territories, customers, contacts, products, deals, followups or contracts."


def _pairs(items: list[str] | None, option: str, separator: str = "=") -> dict[str, str]:
    pairs = {}
    for item in items or ():
        if separator not in item:
            raise typer.BadParameter(f"{item!r} is not of the form A{separator}B", param_hint=option)
        left, right = item.split(separator, 1)
        pairs[left.strip()] = right.strip()
    return pairs


def _replacements(items: list[str] | None) -> dict[str, dict[str, str]]:
    """--replace FIELD:AS_WRITTEN=READ_AS, grouped by field."""
    grouped: dict[str, dict[str, str]] = {}
    for key, value in _pairs(items, "--replace").items():
        if ":" not in key:
            raise typer.BadParameter(f"{key!r} needs the field first: FIELD:OLD=NEW", param_hint="--replace")
        field, old = key.split(":", 1)
        grouped.setdefault(field.strip(), {})[old.strip()] = value
    return grouped


def import_(
    entity: Annotated[str, typer.Argument(help=ENTITY_HELP, show_default=False)],
    file: Annotated[str, typer.Argument(help="A CSV, JSON or JSON lines file, or - for stdin.", show_default=False)],
    input_format: Annotated[
        Optional[str],
        typer.Option("--input-format", help="csv, json or jsonl (default: from the name or the content)."),
    ] = None,
    delimiter: Annotated[
        Optional[str],
        typer.Option("--delimiter", "-d", help="CSV delimiter (default: sniffed from the header; `tab` for TSV)."),
    ] = None,
    encoding: Annotated[
        Optional[str], typer.Option("--encoding", help="utf-8 (default, with or without BOM), gbk or gb18030.")
    ] = None,
    maps: Annotated[
        Optional[list[str]],
        typer.Option("--map", "-m", help="COLUMN=FIELD: read COLUMN as FIELD; COLUMN= skips it. Repeatable."),
    ] = None,
    defaults: Annotated[
        Optional[list[str]],
        typer.Option("--default", help="FIELD=VALUE where the cell is empty or the column missing. Repeatable."),
    ] = None,
    replace: Annotated[
        Optional[list[str]],
        typer.Option("--replace", help="FIELD:OLD=NEW: read the value OLD as NEW (fix a spelling). Repeatable."),
    ] = None,
    on_duplicate: Annotated[
        str,
        typer.Option(
            "--on-duplicate",
            help="skip, update or error, for rows that exist (same external id, name, phone or email) or repeat in the file.",
        ),
    ] = "skip",
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Import the good rows and skip the bad ones (default: all or nothing)."),
    ] = False,
    errors: Annotated[
        Optional[Path],
        typer.Option("--errors", help="Write the bad rows, with an import_error column, to this CSV file."),
    ] = None,
    dry_run: options.dry_run("Check everything and say what would happen; write nothing.") = False,
) -> None:
    """Import ENTITY rows from FILE. Columns are matched to fields by name (any case; --map renames), references
    (owner, manager, territory, customer, product, stage) by name. Every row is checked first: one bad row and
    nothing is written, unless --skip-invalid. Importing the same file again changes nothing.

    Example: crm import customers leads.csv --map 公司=name --default territory=华东 --errors bad.csv
    """
    options = Options(
        fmt=input_format,
        delimiter=delimiter,
        encoding=encoding,
        maps=_pairs(maps, "--map"),
        defaults=_pairs(defaults, "--default"),
        replace=_replacements(replace),
        on_duplicate=on_duplicate,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    data = sys.stdin.buffer.read() if file == "-" else _read(file)
    actor = context.actor()
    try:
        report = import_data(actor, entity, data, file, options, progress=lambda text: say(f"… {text}"))
    except ImportRejected as rejected:
        _tell(rejected.report, errors)
        raise
    _tell(report, errors)


def _read(file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"No file {file}.") from None
    except IsADirectoryError:
        raise NotFound(f"{file} is a directory, not a file.") from None


def _tell(report, errors: Path | None) -> None:
    """The outcome on stderr: counts, each bad line with its reason, and what the import noticed."""
    for problem in report.invalid[:SHOWN_PROBLEMS]:
        say(f"{report.unit} {problem.line}: {problem.reason}")
    if len(report.invalid) > SHOWN_PROBLEMS:
        say(
            f"… and {len(report.invalid) - SHOWN_PROBLEMS} more bad rows"
            + (f" (all in {errors})" if errors else " (--errors FILE lists them all)")
        )
    for note in report.notes:
        say(f"note: {note}")
    if errors is not None and report.invalid:
        with open(errors, "w", encoding="utf-8", newline="") as out:
            width = len(report.header)
            rows = ((p.cells + [""] * (width - len(p.cells)))[:width] + [p.reason] for p in report.invalid)
            emit(report.header + [ERROR_COLUMN], rows, "csv", out=out, as_text=True)
        say(f"Wrote {len(report.invalid)} bad rows to {errors}.")
    verb = "Would import" if report.dry_run or not report.written else "Imported"
    if not report.written and not report.dry_run:
        verb = "Checked"
    say(
        f"{verb} {report.entity}: {report.read} rows read, {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.duplicates} duplicates skipped, {len(report.invalid)} invalid"
        + (" (dry run: nothing was written)." if report.dry_run else ".")
    )
