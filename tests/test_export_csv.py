"""The CSV text path of `crm export` (the database writes the CSV): byte for byte what csv_text (csv.writer, with
a bare CR quoted) writes of the same rows, for messy values, several entities and column choices, CSV and TSV,
filters and scoping, on both backends; and every messy value reads back as it went out."""

import csv
import io

import pytest
from conftest import as_user

from crmtui.store.exchange import export as export_module
from crmtui.store.exchange.csvtext import csv_text
from crmtui.store.exchange.export import ExportFilters, export, export_csv
from crmtui.store.kernel import bulk
from crmtui.store.kernel.models import Contact, Customer, Followup

MESSY = [
    'say "hi"',
    "a,b",
    "tab\there",
    "cr\rx",
    "lf\nx",
    "crlf\r\nx",
    "=1+2",
    "-3",
    "",
    None,
    "北京，上海 “引号”",
    "x" * 100_000,
    "unit\x1fsep",
    "record\x1esep",
    '"',
    ",",
    "\\.",
    " lead and trail ",
]


@pytest.fixture
def messy(team):
    """One customer per messy value (in the free-text columns), each with a contact and a follow-up note (the
    only text column here without a length limit on PostgreSQL)."""
    for index, value in enumerate(MESSY):
        short = value[:200] if value else value
        customer = Customer.create(
            name=f"C{index} {short or ''}",
            territory=team.east,
            owner=team.ids["wang"] if index % 2 else None,
            address=short,
            email=short,
            industry=short,
            tier="ABCDE"[index % 5],
        )
        Contact.create(customer=customer, name=f"K{index}", title=short, wechat=short)
        Followup.create(
            customer=customer, user=team.ids["wang"], type="call", at="2024-03-01 02:00:00", note=value or ""
        )


def _written(columns, rows, delimiter):
    return csv_text([columns, *rows], delimiter)


def _text(columns, chunks, delimiter):
    pieces = list(chunks)
    header = _written(columns, [], delimiter)
    return header + "".join(text for text, _ in pieces), sum(rows for _, rows in pieces)


CHOICES = [
    ("customers", None),
    ("customers", ["address"]),  # one column: a lone empty cell is `""`
    ("customers", ["email", "id", "address", "tier"]),
    ("contacts", None),
    ("contacts", ["title"]),
    ("followups", None),
    ("followups", ["note", "at"]),
]


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_database_text_equals_csv_writer(messy, monkeypatch, delimiter):
    monkeypatch.setattr(export_module, "SQLITE_FETCH", 3)  # batches that start and end on quoted rows
    monkeypatch.setattr(export_module, "COPY_CHUNK", 64)
    monkeypatch.setattr(bulk, "PG_FETCH", 4)
    root = as_user("root")
    for entity, columns in CHOICES:
        names, rows = export(root, entity, columns)
        expected = _written(names, list(rows), delimiter)
        text, count = _text(*export_csv(root, entity, columns, delimiter=delimiter), delimiter)
        assert text == expected, (entity, columns)
        assert count == len(MESSY)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_every_messy_value_reads_back(messy, crm, tmp_path, fmt):
    """A pipeline's csv reader gets each cell as it was stored: a bare CR inside a cell is quoted (csv.writer
    alone leaves it bare, and a reader then takes it for the end of a line)."""
    target = tmp_path / f"notes.{fmt}"
    assert crm("export", "followups", "-f", fmt, "--columns", "id,note", "-o", str(target)).exit_code == 0
    text = target.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ","))
    assert rows[0] == ["id", "note"]
    assert [note for _, note in rows[1:]] == [value or "" for value in MESSY]
    assert '"cr\rx"' in text and '"crlf\r\nx"' in text


def test_filters_and_scoping_still_apply(messy, cli):
    wang = as_user("wang")
    for filters in (ExportFilters(), ExportFilters(owner="me"), ExportFilters(tier="A,B"), ExportFilters(owner="pool")):
        names, rows = export(wang, "customers", ["name", "owner", "tier"], filters)
        text, _ = _text(*export_csv(wang, "customers", ["name", "owner", "tier"], filters), ",")
        assert text == _written(names, list(rows), ",")
    mine = cli("export", "customers", "--owner", "me", "--columns", "name,tier", user="wang")
    odd = list(range(1, len(MESSY), 2))  # wang owns the odd ones
    assert mine.exit_code == 0 and f"Exported {len(odd)} customers" in mine.stderr
    names = [name for name, _ in list(csv.reader(io.StringIO(mine.stdout, newline="")))[1:]]
    assert [int(name.split(" ")[0][1:]) for name in names] == odd
    assert cli("export", "customers", user="chen").stdout.count("\n") == 1  # 华南's rep sees none of 华东's


def test_cli_csv_and_tsv_match_the_python_writer(messy, cli, crm, tmp_path):
    from crmtui.commands.output import emit

    for fmt in ("csv", "tsv"):
        target = tmp_path / f"out.{fmt}"
        shown = crm("export", "followups", "-f", fmt, "--columns", "customer,note,user", "-o", str(target))
        out = io.StringIO(newline="")
        emit(*export(as_user("root"), "followups", ["customer", "note", "user"]), fmt, out=out, as_text=True)
        assert shown.exit_code == 0 and target.read_bytes().decode() == out.getvalue()
    excel = cli("export", "customers", "--columns", "address", "--excel").stdout  # --excel keeps the Python path
    assert excel.startswith("\ufeffaddress\n") and "'=1+2" in excel
