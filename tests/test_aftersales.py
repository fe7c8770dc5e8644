"""After-sales: tickets (flows, transitions, who sees and changes them), return visits (scores, filters, averages),
and the database settings (checks, admins only). Refusals: exit code, one sentence, the database unchanged."""

import json
from datetime import datetime
from decimal import Decimal

import pytest
from aftersales_helpers import contract
from conftest import as_user, database_state

from crmtui.store.aftersales.tickets import (
    TicketFilter,
    add_ticket,
    assign_ticket,
    close_ticket,
    edit_ticket,
    get_ticket,
    list_tickets,
    reopen_ticket,
    resolve_ticket,
)
from crmtui.store.aftersales.visits import VisitFilter, add_visit, list_visits, visit_stats
from crmtui.store.customers.contacts import add_contact
from crmtui.store.customers.records import add_customer
from crmtui.store.kernel.clock import parse_when
from crmtui.store.kernel.errors import NotFound, NotPermitted, Refused
from crmtui.store.kernel.models import AuditLog, Ticket
from crmtui.store.kernel.settings import get_setting, set_setting, settings

NOW = "2026-11-22T10:00"


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("CRM_NOW", NOW)


def refused(cli, code, message, *args, user="root", env=None):
    """Run a command that must be refused: its exit code, its one-line message, and nothing written."""
    before = database_state()
    result = cli(*args, user=user, env=env)
    assert (result.exit_code, result.stderr.strip()) == (code, f"crm: {message}")
    assert database_state() == before


# --- tickets -----------------------------------------------------------------------------------------------


def test_a_ticket_goes_to_the_customers_owner_and_is_audited(team, pinned):
    wang = as_user("wang")
    customer = add_customer(wang, "华南科技")
    contact = add_contact(wang, customer, "李明")
    ticket = add_ticket(as_user("li.na"), customer, "  打印机  无法联网 ", "high", contact="李明", due_by="+2d")
    row = get_ticket(wang, ticket)
    assert (row.subject, row.customer, row.contact, row.priority, row.status, row.assignee) == (
        "打印机 无法联网",
        "华南科技",
        "李明",
        "high",
        "open",
        "wang",
    )
    assert row.due_by == parse_when("2026-11-24") and row.resolved_at is None and not row.overdue
    assert Ticket.get_by_id(ticket).contact_id == contact
    assert [(e.by, e.action) for e in row.history] == [("li.na", "create")]
    pool_customer = add_customer(as_user("li.na"), "公海客户", owner="pool")
    assert get_ticket(as_user("li.na"), add_ticket(as_user("li.na"), pool_customer, "x")).assignee == "li.na"


def test_status_transitions(team, monkeypatch, pinned):
    wang = as_user("wang")
    ticket = add_ticket(wang, add_customer(wang, "宏达"), "退货")
    assert edit_ticket(wang, ticket, status="in-progress") == {"status": ["open", "in-progress"]}
    monkeypatch.setenv("CRM_NOW", "2026-11-23T09:30")
    resolve_ticket(wang, ticket)
    assert (get_ticket(wang, ticket).status, get_ticket(wang, ticket).resolved_at) == (
        "resolved",
        parse_when("2026-11-23T09:30"),
    )
    with pytest.raises(Refused, match="resolved already"):
        resolve_ticket(wang, ticket)
    with pytest.raises(Refused, match="cannot become in-progress"):
        edit_ticket(wang, ticket, status="in-progress")
    monkeypatch.setenv("CRM_NOW", "2026-11-25T09:30")
    close_ticket(wang, ticket)
    assert (get_ticket(wang, ticket).status, get_ticket(wang, ticket).resolved_at) == (
        "closed",
        parse_when("2026-11-23T09:30"),
    )
    with pytest.raises(Refused):
        close_ticket(wang, ticket)
    with pytest.raises(Refused):
        resolve_ticket(wang, ticket)
    reopen_ticket(wang, ticket)
    assert (get_ticket(wang, ticket).status, get_ticket(wang, ticket).resolved_at) == ("open", None)
    with pytest.raises(Refused, match="only a resolved or closed ticket can be reopened"):
        reopen_ticket(wang, ticket)
    close_ticket(wang, ticket)  # closing what was never resolved stamps the close
    assert get_ticket(wang, ticket).resolved_at == parse_when("2026-11-25T09:30")
    actions = [
        a for (a,) in AuditLog.select(AuditLog.action).where(AuditLog.entity == "ticket").order_by(AuditLog.id).tuples()
    ]
    assert actions == ["create", "edit", "resolve", "close", "reopen", "close"]


def test_the_assignee_sees_and_works_a_ticket_on_a_customer_they_cannot_see(team, pinned):
    wang = as_user("wang")
    customer = add_customer(wang, "王的客户")
    handed = add_ticket(as_user("root"), customer, "需要华南支持", assignee="chen")
    kept = add_ticket(wang, customer, "王自己处理")
    assert [t.subject for t in list_tickets(as_user("chen"))] == ["需要华南支持"]
    assert [t.subject for t in list_tickets(as_user("zhao"))] == ["需要华南支持"]  # chen's manager
    assert [t.subject for t in list_tickets(wang)] == ["王自己处理", "需要华南支持"]
    assert list_tickets(as_user("zhang")) == []
    resolve_ticket(as_user("chen"), handed)
    with pytest.raises(NotFound):
        get_ticket(as_user("chen"), kept)
    before = database_state()
    with pytest.raises(NotPermitted):
        resolve_ticket(as_user("chen"), kept)
    with pytest.raises(NotPermitted):
        assign_ticket(wang, kept, "chen")  # not in wang's team nor territory
    assert database_state() == before
    assign_ticket(wang, kept, "zhang")  # a colleague of the same territory
    assert [t.subject for t in list_tickets(as_user("zhang"))] == ["王自己处理"]
    with pytest.raises(NotPermitted):
        edit_ticket(as_user("zhang"), handed, priority="low")


def test_ticket_list_filters(team, pinned, cli):
    wang = as_user("wang")
    a, b = add_customer(wang, "甲"), add_customer(wang, "乙")
    late = add_ticket(wang, a, "late", "urgent", due_by="2026-11-21")
    add_ticket(wang, a, "later", "low", due_by="2026-11-30")
    done = add_ticket(wang, b, "done", "urgent", due_by="2026-11-01")
    resolve_ticket(wang, done)
    add_ticket(as_user("root"), b, "theirs", assignee="zhang")

    def subjects(**kwargs):
        return [t.subject for t in list_tickets(wang, TicketFilter(**kwargs))]

    assert subjects() == ["theirs", "done", "later", "late"]
    assert subjects(mine=True) == ["done", "later", "late"]
    assert subjects(status="open,in-progress") == ["theirs", "later", "late"]
    assert subjects(priority="urgent") == ["done", "late"]
    assert subjects(overdue=True) == ["late"]
    assert subjects(customer="乙") == ["theirs", "done"]
    assert subjects(assignee="zhang") == ["theirs"]
    assert [t.id for t in list_tickets(wang, limit=2, offset=1)] == [done, done - 1]
    assert list_tickets(wang, TicketFilter(overdue=True))[0].overdue is True
    env = {"CRM_NOW": NOW}
    listed = cli("ticket", "list", "--overdue", "-f", "json", user="wang", env=env)
    assert [(t["id"], t["subject"], t["overdue"]) for t in json.loads(listed.stdout)] == [(late, "late", True)]
    for fmt in ("table", "csv", "tsv", "jsonl"):
        result = cli("ticket", "list", "--mine", "-f", fmt, user="wang", env=env)
        assert result.exit_code == 0 and "later" in result.stdout, (fmt, result.stderr)
    shown = cli("ticket", "show", str(done), "-f", "json", user="wang", env=env)
    assert [e["action"] for e in json.loads(shown.stdout)["history"]] == ["create", "resolve"]
    assert "History" in cli("ticket", "show", "late", "-f", "table", user="wang", env=env).stdout


def test_ticket_cli_flow(team, cli):
    wang = as_user("wang")
    add_customer(wang, "宏达")
    env = {"CRM_NOW": NOW}
    added = cli(
        "ticket", "add", "宏达", "发票抬头错误", "--priority", "high", "--due", "tomorrow", user="wang", env=env
    )
    assert added.exit_code == 0, added.stderr
    ticket = added.stdout.strip()
    assert (
        cli("ticket", "edit", ticket, "--status", "in-progress", user="wang").stderr.strip()
        == f"Ticket {ticket}: changed status."
    )
    assert cli("ticket", "resolve", ticket, user="wang").stderr.strip() == f"Ticket {ticket}: resolved."
    assert cli("ticket", "close", "发票抬头", user="wang").exit_code == 0
    assert cli("ticket", "reopen", ticket, user="wang").exit_code == 0
    assert (
        cli("ticket", "assign", ticket, "zhang", user="li.na").stderr.strip() == f"Ticket {ticket}: assigned to zhang."
    )
    assert json.loads(cli("ticket", "show", ticket, "-f", "json", user="zhang").stdout)["status"] == "open"


def test_ticket_refusals(team, cli):
    wang = as_user("wang")
    customer = add_customer(wang, "宏达")
    other = add_customer(wang, "别家")
    add_contact(wang, other, "赵六")
    ticket = add_ticket(wang, customer, "问题")
    zhang_customer = add_customer(as_user("zhang"), "张的客户")
    refused(
        cli,
        2,
        "Unknown priority 'asap': use one of low, normal, high, urgent.",
        "ticket",
        "add",
        "宏达",
        "x",
        "--priority",
        "asap",
        user="wang",
    )
    refused(cli, 2, "A ticket needs a subject.", "ticket", "add", "宏达", "  ", user="wang")
    refused(cli, 3, "No contact named '赵六'.", "ticket", "add", "宏达", "x", "--contact", "赵六", user="wang")
    refused(
        cli,
        4,
        f"wang may not change customer #{zhang_customer}.",
        "ticket",
        "add",
        str(zhang_customer),
        "x",
        user="wang",
    )
    refused(cli, 3, "No customer named '张的客户'.", "ticket", "add", "张的客户", "x", user="wang")
    refused(cli, 4, "wang may not assign tickets to chen.", "ticket", "assign", str(ticket), "chen", user="wang")
    refused(cli, 3, f"No ticket #{ticket + 100}.", "ticket", "resolve", str(ticket + 100), user="wang")
    refused(cli, 4, f"zhang may not change ticket #{ticket}.", "ticket", "resolve", str(ticket), user="zhang")
    refused(cli, 3, "No ticket named '问题'.", "ticket", "show", "问题", user="zhang")
    refused(
        cli,
        5,
        f"Ticket #{ticket} is open: only a resolved or closed ticket can be reopened.",
        "ticket",
        "reopen",
        str(ticket),
        user="wang",
    )
    refused(
        cli,
        2,
        "Unknown status 'done': use one of open, in-progress, resolved, closed.",
        "ticket",
        "edit",
        str(ticket),
        "--status",
        "done",
        user="wang",
    )
    cli("ticket", "close", str(ticket), user="wang")
    refused(
        cli, 5, f"Ticket #{ticket} is closed: it cannot become resolved.", "ticket", "resolve", str(ticket), user="wang"
    )


# --- return visits -----------------------------------------------------------------------------------------


def test_visits_scores_filters_and_average(team, pinned, cli):
    wang = as_user("wang")
    a, b = add_customer(wang, "甲"), add_customer(wang, "乙")
    add_visit(wang, a, 5, "很满意", on="2026-11-01")
    add_visit(as_user("li.na"), a, "4", on="2026-11-10")
    low = add_visit(wang, b, 1, "投诉", on="2026-11-20")
    add_visit(as_user("chen"), add_customer(as_user("chen"), "丙"), 4)
    assert [(v.customer, v.satisfaction, v.by) for v in list_visits(wang)] == [
        ("乙", 1, "wang"),
        ("甲", 4, "li.na"),
        ("甲", 5, "wang"),
    ]
    assert [v.id for v in list_visits(wang, VisitFilter(max_satisfaction=2))] == [low]
    assert [v.satisfaction for v in list_visits(wang, VisitFilter(customer="甲", by="me"))] == [5]
    assert [v.satisfaction for v in list_visits(wang, VisitFilter(since="2026-11-10", until="2026-11-10"))] == [4]
    stats = visit_stats(wang)
    assert (stats.visits, stats.average, stats.by_score) == (3, Decimal("3.33"), {1: 1, 2: 0, 3: 0, 4: 1, 5: 1})
    assert visit_stats(as_user("root")).average == Decimal("3.50")
    with pytest.raises(NotFound):
        visit_stats(wang, VisitFilter(customer="丙"))  # chen's customer
    assert (visit_stats(as_user("zhang")).visits, visit_stats(as_user("zhang")).average) == (0, None)
    result = cli("visit", "stats", "-f", "json", user="wang", env={"CRM_NOW": NOW})
    assert json.loads(result.stdout) == {
        "visits": 3,
        "average": "3.33",
        "by_score": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1},
    }
    csv_stats = cli("visit", "stats", "-f", "csv", user="wang", env={"CRM_NOW": NOW}).stdout.splitlines()
    assert csv_stats == ["visits,average,scored_1,scored_2,scored_3,scored_4,scored_5", "3,3.33,1,0,0,1,1"]
    listed = cli("visit", "list", "--max", "4", "--by", "li.na", "-f", "jsonl", user="wang", env={"CRM_NOW": NOW})
    assert [json.loads(line)["satisfaction"] for line in listed.stdout.splitlines()] == [4]
    added = cli("visit", "add", "甲", "--satisfaction", "3", "--note", "一般", user="wang", env={"CRM_NOW": NOW})
    assert added.exit_code == 0 and added.stdout.strip().isdigit()
    assert list_visits(wang, limit=1)[0].on == datetime(2026, 11, 22).date()


def test_visit_refusals(team, pinned, cli):
    wang = as_user("wang")
    add_customer(wang, "甲")
    zhang_customer = add_customer(as_user("zhang"), "张的客户")
    env = {"CRM_NOW": NOW}
    for score in ("0", "6", "x", "4.5"):
        refused(
            cli,
            2,
            f"Satisfaction '{score}' is not a score from 1 to 5.",
            "visit",
            "add",
            "甲",
            "-s",
            score,
            user="wang",
            env=env,
        )
    refused(
        cli,
        2,
        "A return visit cannot be recorded in the future.",
        "visit",
        "add",
        "甲",
        "-s",
        "3",
        "--on",
        "tomorrow",
        user="wang",
        env=env,
    )
    refused(
        cli,
        4,
        f"wang may not change customer #{zhang_customer}.",
        "visit",
        "add",
        str(zhang_customer),
        "-s",
        "3",
        user="wang",
        env=env,
    )
    refused(cli, 2, "Satisfaction 9 is not a score from 1 to 5.", "visit", "list", "--max", "9", user="wang", env=env)


# --- settings ----------------------------------------------------------------------------------------------


def test_settings_defaults_set_and_audit(team):
    assert [(s.key, s.value, s.is_set) for s in settings()] == [
        ("currency", "CNY", False),
        ("repurchase_days", 365, False),
        ("risk_days", 90, False),
    ]
    assert set_setting(as_user("root"), "currency", " usd ") == {"currency": [None, "USD"]}
    assert set_setting(as_user("root"), "currency", "USD") == {}
    assert set_setting(as_user("root"), "Risk_Days", "30") == {"risk_days": [None, 30]}
    assert (get_setting("currency"), get_setting("risk_days"), get_setting("repurchase_days")) == ("USD", 30, 365)
    audits = AuditLog.select().where(AuditLog.entity == "setting").order_by(AuditLog.id)
    assert [(a.actor, json.loads(a.changes)) for a in audits] == [
        ("root", {"currency": [None, "USD"]}),
        ("root", {"risk_days": [None, 30]}),
    ]


def test_settings_cli_and_refusals(team, cli):
    shown = cli("settings", "show", "-f", "json", user="wang")
    assert [(s["key"], s["value"]) for s in json.loads(shown.stdout)] == [
        ("currency", "CNY"),
        ("repurchase_days", 365),
        ("risk_days", 90),
    ]
    assert cli("settings", "set", "repurchase_days", "180").stderr.strip() == "repurchase_days is now 180."
    refused(
        cli, 4, "Only an admin may change the database settings.", "settings", "set", "risk_days", "30", user="li.na"
    )
    refused(
        cli,
        2,
        "Unknown setting 'tax': use one of currency, repurchase_days, risk_days.",
        "settings",
        "set",
        "tax",
        "13",
    )
    refused(
        cli, 2, "'RMB' is not an ISO 4217 currency code such as CNY, USD or EUR.", "settings", "set", "currency", "RMB"
    )
    for bad in ("0", "-5", "ten", "3651"):
        refused(cli, 2, f"'{bad}' is not a number of days from 1 to 3650.", "settings", "set", "--", "risk_days", bad)
    contract(add_customer(as_user("wang"), "甲"), "2026-01-01")
    refused(
        cli, 5, "The currency stays CNY: contracts already hold amounts in it.", "settings", "set", "currency", "USD"
    )
    assert cli("settings", "set", "currency", "cny").exit_code == 0  # the same currency, now explicit


def test_every_command_has_an_example(cli):
    for noun, verbs in {
        "ticket": ("add", "list", "show", "edit", "assign", "resolve", "close", "reopen"),
        "visit": ("add", "list", "stats"),
        "settings": ("show", "set"),
    }.items():
        for verb in verbs:
            result = cli(noun, verb, "--help", user=None)
            assert result.exit_code == 0 and "Example: crm " + noun in result.stdout, (noun, verb)
