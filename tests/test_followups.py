"""Follow-ups: logging moves the customer's last/next follow-up in the same transaction; scope; filters; errors."""

import json
from datetime import datetime

import pytest
from conftest import as_user, database_state

from crmtui.store.customers.followups import FollowupFilter, list_followups, log_followup, next_followup
from crmtui.store.customers.records import add_customer
from crmtui.store.kernel.clock import parse_when
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import NotPermitted
from crmtui.store.kernel.models import AuditLog, Customer, Followup


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2026-05-10T15:00")


def customer_times(customer_id):
    row = Customer.get_by_id(customer_id)
    return row.last_followup_at, row.next_followup_at


def test_logging_sets_last_and_next(team, pinned):
    wang = as_user("wang")
    customer = add_customer(wang, "宏达")
    log_followup(wang, customer, "visit", "demo", next="+3d")
    assert customer_times(customer) == (parse_when("2026-05-10T15:00"), parse_when("2026-05-13"))
    # A back-dated follow-up keeps the later last time and the plan made after it.
    log_followup(wang, customer, "call", at="2026-05-01", next="2026-05-02")
    assert customer_times(customer) == (parse_when("2026-05-10T15:00"), parse_when("2026-05-13"))
    assert Followup.select().where(Followup.customer == customer).count() == 2


def test_next_followup_rules():
    t = [datetime(2026, 1, d) for d in range(1, 10)]
    assert next_followup(None, None, t[1], t[5]) == t[5]
    assert next_followup(t[1], t[3], t[2], None) == t[3]  # the plan is still ahead
    assert next_followup(t[1], t[3], t[4], None) is None  # the due follow-up happened
    assert next_followup(t[4], t[6], t[2], t[3]) == t[6]  # back-dated: the newer plan stands
    assert next_followup(t[4], None, t[2], t[3]) == t[3]  # back-dated fills an empty plan


def test_the_customer_update_is_in_the_same_transaction(team, pinned, monkeypatch):
    wang = as_user("wang")
    customer = add_customer(wang, "宏达")
    before = database_state()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("crmtui.store.kernel.audit.record", broken)
    with pytest.raises(RuntimeError):
        log_followup(wang, customer, next="+1d")
    assert database_state() == before
    assert customer_times(customer) == (None, None)
    assert db.obj.in_transaction() is False


def test_reps_log_on_their_own_managers_on_their_teams(team, pinned):
    wang_customer = add_customer(as_user("wang"), "王的客户")
    zhang_customer = add_customer(as_user("zhang"), "张的客户")
    before = database_state()
    with pytest.raises(NotPermitted):
        log_followup(as_user("wang"), zhang_customer)
    assert database_state() == before
    log_followup(as_user("li.na"), zhang_customer, "meeting", "coaching")
    with pytest.raises(NotPermitted):
        log_followup(as_user("zhao"), wang_customer)
    mine = list_followups(as_user("zhang"))
    assert [(f.customer, f.user, f.type) for f in mine] == [("张的客户", "li.na", "meeting")]
    assert list_followups(as_user("wang")) == []


def test_list_filters(team, pinned, cli):
    wang = as_user("wang")
    customer = add_customer(wang, "宏达")
    log_followup(wang, customer, "call", at="2026-05-01T09:00")
    log_followup(wang, customer, "visit", at="2026-05-08T09:00", next="2026-05-10T17:00")
    log_followup(as_user("li.na"), customer, "wechat", at="2026-05-09T09:00")

    def types(**filters):
        return [f.type for f in list_followups(as_user("li.na"), FollowupFilter(**filters))]

    assert types() == ["wechat", "visit", "call"]
    assert types(user="wang") == ["visit", "call"]
    assert types(user="me") == ["wechat"]
    assert types(type="CALL") == ["call"]
    assert types(since="2026-05-08", until="2026-05-08") == ["visit"]
    assert types(customer="宏达", due="today") == ["visit"]
    listed = json.loads(
        cli("followup", "list", "--by", "wang", "--since", "-1w", "--format", "json", user="li.na").stdout
    )
    assert [f["type"] for f in listed] == ["visit"]


def test_cli_log_and_errors(team, pinned, cli, crm):
    add_customer(as_user("wang"), "宏达")
    add_customer(as_user("wang"), "宏达二号")
    add_customer(as_user("zhang"), "张的客户")
    from crmtui.store.customers.contacts import add_contact

    add_contact(as_user("wang"), "宏达", "刘洋")
    logged = cli(
        "followup",
        "log",
        "宏达",
        "--type",
        "visit",
        "--note",
        "好",
        "--next",
        "friday",
        "--contact",
        "刘洋",
        user="wang",
    )
    assert logged.exit_code == 0, logged.stderr
    row = Followup.get_by_id(int(logged.stdout))
    assert (row.type, row.note, row.contact.name) == ("visit", "好", "刘洋")
    assert Customer.get(Customer.name == "宏达").next_followup_at == parse_when("2026-05-15")
    before = database_state()
    cases = [
        (("followup", "log", "宏达", "--next", "the day after never"), 2, "Cannot read the date"),
        (("followup", "log", "宏达", "--at", "+2d"), 2, "in the future"),
        (("followup", "log", "宏达", "--at", "2026-05-09", "--next", "2026-05-08"), 2, "after this one"),
        (("followup", "log", "宏达", "--type", "telepathy"), 2, "Unknown follow-up type"),
        (("followup", "log", "宏", "--note", "x"), 2, "ambiguous"),
        (("followup", "log", "nobody"), 3, "No customer named"),
        (("followup", "log", "99999"), 3, "No customer #99999"),
        (("followup", "log", "张的客户"), 3, "No customer named"),  # out of sight by name: not found
        (("followup", "list", "--since", "whenever"), 2, "Cannot read the date"),
    ]
    for args, code, message in cases:
        result = cli(*args, user="wang")
        assert result.exit_code == code, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    zhang_id = str(Customer.get(Customer.name == "张的客户").id)
    out_of_scope = crm("followup", "log", zhang_id, "--note", "x", user="wang")
    assert out_of_scope.exit_code == 4 and "may not change" in out_of_scope.stderr
    assert database_state() == before
    audit = AuditLog.select().where(AuditLog.entity == "customer", AuditLog.action == "followup").get()
    assert set(json.loads(audit.changes)) == {"last_followup_at", "next_followup_at"}
