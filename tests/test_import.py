"""`crm import`: messy files, all or nothing, duplicates, idempotence, references and permissions, on both
backends, through the store and the CLI."""

import csv
import json

import pytest
from conftest import as_user, database_state

from crmtui.store.exchange.imports import ImportRejected, Options, engine, import_data
from crmtui.store.kernel.db import db
from crmtui.store.kernel.models import (
    AuditLog,
    Contact,
    Contract,
    Customer,
    CustomerSearchKey,
    CustomerTag,
    Deal,
    DealStageHistory,
    Followup,
    OwnershipEvent,
    Product,
    Stage,
    Territory,
    User,
)


def write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return str(path)


def names():
    return sorted(n for (n,) in Customer.select(Customer.name).where(Customer.deleted_at.is_null()).tuples())


def test_messy_csv_bom_crlf_semicolons_quoted_newlines(team, cli, tmp_path):
    text = (
        "\ufeffName;Phone;E-mail;Tier;Territory;Owner;Tags;Address\n"
        '北京华南科技有限公司;+86 138-0013-8000;Info@HN.cn;b;华东;wang;vip, 重点;"北京市\n朝阳区 1 号"\n'
        "Acme Ltd;021 6666 7777;;A;华南;;;\n"
    )
    path = write(tmp_path, "leads.csv", text, newline="\r\n")
    result = cli("import", "customers", path)
    assert result.exit_code == 0, result.stderr
    assert "2 new" in result.stderr and "… writing 2 new" in result.stderr  # progress, on stderr
    first = Customer.get(Customer.name == "北京华南科技有限公司")
    assert (first.phone, first.email, first.tier, first.owner_id) == (
        "+86 138-0013-8000",
        "info@hn.cn",
        "B",
        team.ids["wang"],
    )
    assert first.address == "北京市\r\n朝阳区 1 号"
    assert "bjhnkjyxgs" in CustomerSearchKey.get_by_id(first.id).search_text
    assert sorted(
        t for (t,) in CustomerTag.select(CustomerTag.tag).where(CustomerTag.customer == first.id).tuples()
    ) == ["vip", "重点"]
    second = Customer.get(Customer.name == "Acme Ltd")
    assert second.owner_id is None and second.territory_id == team.south and second.pooled_at is not None
    # one ownership event for the owned customer, one audit row summarising the batch
    events = list(OwnershipEvent.select().where(OwnershipEvent.kind == "import").tuples())
    assert len(events) == 1
    summary = AuditLog.get(AuditLog.action == "import")
    assert json.loads(summary.changes)["inserted"] == [None, 2]


def test_gbk_file_needs_its_encoding(team, cli, tmp_path):
    path = write(tmp_path, "excel.csv", "客户名称,电话,战区\n上海明远贸易有限公司,13912345678,华东\n", encoding="gbk")
    refused = cli("import", "customers", path)
    assert refused.exit_code == 2 and "--encoding gbk" in refused.stderr
    assert cli("import", "customers", path, "--encoding", "gbk").exit_code == 0
    assert names() == ["上海明远贸易有限公司"]


def test_one_bad_row_and_nothing_is_written(team, cli, tmp_path):
    text = (
        "name,email,created_at,territory,tier\n"
        "Good One,good@example.com,2024-01-05,华东,A\n"
        "Bad Date,,2024-13-45,华东,A\n"
        "Bad Mail,not-an-email,,华东,B\n"
        "Nowhere,,,火星,C\n"
        "Bad Tier,,,华东,Z\n"
    )
    path = write(tmp_path, "bad.csv", text)
    before = database_state()
    result = cli("import", "customers", path, "--errors", str(tmp_path / "errors.csv"))
    assert result.exit_code == 2
    assert database_state() == before
    for line, reason in [
        (3, "created_at '2024-13-45' is not a date"),
        (4, "email 'not-an-email' is not an e-mail"),
        (5, "territory '火星' names no territory"),
        (6, "tier 'Z' is not one of"),
    ]:
        assert f"line {line}: {reason}" in result.stderr
    with open(tmp_path / "errors.csv", newline="", encoding="utf-8") as f:
        bad = list(csv.DictReader(f))
    assert [r["name"] for r in bad] == ["Bad Date", "Bad Mail", "Nowhere", "Bad Tier"]
    assert "is not a date" in bad[0]["import_error"]
    # the errors file, fixed, imports as it is (its import_error column is ignored)
    fixed = (tmp_path / "errors.csv").read_text(encoding="utf-8")
    fixed = (
        fixed.replace("2024-13-45", "2024-12-05")
        .replace("not-an-email", "bad@mail.cn")
        .replace("火星", "华南")
        .replace(",Z,", ",C,")
    )
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    assert cli("import", "customers", str(tmp_path / "fixed.csv")).exit_code == 0
    assert names() == ["Bad Date", "Bad Mail", "Bad Tier", "Nowhere"]


def test_a_bad_row_lists_every_bad_cell_and_rewrites_are_counted(team):
    root = as_user("root")
    text = (
        "name,tier,phone,email,territory,tags\n"
        "Good,a,13800000001,,,vip；重点\n"  # territory from --default; tags split on a full-width semicolon
        ",Z,abc,x@,华东,\n"  # four bad cells
        "Also Good,gold,,,华东,\n"  # tier through --replace
    )
    options = dict(defaults={"territory": "华东"}, replace={"tier": {"gold": "A"}})
    with pytest.raises(ImportRejected) as rejected:
        import_data(root, "customers", text.encode(), options=Options(**options))
    (problem,) = rejected.value.report.invalid
    assert (problem.line, problem.reason) == (
        3,
        "name is empty; tier 'Z' is not one of A, B, C, D, E; phone 'abc' is not a phone number; "
        "email 'x@' is not an e-mail address",
    )
    report = import_data(root, "customers", text.encode(), options=Options(**options, skip_invalid=True))
    assert report.inserted == 2
    assert {"territory empty, set to '华东' (1 rows).", "tier 'gold' read as 'A' (1 rows)."} <= set(report.notes)
    good = Customer.get(Customer.name == "Good")
    assert (good.tier, good.territory_id) == ("A", team.east)
    assert sorted(t.tag for t in CustomerTag.select().where(CustomerTag.customer == good.id)) == ["vip", "重点"]


def test_rows_read_in_batches_keep_their_line_numbers(team, monkeypatch):
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 2)  # a batch of two records
    text = 'name,phone,territory\nA,13800000001,华东\nB,bad,华东\n\nC,138-0000-0001,华东\n"D\nE",,华东\nF,,火星\n'
    root, progress = as_user("root"), []
    with pytest.raises(ImportRejected) as rejected:
        import_data(root, "customers", text.encode(), options=Options(on_duplicate="error"), progress=progress.append)
    assert [(p.line, p.reason) for p in rejected.value.report.invalid] == [
        (3, "phone 'bad' is not a phone number"),
        (5, "repeats line 2 (same phone)"),
        (8, "territory '火星' names no territory"),
    ]
    assert progress[:2] == ["read 2 rows", "read 4 rows"]
    report = import_data(root, "customers", text.encode(), options=Options(skip_invalid=True))
    assert (report.read, report.inserted, report.duplicates) == (5, 2, 1)
    assert names() == ["A", "D\nE"]


def test_a_big_load_leaves_the_indexes_as_they_were(team):
    """A load that is most of the table rebuilds the table's indexes once after writing (SQLite): they come back
    the same, hold the new rows, and a dry run leaves them untouched."""

    def indexes():
        return sorted((i.name, i.sql) for i in db.get_indexes("customer"))

    before = indexes()
    rows = "name,territory,owner\n" + "".join(f"客户{i},华东,{'wang' if i % 2 else ''}\n" for i in range(50))
    import_data(as_user("root"), "customers", rows.encode(), options=Options(dry_run=True))
    assert indexes() == before and Customer.select().count() == 0
    import_data(as_user("root"), "customers", rows.encode())
    assert indexes() == before
    assert Customer.select().where(Customer.name == "客户7").count() == 1
    owned = Customer.select(Customer.id).where(Customer.owner == team.ids["wang"])
    events = OwnershipEvent.select().where(OwnershipEvent.kind == "import")
    assert sorted(e.customer_id for e in events) == sorted(c.id for c in owned) and len(owned) == 25


def test_skip_invalid_imports_the_good_rows(team, cli, tmp_path):
    path = write(tmp_path, "mixed.csv", "name,phone,territory\nFine,13800000001,华东\nBroken,abc,华东\n")
    result = cli("import", "customers", path, "--skip-invalid")
    assert result.exit_code == 0
    assert "line 3: phone 'abc' is not a phone number" in result.stderr
    assert names() == ["Fine"]


def test_reimport_changes_nothing_and_duplicates_in_the_file(team, cli, tmp_path):
    text = "name,phone,territory\n张三商贸,13800000001,华东\n张三商贸 ,,华东\nOther,13800000001,华东\nThird,,华东\n"
    path = write(tmp_path, "dupes.csv", text)
    first = cli("import", "customers", path)
    assert first.exit_code == 0 and "2 new" in first.stderr and "2 duplicates skipped" in first.stderr
    before = database_state()
    again = cli("import", "customers", path)
    assert again.exit_code == 0 and "0 new" in again.stderr
    assert database_state() == before
    refused = cli("import", "customers", path, "--on-duplicate", "error")
    assert refused.exit_code == 2 and "line 3: repeats line 2 (same name)" in refused.stderr
    assert database_state() == before


def test_on_duplicate_update_writes_only_changes_and_audits_them(team, cli, tmp_path):
    cli("import", "customers", write(tmp_path, "a.csv", "name,tier,territory,external_id\nAcme,C,华东,X1\n"))
    changed = write(tmp_path, "b.csv", "name,tier,territory,external_id,owner\nACME Corp,A,华东,X1,zhang\n")
    result = cli("import", "customers", changed, "--on-duplicate", "update")
    assert result.exit_code == 0 and "1 updated" in result.stderr
    acme = Customer.get(Customer.external_id == "X1")
    assert (acme.name, acme.tier, acme.owner_id) == ("ACME Corp", "A", team.ids["zhang"])
    assert CustomerSearchKey.get_by_id(acme.id).search_text == "acme corp"
    diff = json.loads(AuditLog.get(AuditLog.action == "import-update").changes)
    assert diff["tier"] == ["C", "A"]
    assert OwnershipEvent.get(OwnershipEvent.customer == acme.id).to_user_id == team.ids["zhang"]
    before = database_state()
    again = cli("import", "customers", changed, "--on-duplicate", "update")
    assert "1 unchanged" in again.stderr and database_state() == before


def test_unknown_column_lists_the_fields_and_map_fixes_it(team, cli, tmp_path):
    path = write(tmp_path, "other.csv", "Firma,Telefon,Notiz\nMüller GmbH,030 1234567,x\n")
    refused = cli("import", "customers", path, "--default", "territory=华东")
    assert refused.exit_code == 2
    assert "Unknown column 'Firma', 'Telefon', 'Notiz'" in refused.stderr and "name*, tier, phone" in refused.stderr
    result = cli(
        "import",
        "customers",
        path,
        "--map",
        "Firma=name",
        "--map",
        "Telefon=phone",
        "--map",
        "Notiz=",
        "--default",
        "territory=华东",
    )
    assert result.exit_code == 0, result.stderr
    assert Customer.get().phone == "030 1234567"


def test_dry_run_writes_nothing(team, cli, tmp_path):
    before = database_state()
    result = cli("import", "customers", write(tmp_path, "d.csv", "name,territory\nDry,华东\n"), "--dry-run")
    assert result.exit_code == 0 and "1 new" in result.stderr and "dry run" in result.stderr
    assert database_state() == before


def test_json_and_json_lines_and_stdin(team, cli, tmp_path):
    rows = [{"name": "J1", "territory": "华东", "tags": ["a", "b"]}, {"name": "J2", "territory": "华南", "tier": "B"}]
    assert cli("import", "customers", write(tmp_path, "c.json", json.dumps(rows, ensure_ascii=False))).exit_code == 0
    lines = "\n".join(json.dumps({"name": n, "territory": "华东"}) for n in ("L1", "L2"))
    assert cli("import", "customers", "-", input=lines).exit_code == 0
    assert names() == ["J1", "J2", "L1", "L2"]


def test_injection_cells_are_stored_as_written(team, cli, tmp_path):
    path = write(tmp_path, "evil.csv", 'name,address,territory\n"=HYPERLINK(""http://x"")",@SUM(1),华东\n')
    assert cli("import", "customers", path).exit_code == 0
    evil = Customer.get()
    assert (evil.name, evil.address) == ('=HYPERLINK("http://x")', "@SUM(1)")


def test_users_with_managers_further_down_and_territories(team, cli, tmp_path):
    assert cli("import", "territories", write(tmp_path, "t.csv", "name\n华北\n华东\n")).exit_code == 0
    assert Territory.select().count() == 3
    users = "display_name,role,territory,manager\nAnna Snelling,rep,华北,Boss Man\nBoss Man,manager,华北,\n"
    result = cli("import", "users", write(tmp_path, "u.csv", users))
    assert result.exit_code == 0, result.stderr
    anna = User.get(User.login == "anna.snelling")
    assert anna.manager.login == "boss.man" and anna.territory.name == "华北"
    assert team.ids["root"] and len(as_user("boss.man").team_ids) == 2


def test_a_users_manager_that_is_unknown_or_ambiguous_is_named_in_the_report(team, cli, tmp_path):
    twins = "login,display_name\nzhou.a,周杰\nzhou.b,周杰\n"
    assert cli("import", "users", write(tmp_path, "twins.csv", twins)).exit_code == 0
    before = database_state()
    result = cli("import", "users", write(tmp_path, "u.csv", "login,manager\nnew.rep,周杰\nother.rep,nobody\n"))
    assert result.exit_code == 2
    assert "line 2: manager '周杰' is ambiguous: several users match (#" in result.stderr
    assert "line 3: manager 'nobody' names no user" in result.stderr
    assert database_state() == before


def test_rep_imports_own_customers_but_not_users(team, cli, tmp_path):
    path = write(tmp_path, "mine.csv", "name\nMy Lead\n")
    assert cli("import", "customers", path, user="wang").exit_code == 0
    mine = Customer.get(Customer.name == "My Lead")
    assert (mine.owner_id, mine.territory_id) == (team.ids["wang"], team.east)
    refused = cli("import", "customers", write(tmp_path, "x.csv", "name,owner\nTheirs,chen\n"), user="wang")
    assert refused.exit_code == 2 and "outside wang's team" in refused.stderr
    assert cli("import", "users", write(tmp_path, "u.csv", "login\nmallory\n"), user="wang").exit_code == 4


def test_deals_with_history_consistent_with_their_dates(team, tmp_path):
    root = as_user("root")
    import_data(root, "customers", "name,territory\nAcme,华东\n".encode())
    import_data(root, "products", b"name,unit_price\nGTX Pro,4821\n")
    text = (
        "external_id,customer,product,stage,amount,owner,created_at,closed_at\n"
        'D1,Acme,GTXPro,Won,"1,054.50",wang,2016-10-20,2017-03-01\n'
        "D2,Acme,GTX Pro,Qualified,,zhang,2016-11-02,\n"
        "D3,Acme,,Lead,,wang,,\n"
    )
    report = import_data(root, "deals", text.encode())
    assert report.inserted == 3 and any("GTXPro" in n and "1 rows" in n for n in report.notes)
    won = Deal.get(Deal.external_id == "D1")
    assert (won.title, won.amount, won.owner_id) == (
        "GTX Pro",
        __import__("decimal").Decimal("1054.50"),
        team.ids["wang"],
    )
    history = [
        (h.from_stage_id and h.from_stage.name, h.to_stage.name, h.at.date().isoformat())
        for h in DealStageHistory.select().where(DealStageHistory.deal == won.id).order_by(DealStageHistory.id)
    ]
    assert history[0][:2] == (None, "Lead") and history[1][:2] == ("Lead", "Won")
    assert won.closed_at == won.stage_entered_at and won.closed_at >= won.created_at
    open_deal = Deal.get(Deal.external_id == "D2")
    assert open_deal.closed_at is None
    assert [h.to_stage.name for h in open_deal.history] == ["Qualified"]
    with pytest.raises(ImportRejected) as rejected:
        import_data(root, "deals", b"external_id,customer,stage,closed_at\nD9,Acme,Lead,2017-01-01\nD8,Acme,Won,\n")
    reasons = [p.reason for p in rejected.value.report.invalid]
    assert "is open" in reasons[0] and "closed_at is empty but the deal is won" in reasons[1]
    again = import_data(root, "deals", text.encode())
    assert (again.inserted, again.duplicates) == (0, 3)
    assert Stage.select().count() == 6


def test_contacts_products_followups_contracts(team, tmp_path):
    root = as_user("root")
    import_data(root, "customers", "name,territory,owner\nAcme,华东,wang\n".encode())
    contacts = "customer,name,phone,email,birthday\nAcme,李雷,139 1234 5678,li@acme.cn,1990-05-01\nAcme,韩梅梅,,,\n"
    assert import_data(root, "contacts", contacts.encode()).inserted == 2
    assert Contact.get(Contact.name == "李雷").birthday.isoformat() == "1990-05-01"
    assert (
        import_data(root, "products", 'code;name;unit_price;active\nP1;Widget;"¥1,200.00";yes\n'.encode()).inserted == 1
    )
    assert str(Product.get(Product.code == "P1").unit_price) == "1200.00"
    followups = (
        "customer,user,type,at,note\nAcme,wang,call,2024-03-01 10:00,first call\nAcme,wang,visit,2024-03-05 15:30,\n"
    )
    assert import_data(root, "followups", followups.encode()).inserted == 2
    acme = Customer.get(Customer.name == "Acme")
    assert acme.last_followup_at.date().isoformat() == "2024-03-05"
    assert Followup.select().count() == 2
    contracts = "number,customer,owner,signed_on,start_on,end_on,amount,status\nHT-1,Acme,wang,2024-03-06,2024-04-01,2025-03-31,98000,active\n"
    assert import_data(root, "contracts", contracts.encode()).inserted == 1
    assert str(Contract.get().amount) == "98000.00"
    assert import_data(root, "contacts", contacts.encode()).duplicates == 2
    same_phone = "customer,name,phone\nAcme,Lei Li,+86 139-1234-5678\n"  # 李雷 again, under another spelling
    assert import_data(root, "contacts", same_phone.encode()).duplicates == 1
    # a rep may only attach to customers they may change
    with pytest.raises(ImportRejected):
        import_data(as_user("chen"), "contacts", b"customer,name\nAcme,X\n", options=Options())


def test_update_refused_where_the_actor_may_not_change_the_customer(team, cli, tmp_path):
    root = as_user("root")
    import_data(root, "customers", "name,territory,owner\nChen Co,华南,chen\nWang Co,华东,wang\n".encode())
    import_data(root, "contacts", b"customer,name,title\nChen Co,Lily,CEO\n")
    before = database_state()
    theirs = write(tmp_path, "c.csv", "name,tier,territory\nChen Co,A,华东\n")
    refused = cli("import", "customers", theirs, "--on-duplicate", "update", user="wang")
    assert refused.exit_code == 2 and "which wang may not change" in refused.stderr
    assert database_state() == before
    mine = cli(
        "import",
        "customers",
        write(tmp_path, "m.csv", "name,tier\nWang Co,A\n"),
        "--on-duplicate",
        "update",
        user="wang",
    )
    assert mine.exit_code == 0 and Customer.get(Customer.name == "Wang Co").tier == "A"


def test_imported_customers_are_searchable_bulk_or_not(team, cli, tmp_path):
    bulk = "name,territory\n" + "".join(f"北京华南科技{i}有限公司,华东\n" for i in range(20))
    assert cli("import", "customers", write(tmp_path, "bulk.csv", bulk)).exit_code == 0  # rebuilds the index
    assert (
        cli("import", "customers", write(tmp_path, "one.csv", "name,territory\n上海明远贸易,华东\n")).exit_code == 0
    )  # triggers
    for text, expected in (("bjhnkj19", "北京华南科技19有限公司"), ("明远", "上海明远贸易"), ("shmy", "上海明远贸易")):
        found = cli("export", "customers", "--text", text, "--columns", "name").stdout
        assert found == f"name\n{expected}\n", text


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('{"name": "x"', (), "is not valid JSON lines"),
        ("", (), "The file is empty"),
        ("name,territory\nA,华东\n", ("--encoding", "latin-9"), "Unknown encoding"),
        ("name,territory\nA,华东\n", ("--on-duplicate", "merge"), "--on-duplicate takes skip, update, error"),
        ("name,territory\nA,华东\n", ("--map", "nope=name"), "--map names no column nope"),
        ("name,territory\nA,华东\n", ("--map", "name=shoe"), "--map names no field 'shoe'"),
        ("tier\nA\n", (), "The file has no name column"),
    ],
)
def test_unreadable_input_is_one_sentence_and_exit_2(team, cli, tmp_path, content, args, message):
    before = database_state()
    result = cli("import", "customers", write(tmp_path, "x.csv", content), *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert database_state() == before
    assert cli("import", "customers", str(tmp_path / "missing.csv")).exit_code == 3
