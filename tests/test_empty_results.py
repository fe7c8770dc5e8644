"""Nothing found: pipelines still get the CSV/TSV header (JSON `[]`, JSON lines nothing) and a person reads one line
on stderr while stdout stays empty; on a freshly initialised database, both backends, for every listing command."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

NAME = re.compile(r"[a-z][a-z0-9_]*")
NOTHING_TO_REPORT = "Nothing to report for this period and scope."


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...] = ()  # default: the case's id split into words
    empty: str | None = None  # no rows: the one line a table prints on stderr
    rows: str | None = None  # why a fresh database already has rows here
    document: str | None = None  # a rendered document (report, agenda): its own line for "nothing", on stdout


def _rows(reason: str) -> Case:
    return Case(rows=reason)


def _report(name: str) -> tuple[str, Case]:
    return f"report {name}", Case(document=NOTHING_TO_REPORT)


CASES: dict[str, Case] = {
    "user list": _rows("a fresh database has its first admin, root"),
    "territory list": Case(empty="No territories."),
    "settings show": _rows("every setting has a default (currency, repurchase_days, risk_days)"),
    "customer list": Case(empty="No customers."),
    "customer list --owner me --due overdue": Case(empty="No customers."),
    "customer search": Case(("customer", "search", "张伟"), empty="No customers."),
    "customer dupes": Case(empty="No likely duplicates."),
    "contact list": Case(empty="No contacts."),
    "followup list": Case(empty="No follow-ups."),
    "pool list": Case(empty="No customers in the pool."),
    "pool warn": Case(empty="Nothing is due to be reclaimed soon."),
    "reclaim": Case(empty="Reclaimed 0 customers."),  # the summary says it; no second line
    "agenda": Case(document="Nothing due: a clear day."),  # a day's sections: its heading says whose day and when
    "deal list": Case(empty="No deals."),
    "deal board": _rows("the board has a row per stage of the default pipeline, each with 0 deals"),
    "stage list": _rows("the default pipeline comes with its six stages"),
    "pipeline list": _rows("the default pipeline exists from the start"),
    "product list": Case(empty="No products."),
    "quote list": Case(empty="No quotes."),
    "contract list": Case(empty="No contracts."),
    "payment list": Case(empty="No payments."),
    "payment plan": Case(empty="No instalments."),
    "invoice list": Case(empty="No invoices."),
    "ticket list": Case(empty="No tickets."),
    "visit list": Case(empty="No return visits."),
    "report list": _rows("it lists the reports themselves"),
    "report funnel": _rows("the funnel has a row per stage of the default pipeline, with 0 deals"),
    "report stage-time": _rows("stage-time has a row per open stage of the default pipeline, with 0 stays"),
    **dict(
        _report(name)
        for name in ("win-rate", "leaderboard", "followups", "forecast", "receivables", "pool", "trend", "segments")
    ),
}


def listing_commands() -> set[str]:
    """Every `... list` subcommand of the root's commands, and every report: what must have a case above."""
    from crmtui.cli import COMMANDS, load_command
    from crmtui.store.insight.reports import REPORTS

    found: set[str] = set()

    def walk(command, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            if path[-1] == "list":
                found.add(" ".join(path))
            return
        for name, sub in subcommands.items():
            walk(sub, [*path, name])

    for name in COMMANDS:
        walk(load_command(name), [name])
    return found | {"report list"} | {f"report {name}" for name in REPORTS}


def test_every_listing_command_has_a_case():
    missing = listing_commands() - CASES.keys()
    assert not missing, f"add an empty-result case for: {sorted(missing)}"


@pytest.mark.parametrize("key", sorted(CASES))
def test_empty_result_keeps_the_header(cli, key):
    case = CASES[key]
    argv = case.argv or tuple(key.split())

    csv_run = cli("--format", "csv", *argv)
    assert csv_run.exit_code == 0, csv_run.stderr
    lines = csv_run.stdout.splitlines()
    assert lines, f"{key}: no header on stdout"
    header = lines[0].split(",")
    assert all(NAME.fullmatch(n) for n in header), lines[0]
    if case.rows:
        assert len(lines) > 1, f"{key}: expected rows ({case.rows})"
    else:
        assert lines == [lines[0]], f"{key}: data rows on an empty database"

    tsv_run = cli("--format", "tsv", *argv)
    assert tsv_run.exit_code == 0, tsv_run.stderr
    assert tsv_run.stdout.splitlines()[0].split("\t") == header

    json_run = cli("--format", "json", *argv)
    assert json_run.exit_code == 0, json_run.stderr
    document = json.loads(json_run.stdout)
    if key == "agenda":  # a record of sections: the empty ones are left out
        assert document["user"] == "root" and document["sections"] == {}
    elif case.rows:
        assert document and all(list(row) == header for row in document)
    else:
        assert document == []
        jsonl_run = cli("--format", "jsonl", *argv)
        assert (jsonl_run.exit_code, jsonl_run.stdout) == (0, "")

    table_run = cli("--format", "table", *argv)
    assert table_run.exit_code == 0, table_run.stderr
    if case.rows:
        assert table_run.stdout.strip(), f"{key}: rows expected in the table ({case.rows})"
    elif case.document:
        assert case.document in table_run.stdout and table_run.stderr == ""
    else:
        assert table_run.stdout == ""
        assert table_run.stderr.strip() == case.empty


def _export_entities() -> list[str]:
    from crmtui.store.exchange.export import ENTITIES

    return sorted(ENTITIES)


EXPORT_ROWS = {"users": "the first admin, root", "audit": "the creation of root"}  # on a fresh database


def test_a_real_pipe_gets_the_header_and_a_person_nothing_on_stdout(crm):
    """Piped, crm writes CSV by default: the header alone; the person at the terminal reads stderr."""
    piped = crm("customer", "list", "--owner", "me", "--due", "overdue")
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout.startswith("id,name,tier,owner,") and piped.stdout.count("\n") == 1
    assert piped.stderr == ""


@pytest.mark.parametrize("entity", _export_entities())
def test_an_empty_export_is_a_header_for_pipes_and_spreadsheets(cli, entity):
    plain = cli("export", entity)
    assert plain.exit_code == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert all(NAME.fullmatch(n) for n in lines[0].split(",")), lines[0]
    assert (len(lines) > 1) == (entity in EXPORT_ROWS), lines
    excel = cli("export", entity, "--excel")
    assert excel.exit_code == 0, excel.stderr
    assert excel.stdout.startswith("\ufeff" + lines[0] + "\n")
    if entity not in EXPORT_ROWS:
        assert excel.stdout == "\ufeff" + plain.stdout
        assert cli("export", entity, "--format", "json").stdout.strip() == "[]"
