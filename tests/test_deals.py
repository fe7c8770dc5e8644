"""Deals: add/list/filter/sort/page, moves forward and back with their history, won/lost closing and reopening,
time in stage and stuck deals under CRM_NOW, pipelines with their own stages, the board, scoping, and every
refusal with its exit code and the database unchanged."""

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import as_user, database_state
from deal_helpers import at, audits, customers, refused
from peewee import JOIN

from crmtui.store.kernel.clock import parse_when
from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted, Refused
from crmtui.store.kernel.models import Deal, DealStageHistory, Stage
from crmtui.store.sales.deals import (
    DealFilter,
    add_deal,
    board,
    count_deals,
    delete_deal,
    edit_deal,
    get_deal_detail,
    list_deals,
    lose_deal,
    move_deal,
    restore_deal,
    stuck_condition,
    win_deal,
)
from crmtui.store.sales.pipelines import add_pipeline, add_stage, edit_stage


@pytest.fixture
def people(team, monkeypatch):
    at(monkeypatch, "2026-11-01T09:00")
    return customers(team)


def titles(actor="li.na", sort=None, limit=50, offset=0, **filters):
    return [d.title for d in list_deals(as_user(actor), DealFilter(**filters), sort, limit, offset)]


def test_add_and_list(people):
    wang = as_user("wang")
    first = add_deal(wang, "宏达", "ERP licences", "120,000.50", close="2026-12-31")
    row = list_deals(wang)[0]
    assert (row.id, row.title, row.customer, row.owner, row.pipeline, row.stage, row.stage_kind) == (
        first,
        "ERP licences",
        "宏达",
        "wang",
        "Default",
        "Lead",
        "open",
    )
    assert (row.amount, row.expected_close, row.probability, row.days_in_stage, row.stuck) == (
        Decimal("120000.50"),
        date(2026, 12, 31),
        10,
        0,
        False,
    )
    assert row.created_at == row.stage_entered_at == parse_when("2026-11-01T09:00") and row.closed_at is None
    # The default owner is the customer's owner, even when the customer's manager adds the deal.
    second = add_deal(as_user("li.na"), "张记", "Support", 0, stage="Proposal")
    assert Deal.get_by_id(second).owner_id == team_id("zhang")
    assert audits("deal", first)[0][1]["amount"] == [None, "120000.50"]
    history = DealStageHistory.get(DealStageHistory.deal == first)
    assert (history.from_stage_id, history.to_stage.name, history.by_id) == (None, "Lead", team_id("wang"))
    # Added straight into a won stage, a deal is closed at once.
    won = add_deal(as_user("li.na"), "宏达", "Renewal", "5", stage="Won", owner="zhang")
    assert Deal.get_by_id(won).closed_at == parse_when("2026-11-01T09:00") and Deal.get_by_id(won).owner_id == team_id(
        "zhang"
    )


def team_id(login):
    return as_user(login).id


def test_filters_sorting_and_paging(people, monkeypatch):
    li = as_user("li.na")
    add_deal(li, "宏达", "Alpha servers", "300", close="2026-11-10")
    add_deal(li, "宏达", "Beta cloud", "100", stage="Proposal", close="2026-12-20")
    add_deal(li, "张记", "Gamma servers", "200", stage="Negotiation")
    add_deal(li, "公海客户", "Delta", "50", stage="Qualified", close="2026-11-30", owner="me")
    win_deal(li, "Beta cloud")
    add_deal(as_user("chen"), "陈氏", "Elsewhere", "1")
    assert titles() == ["Delta", "Gamma servers", "Beta cloud", "Alpha servers"]  # newest first; chen's is not li.na's
    assert titles(sort="amount") == ["Delta", "Beta cloud", "Gamma servers", "Alpha servers"]
    assert titles(sort="-amount", limit=2, offset=1) == ["Gamma servers", "Beta cloud"]
    assert titles(sort="close") == ["Alpha servers", "Delta", "Beta cloud", "Gamma servers"]  # no date last
    assert titles(sort="stage") == ["Alpha servers", "Delta", "Gamma servers", "Beta cloud"]
    assert titles(sort="title") == sorted(titles())
    assert titles(customer="宏达") == ["Beta cloud", "Alpha servers"]
    assert titles(owner="zhang") == ["Gamma servers"]
    assert titles(owner="me") == ["Delta"]
    assert titles(kind="open") == ["Delta", "Gamma servers", "Alpha servers"]
    assert titles(kind="WON") == ["Beta cloud"]
    assert titles(stage="negotiation") == ["Gamma servers"]
    assert titles(pipeline="Default", stage="Lead") == ["Alpha servers"]
    assert titles(closing_after="2026-11-15") == ["Delta", "Beta cloud"]
    assert titles(closing_before="2026-11-30", closing_after="2026-11-10") == ["Delta", "Alpha servers"]
    assert titles(text="SERVERS") == ["Gamma servers", "Alpha servers"]
    assert count_deals(li, DealFilter(text="servers")) == 2 and count_deals(as_user("root")) == 5
    with pytest.raises(BadInput, match="Unknown sort"):
        list_deals(li, sort="colour")
    with pytest.raises(BadInput, match="Unknown deal kind"):
        list_deals(li, DealFilter(kind="pending"))
    with pytest.raises(NotFound, match="No stage 'Nowhere'"):
        list_deals(li, DealFilter(stage="Nowhere"))


def test_moves_forward_and_back_keep_the_history(people, monkeypatch):
    wang = as_user("wang")
    deal = add_deal(wang, "宏达", "ERP", "1000")
    at(monkeypatch, "2026-11-03T09:00")
    assert move_deal(wang, deal, "Proposal")["stage"] == ["Lead", "Proposal"]
    at(monkeypatch, "2026-11-04T21:00")
    move_deal(as_user("li.na"), "ERP", "Qualified")  # back, by the manager
    at(monkeypatch, "2026-11-06T09:00")
    move_deal(wang, f"#{deal}", "Proposal")
    at(monkeypatch, "2026-11-07T09:00")
    detail = get_deal_detail(wang, "ERP")
    assert [(s.from_stage, s.stage, s.by, s.days) for s in detail.history] == [
        (None, "Lead", "wang", 2.0),
        ("Lead", "Proposal", "wang", 1.5),
        ("Proposal", "Qualified", "li.na", 1.5),
        ("Qualified", "Proposal", "wang", 1.0),
    ]
    assert detail.history[-1].left_at is None  # the current stage counts until now
    assert [(t.stage, t.visits, t.days) for t in detail.time_in_stages] == [
        ("Lead", 1, 2.0),
        ("Proposal", 2, 2.5),
        ("Qualified", 1, 1.5),
    ]
    assert detail.stage_entered_at == parse_when("2026-11-06T09:00") and detail.days_in_stage == 1
    at(monkeypatch, "2026-11-20T09:00")
    assert get_deal_detail(wang, deal).time_in_stages[1].days == 15.5
    assert [a for a, _ in audits("deal", deal)] == ["create", "move", "move", "move"]


def test_won_and_lost_close_and_moving_out_reopens(people, monkeypatch):
    wang = as_user("wang")
    deal = add_deal(wang, "宏达", "ERP", "1000", stage="Negotiation")
    at(monkeypatch, "2026-11-05T10:00")
    win_deal(wang, deal)
    row = Deal.get_by_id(deal)
    assert (row.stage.name, row.closed_at, row.lost_reason) == ("Won", parse_when("2026-11-05T10:00"), None)
    before = database_state()
    with pytest.raises(Refused, match="won already"):
        win_deal(wang, deal)
    assert database_state() == before
    at(monkeypatch, "2026-11-06T10:00")
    move_deal(wang, deal, "Negotiation")  # reopened
    assert (Deal.get_by_id(deal).closed_at, Deal.get_by_id(deal).stage.kind) == (None, "open")
    lose_deal(wang, deal, "  chose a cheaper vendor ")
    row = Deal.get_by_id(deal)
    assert (row.stage.name, row.closed_at, row.lost_reason) == (
        "Lost",
        parse_when("2026-11-06T10:00"),
        "chose a cheaper vendor",
    )
    assert titles("wang", kind="lost") == ["ERP"]
    at(monkeypatch, "2026-11-08T10:00")
    move_deal(wang, deal, "Proposal")
    row = Deal.get_by_id(deal)
    assert (row.closed_at, row.lost_reason, row.stage.name) == (None, None, "Proposal")
    move_deal(wang, deal, "Lost", reason="budget cut")  # a move into a lost stage takes a reason too
    assert Deal.get_by_id(deal).lost_reason == "budget cut"
    assert [a for a, _ in audits("deal", deal)] == ["create", "won", "move", "lost", "move", "move"]


def test_stuck_deals(people, monkeypatch):
    li = as_user("li.na")
    edit_stage(li, "Proposal", stuck_days=10)
    edit_stage(li, "Won", stuck_days=1)  # closed stages never make a deal stuck
    slow = add_deal(li, "宏达", "Slow", "1", stage="Proposal")
    add_deal(li, "宏达", "Closed", "1", stage="Won")
    add_deal(li, "宏达", "Unlimited", "1", stage="Lead")
    at(monkeypatch, "2026-11-11T08:59")
    assert titles(stuck=True) == []
    at(monkeypatch, "2026-11-11T09:01")
    assert titles(stuck=True) == ["Slow"]
    assert [d.stuck for d in list_deals(li, sort="id")] == [True, False, False]
    # The same rule as an expression others put into their own queries (reports, agenda).
    query = Deal.select(Deal.title).join(Stage, JOIN.INNER, on=(Deal.stage == Stage.id))
    assert [t for (t,) in query.where(stuck_condition(parse_when("2026-11-11T09:01"))).tuples()] == ["Slow"]
    assert list(query.where(stuck_condition(datetime(2026, 11, 2))).tuples()) == []
    move_deal(li, slow, "Negotiation")  # a move resets the clock
    assert titles(stuck=True) == []
    edit_stage(li, "Proposal", stuck_days=0)
    move_deal(li, slow, "Proposal")
    at(monkeypatch, "2027-11-11")
    assert titles(stuck=True) == []


def test_pipelines_keep_their_own_stages(people):
    root = as_user("root")
    add_pipeline(root, "Renewals")
    add_stage(root, "Due", 50, pipeline="Renewals")
    add_stage(root, "Renewed", 100, "won", pipeline="Renewals")
    add_stage(root, "Churned", 0, "lost", pipeline="Renewals")
    renewal = add_deal(root, "宏达", "2027 renewal", "800", pipeline="Renewals")
    assert Deal.get_by_id(renewal).stage.name == "Due"
    before = database_state()
    with pytest.raises(Refused, match="belongs to pipeline 'Default'"):
        move_deal(root, renewal, "Proposal")
    lead = Stage.get(Stage.name == "Lead").id
    with pytest.raises(Refused, match=f"Stage #{lead}"):
        move_deal(root, renewal, str(lead))
    with pytest.raises(Refused, match="belongs to pipeline 'Renewals'"):
        add_deal(root, "宏达", "x", "1", stage="Due")
    assert database_state() == before
    win_deal(root, renewal)
    assert Deal.get_by_id(renewal).stage.name == "Renewed"
    assert titles("root", pipeline="Renewals") == ["2027 renewal"]
    assert titles("root", stage="Renewed") == ["2027 renewal"]
    add_pipeline(root, "Bare")
    with pytest.raises(Refused, match="no open stage"):
        add_deal(root, "宏达", "x", "1", pipeline="Bare")


def test_board_counts_and_values_per_stage(people):
    li = as_user("li.na")
    for title, amount, stage in [
        ("a", "100.10", "Lead"),
        ("b", "200", "Lead"),
        ("c", "1000", "Negotiation"),
        ("d", "7", "Won"),
    ]:
        add_deal(li, "宏达", title, amount, stage=stage)
    add_deal(as_user("chen"), "陈氏", "not li.na's", "999", stage="Lead")
    columns = board(li, per_stage=1, sort="-amount")
    assert [(c.stage, c.count, c.value, c.weighted, [d.title for d in c.deals]) for c in columns] == [
        ("Lead", 2, Decimal("300.10"), Decimal("30.01"), ["b"]),
        ("Qualified", 0, Decimal("0.00"), Decimal("0.00"), []),
        ("Proposal", 0, Decimal("0.00"), Decimal("0.00"), []),
        ("Negotiation", 1, Decimal("1000.00"), Decimal("750.00"), ["c"]),
        ("Won", 1, Decimal("7.00"), Decimal("7.00"), ["d"]),
        ("Lost", 0, Decimal("0.00"), Decimal("0.00"), []),
    ]
    assert [c.count for c in board(li, flt=DealFilter(text="a"))][0] == 1


def test_edit_delete_restore(people, monkeypatch):
    wang = as_user("wang")
    deal = add_deal(wang, "宏达", "ERP", "1000")
    assert edit_deal(wang, "ERP", title="ERP suite", amount="1200.5", close="2026-12-01") == {
        "title": ["ERP", "ERP suite"],
        "amount": ["1000.00", "1200.50"],
        "expected_close": [None, "2026-12-01"],
    }
    assert edit_deal(wang, deal, close="") == {"expected_close": ["2026-12-01", None]}
    assert edit_deal(wang, deal, amount="1200.50") == {}
    with pytest.raises(NotPermitted, match="give deals to chen"):
        edit_deal(as_user("li.na"), deal, owner="chen")
    assert edit_deal(as_user("li.na"), deal, owner="zhang") == {"owner": [team_id("wang"), team_id("zhang")]}
    delete_deal(wang, deal)
    assert titles("wang") == [] and titles("wang", deleted=True) == ["ERP suite"]
    with pytest.raises(NotFound):
        move_deal(wang, deal, "Proposal")
    restore_deal(wang, "ERP suite")
    assert titles("wang") == ["ERP suite"]
    assert [a for a, _ in audits("deal", deal)][-2:] == ["delete", "restore"]


def test_scoping(people):
    zhang_deal = add_deal(as_user("zhang"), "张记", "Zhang's deal", "10")
    pool_deal = add_deal(as_user("li.na"), "公海客户", "Pool deal", "10")
    wang = as_user("wang")
    assert titles("wang") == ["Pool deal"]  # the territory's pool is visible to its reps
    assert titles("chen") == [] and titles("li.na") == ["Pool deal", "Zhang's deal"]
    before = database_state()
    with pytest.raises(NotFound):
        get_deal_detail(wang, "Zhang's deal")
    with pytest.raises(NotFound):
        move_deal(wang, "Zhang's deal", "Proposal")
    with pytest.raises(NotPermitted):
        move_deal(wang, zhang_deal, "Proposal")
    with pytest.raises(NotPermitted):  # visible, but a pool customer must be claimed first
        move_deal(wang, pool_deal, "Proposal")
    with pytest.raises(NotPermitted):
        add_deal(wang, "公海客户", "mine?", "1")
    with pytest.raises(NotPermitted):
        move_deal(as_user("zhao"), zhang_deal, "Proposal")
    assert database_state() == before
    move_deal(as_user("li.na"), zhang_deal, "Proposal")


def test_cli(people, cli, monkeypatch):
    added = cli("deal", "add", "宏达", "ERP licences", "--amount", "120000.50", "--close", "2026-12-31", user="wang")
    assert added.exit_code == 0, added.stderr
    deal = int(added.stdout)
    cli("deal", "add", "宏达", "ERP support", "--amount", "80", "--stage", "Proposal", user="wang")
    listed = json.loads(cli("deal", "list", "--sort", "amount", "--format", "json", user="wang").stdout)
    assert [(d["title"], d["amount"], d["stage"]) for d in listed] == [
        ("ERP support", "80.00", "Proposal"),
        ("ERP licences", "120000.50", "Lead"),
    ]
    csv_rows = cli("deal", "list", "--stage", "Lead", "--format", "csv", user="wang").stdout.splitlines()
    assert csv_rows[0].startswith("id,title,customer_id,customer,owner") and len(csv_rows) == 2
    moved = cli("deal", "move", "ERP licences", "Negotiation", user="wang", env={"CRM_NOW": "2026-11-03T09:00"})
    assert moved.exit_code == 0 and "Lead → Negotiation" in moved.stderr
    assert cli("deal", "won", str(deal), user="wang", env={"CRM_NOW": "2026-11-04T09:00"}).exit_code == 0
    shown = json.loads(
        cli("deal", "show", str(deal), "--format", "json", user="wang", env={"CRM_NOW": "2026-11-04T21:00"}).stdout
    )
    assert [(h["stage"], h["days"]) for h in shown["history"]] == [("Lead", 2.0), ("Negotiation", 1.0), ("Won", 0.5)]
    assert shown["closed_at"].startswith("2026-11-04")
    table = cli("deal", "show", str(deal), "--format", "table", user="wang").stdout
    assert "Stage history" in table and "Time in each stage" in table
    assert cli("deal", "edit", str(deal), "--amount", "99", user="wang").exit_code == 0
    assert Deal.get_by_id(deal).amount == Decimal("99.00")
    lost = cli("deal", "lost", "ERP support", "--reason", "price", user="wang")
    assert lost.exit_code == 0 and Deal.get(Deal.title == "ERP support").lost_reason == "price"
    board_rows = json.loads(cli("deal", "board", "--format", "json", user="wang").stdout)
    assert [(c["stage"], c["count"]) for c in board_rows if c["count"]] == [("Won", 1), ("Lost", 1)]
    assert cli("deal", "delete", "ERP support", user="wang").exit_code == 0
    assert cli("deal", "restore", "ERP support", user="wang").exit_code == 0


def test_cli_refusals_leave_the_database_unchanged(people, cli, crm):
    add_deal(as_user("wang"), "宏达", "ERP licences", "1")
    add_deal(as_user("wang"), "宏达", "ERP support", "1")
    zhang_deal = add_deal(as_user("zhang"), "张记", "Zhang's deal", "10")
    before = database_state()
    refused(
        cli,
        [
            (("deal", "add", "宏达", "X", "--amount", "12,5x"), 2, "is not an amount"),
            (("deal", "add", "宏达", "X", "--amount", "-3"), 2, "zero or more"),
            (("deal", "add", "宏达", "X", "--amount", "1.005"), 2, "more than two decimals"),
            (("deal", "add", "宏达", "X", "--amount", "1", "--close", "someday soon"), 2, "Cannot read the date"),
            (("deal", "add", "宏达", "X", "--amount", "1", "--stage", "Nowhere"), 3, "No stage 'Nowhere'"),
            (("deal", "add", "宏达", "X", "--amount", "1", "--stage", "Lost"), 2, "cannot start lost"),
            (("deal", "add", "宏达", "  ", "--amount", "1"), 2, "needs a title"),
            (("deal", "add", "nobody", "X", "--amount", "1"), 3, "No customer named"),
            (("deal", "add", "宏达", "X"), 2, "--amount"),
            (("deal", "move", "ERP", "Proposal"), 2, "ambiguous: #1 ERP licences; #2 ERP support"),
            (("deal", "move", "ERP licences", "Nowhere"), 3, "No stage 'Nowhere' in pipeline 'Default'"),
            (("deal", "move", "ERP licences", "Lead"), 5, "in stage 'Lead' already"),
            (("deal", "move", "ERP licences", "Lost"), 2, "--reason"),
            (("deal", "lost", "ERP licences"), 2, "Say why the deal was lost"),
            (("deal", "edit", "ERP licences", "--close", "never ever"), 2, "Cannot read the date"),
            (("deal", "edit", "ERP licences", "--owner", "chen"), 4, "may not give deals to chen"),
            (("deal", "show", "Zhang's deal"), 3, "No deal named"),
            (("deal", "move", "Zhang's deal", "Proposal"), 3, "No deal named"),
            (("deal", "move", str(zhang_deal), "Proposal"), 4, "may not change deal"),
            (("deal", "show", "99999"), 3, "No deal #99999"),
            (("deal", "restore", "ERP licences"), 3, "No deleted deal named"),
            (("deal", "list", "--sort", "colour"), 2, "Unknown sort"),
            (("deal", "list", "--closing-before", "whenever"), 2, "Cannot read the date"),
            (("deal", "list", "--pipeline", "Nope"), 3, "No pipeline named"),
        ],
        user="wang",
    )
    assert database_state() == before
    # The real entry point: out of scope by id is 4, by name 3, and nothing changes.
    refused(
        crm,
        [
            (("deal", "won", str(zhang_deal)), 4, "may not change deal"),
            (("deal", "won", "Zhang's deal"), 3, "No deal named"),
        ],
        user="wang",
    )
    assert database_state() == before


def test_real_crm_add_move_show(people, crm):
    added = crm(
        "deal",
        "add",
        "宏达",
        "ERP",
        "--amount",
        "5000",
        "--close",
        "eom",
        user="wang",
        env={"CRM_NOW": "2026-11-01T09:00"},
    )
    assert added.exit_code == 0, added.stderr
    moved = crm("deal", "move", added.stdout.strip(), "Qualified", user="wang", env={"CRM_NOW": "2026-11-02T09:00"})
    assert moved.exit_code == 0, moved.stderr
    shown = crm("deal", "show", "ERP", "--format", "json", user="wang", env={"CRM_NOW": "2026-11-04T09:00"})
    detail = json.loads(shown.stdout)
    assert detail["expected_close"] == "2026-11-30" and detail["days_in_stage"] == 2
    assert [(t["stage"], t["days"]) for t in detail["time_in_stages"]] == [("Lead", 1.0), ("Qualified", 2.0)]
