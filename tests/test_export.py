"""`crm export`: formats, byte-exact CSV, --excel, vCard parsed back, scoping, streaming, and the round trip
export → empty database → import → export, on both backends."""

import csv
import io
import json

import pytest
from conftest import as_user

from crmtui.store.customers import search
from crmtui.store.exchange import export as export_module
from crmtui.store.exchange.export import export
from crmtui.store.exchange.imports import import_data
from crmtui.store.kernel import bulk
from crmtui.store.kernel.models import (
    Contact,
    Contract,
    Customer,
    CustomerTag,
    Deal,
    DealStageHistory,
    Followup,
    OwnershipEvent,
    Pipeline,
    Product,
    Stage,
)


@pytest.fixture
def book(team):
    """A few customers with everything that hangs off them."""
    east, south = team.east, team.south
    acme = Customer.create(
        name="Acme 科技",
        territory=east,
        owner=team.ids["wang"],
        tier="A",
        phone="13800138000",
        email="a@acme.cn",
        industry="tech",
        external_id="A-1",
    )
    search.save_keys([(acme.id, search.customer_key(acme.name, acme.phone, acme.email))])
    evil = Customer.create(name="=1+2", territory=east, address="Road 1,\nFloor -2", tier="B")
    Customer.create(name="South Ltd", territory=south, owner=team.ids["chen"])
    CustomerTag.create(customer=acme, tag="vip")
    CustomerTag.create(customer=acme, tag="重点")
    Contact.create(
        customer=acme,
        name="李雷",
        title="CTO",
        phone="13912345678",
        email="li@acme.cn",
        wechat="lilei",
        birthday="1990-05-01",
    )
    Contact.create(customer=evil, name="Semi; Colon, Jr", phone="021-555")
    Product.create(code="P1", name="Widget", unit_price="1200.50")
    pipeline = Pipeline.get()
    won = Stage.get(Stage.name == "Won")
    Deal.create(
        customer=acme,
        pipeline=pipeline,
        stage=won,
        title="Big one",
        amount="98000.10",
        owner=team.ids["wang"],
        external_id="D-1",
        created_at="2024-01-02 03:04:05",
        closed_at="2024-02-03 00:00:00",
    )
    Followup.create(customer=acme, user=team.ids["wang"], type="visit", at="2024-03-01 02:00:00", note="met\nCTO")
    Contract.create(
        number="HT-1",
        customer=acme,
        owner=team.ids["wang"],
        amount="5000",
        start_on="2024-01-01",
        end_on="2024-12-31",
        signed_on="2023-12-20",
    )
    return {"acme": acme.id, "evil": evil.id}


def test_plain_csv_is_byte_exact_and_excel_is_inert(book, cli):
    plain = cli("export", "customers", "--columns", "name,address,tier", "--tier", "B")
    assert plain.exit_code == 0
    assert plain.stdout == 'name,address,tier\n=1+2,"Road 1,\nFloor -2",B\n'
    excel = cli("export", "customers", "--columns", "name,address,tier", "--tier", "B", "--excel")
    assert excel.stdout == '\ufeffname,address,tier\n\'=1+2,"Road 1,\nFloor -2",B\n'
    for cell in ("-cmd", "+1", "@SUM(A1)", "\tx", "\rx", "\nx"):
        from crmtui.commands.output import inert

        assert inert(cell) == "'" + cell
    assert inert("-12.50") == "-12.50" and inert("a=b") == "a=b"


def test_formats_parse_back(book, cli, tmp_path):
    rows = json.loads(cli("export", "deals", "-f", "json").stdout)
    assert rows == [
        {
            "id": rows[0]["id"],
            "customer": "Acme 科技",
            "title": "Big one",
            "pipeline": "Default",
            "stage": "Won",
            "amount": "98000.10",
            "expected_close": None,
            "owner": "wang",
            "external_id": "D-1",
            "created_at": "2024-01-02T03:04:05Z",
            "stage_entered_at": rows[0]["stage_entered_at"],
            "closed_at": "2024-02-03T00:00:00Z",
            "lost_reason": None,
        }
    ]
    lines = cli("export", "contacts", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["李雷", "Semi; Colon, Jr"]
    tsv = cli("export", "products", "-f", "tsv", "-o", str(tmp_path / "p.tsv"))
    assert tsv.exit_code == 0 and "Exported 1 products" in tsv.stderr
    with open(tmp_path / "p.tsv", encoding="utf-8") as written:
        parsed = list(csv.DictReader(written, delimiter="\t"))
    assert parsed[0]["unit_price"] == "1200.50" and parsed[0]["active"] == "yes"
    customers = list(csv.DictReader(io.StringIO(cli("export", "customers").stdout)))
    assert customers[0]["tags"] in ("vip;重点", "重点;vip") and customers[0]["owner"] == "wang"


def test_vcard_parses_back_with_vobject(book, cli):
    import vobject

    text = cli("export", "contacts", "--format", "vcard").stdout
    cards = list(vobject.readComponents(text))
    assert [c.fn.value for c in cards] == ["李雷", "Semi; Colon, Jr"]
    first = cards[0]
    assert (first.tel.value, first.email.value, first.org.value, first.title.value) == (
        "13912345678",
        "li@acme.cn",
        ["Acme 科技"],
        "CTO",
    )
    assert first.bday.value == "1990-05-01"
    assert (cards[1].n.value.family, cards[1].n.value.given) == ("Jr", "Semi; Colon,")
    assert cli("export", "deals", "--format", "vcard").exit_code == 2


def test_export_is_scoped_and_filtered(book, team, cli):
    as_wang = list(csv.DictReader(io.StringIO(cli("export", "customers", user="wang").stdout)))
    assert sorted(r["name"] for r in as_wang) == ["=1+2", "Acme 科技"]  # his own and his territory's pool
    mine = cli("export", "customers", "--owner", "me", "--columns", "name", user="wang").stdout
    assert mine == "name\nAcme 科技\n"
    assert cli("export", "contacts", "--tag", "vip", "--columns", "name").stdout == "name\n李雷\n"
    assert (
        cli("export", "customers", "--tier", "A,B", "--columns", "name", "--text", "acme").stdout == "name\nAcme 科技\n"
    )
    assert cli("export", "contacts", user="chen").stdout.count("\n") == 1  # only the header
    assert cli("export", "audit", user="li.na").exit_code == 4
    refused = cli("export", "customers", "--columns", "name,shoe_size")
    assert refused.exit_code == 2 and "shoe_size" in refused.stderr and "tier" in refused.stderr
    assert cli("export", "spaceships").exit_code == 2
    assert "Won" in cli("export", "stage-history").stdout or DealStageHistory.select().count() == 0
    assert (
        cli("export", "deals", "--since", "2024-01-01", "--until", "2024-01-03", "-f", "jsonl").stdout.count("\n") == 1
    )
    assert cli("export", "deals", "--since", "2024-01-03", "-f", "jsonl").stdout == ""


def test_every_entity_exports(book, cli):
    OwnershipEvent.create(customer=book["acme"], to_user=as_user("wang").id, kind="claim")
    for entity in export_module.ENTITIES:
        result = cli("export", entity, "-f", "jsonl")
        assert result.exit_code == 0, (entity, result.stderr)


def test_export_streams(team, monkeypatch):
    import_data(
        as_user("root"), "customers", ("name,territory\n" + "".join(f"C{i},华东\n" for i in range(50))).encode()
    )
    monkeypatch.setattr(bulk, "PG_FETCH", 7)  # many round trips of the server-side cursor
    columns, rows = export(as_user("root"), "customers", ["name"])
    assert not isinstance(rows, (list, tuple))
    assert [r[0] for r in rows] == [f"C{i}" for i in range(50)]


ROUND_TRIP = ["products", "customers", "contacts", "deals", "followups", "contracts"]
RECOMPUTED = {"id", "owned_at", "pooled_at", "updated_at", "stage_entered_at", "last_followup_at"}


def _snapshot(actor):
    snapshot = {}
    for entity in ROUND_TRIP:
        columns, rows = export(actor, entity)
        snapshot[entity] = sorted(tuple((c, v) for c, v in zip(columns, row) if c not in RECOMPUTED) for row in rows)
    return snapshot


def test_round_trip_through_an_emptied_database(book, tmp_path):
    root = as_user("root")
    before = _snapshot(root)
    files = {}
    for entity in ROUND_TRIP:
        columns, rows = export(root, entity)
        out = io.StringIO()
        from crmtui.commands.output import emit

        emit(columns, rows, "csv", out=out, as_text=True)
        files[entity] = out.getvalue().encode()
    for model in (DealStageHistory, Deal, Followup, Contact, Contract, CustomerTag, OwnershipEvent, Customer, Product):
        model.delete().execute()
    for entity in ROUND_TRIP:
        report = import_data(root, entity, files[entity], f"{entity}.csv")
        assert report.invalid == [], (entity, report.invalid)
    assert _snapshot(root) == before


def test_due_follow_ups_as_icalendar_parse_back(book, cli):
    import vobject

    Customer.update(next_followup_at="2024-03-04 01:30:00").where(Customer.id == book["acme"]).execute()
    text = cli("export", "customers", "--owner", "me", "--format", "ics", user="wang").stdout
    calendar = vobject.readOne(text)
    events = calendar.vevent_list
    assert [e.summary.value for e in events] == ["Follow up: Acme 科技"]
    assert events[0].dtstart.value.isoformat() == "2024-03-04T01:30:00+00:00"
    assert "phone: 13800138000" in events[0].description.value
    followups = vobject.readOne(cli("export", "followups", "--format", "ics").stdout)
    assert followups.vevent.description.value == "type: visit\nnote: met\nCTO\nuser: wang"
    assert cli("export", "products", "--format", "ics").exit_code == 2


def test_real_crm_pipes_an_export_into_an_import(book, crm):
    exported = crm("export", "customers", "--columns", "name,tier,territory,owner")
    assert exported.exit_code == 0 and exported.stdout.startswith("name,tier,territory,owner\n")
    again = crm("import", "customers", "-", "--dry-run", input=exported.stdout)
    assert again.exit_code == 0, again.stderr
    assert "3 rows read, 0 new" in again.stderr and "3 duplicates skipped" in again.stderr


def test_every_importable_export_reads_back_with_its_own_columns(book, cli):
    """An export re-imports as it is: its columns the import cannot set (ids, times it sets itself) are ignored with
    a note, never refused as unknown."""
    from crmtui.store.exchange.imports.entities import ENTITIES as IMPORTABLE

    for entity in IMPORTABLE:
        exported = cli("export", entity)
        assert exported.exit_code == 0, (entity, exported.stderr)
        again = cli("import", entity, "-", "--dry-run", input=exported.stdout)
        assert again.exit_code == 0, (entity, again.stderr)
        rows = len(list(csv.reader(io.StringIO(exported.stdout)))) - 1
        assert rows > 0 and f"{rows} rows read, 0 new" in again.stderr, (entity, again.stderr)


def test_an_output_file_that_cannot_be_written_is_one_sentence_and_exit_2(book, crm, tmp_path):
    for target, reason in (
        (tmp_path / "missing" / "out.csv", "No such file or directory"),
        (tmp_path, "Is a directory"),
    ):
        result = crm("export", "customers", "-o", str(target))
        assert result.exit_code == 2
        assert result.stderr == f"crm: Cannot write {target}: {reason}.\n"
    assert not (tmp_path / "missing").exists() and not list(tmp_path.glob("*.csv"))
