"""Repurchase (due to buy again) and churn (at risk): the rules at their day boundaries, settings, scope, the CLI."""

import json

import pytest
from aftersales_helpers import age, contract
from conftest import as_user, database_state

from crmtui.store.customers.lifecycle import at_risk, due_to_buy_again
from crmtui.store.customers.records import CustomerFilter, add_customer, delete_customer, list_customers
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.models import Customer
from crmtui.store.kernel.settings import set_setting

NOW = "2026-11-22T12:00"  # repurchase_days 365 puts the line at 2025-11-22; risk_days 90 at 2026-08-24 12:00


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("CRM_NOW", NOW)


def names(condition):
    query = Customer.select(Customer.name).where(condition, Customer.deleted_at.is_null()).order_by(Customer.name)
    return [n for (n,) in query.tuples()]


def rep_customers(*names_):
    wang = as_user("wang")
    ids = {}
    for name in names_:
        ids[name] = add_customer(wang, name)
        age(ids[name], "2020-01-01")
    return ids


def test_due_to_buy_again_at_the_day_boundaries(team, pinned):
    c = rep_customers("a364", "b365", "c366", "d-newer", "e-draft", "f-deleted", "g-none", "h-unsigned", "i-ended")
    contract(c["a364"], "2025-11-23")
    contract(c["b365"], "2025-11-22")
    contract(c["c366"], "2025-11-21")
    contract(c["d-newer"], "2024-01-01")
    contract(c["d-newer"], "2026-06-01")  # the latest contract decides
    contract(c["e-draft"], "2024-01-01", status="draft")
    contract(c["f-deleted"], "2024-01-01", deleted=True)
    contract(c["h-unsigned"], None, created="2025-11-21T15:00")  # 366 days less 3 hours old
    contract(c["i-ended"], "2024-01-01", status="terminated")
    assert names(due_to_buy_again(now())) == ["b365", "c366", "h-unsigned", "i-ended"]
    set_setting(as_user("root"), "repurchase_days", "366")
    assert names(due_to_buy_again(now())) == ["c366", "i-ended"]
    set_setting(as_user("root"), "repurchase_days", 180)
    assert names(due_to_buy_again(now())) == ["a364", "b365", "c366", "h-unsigned", "i-ended"]


def test_at_risk_at_the_day_boundaries(team, pinned):
    wang = as_user("wang")
    made = {}
    for name, created, followup in [
        ("young-89", "2026-08-25T12:00", None),  # younger than risk_days: not at risk yet
        ("old-90", "2026-08-24T12:00", None),
        ("followed-89", "2020-01-01", "2026-08-25T12:00"),
        ("followed-91", "2020-01-01", "2026-08-23T12:00"),
        ("signed-89", "2020-01-01", None),
        ("signed-90", "2020-01-01", None),
        ("draft-only", "2020-01-01", None),
    ]:
        made[name] = add_customer(wang, name)
        age(made[name], created, followup)
    contract(made["signed-89"], "2026-08-25")
    contract(made["signed-90"], "2026-08-24")
    contract(made["draft-only"], "2026-11-01", status="draft")
    assert names(at_risk(now())) == ["draft-only", "followed-91", "old-90", "signed-90"]
    set_setting(as_user("root"), "risk_days", "89")
    assert names(at_risk(now())) == [
        "draft-only",
        "followed-89",
        "followed-91",
        "old-90",
        "signed-89",
        "signed-90",
        "young-89",
    ]


def test_the_conditions_compose_with_scope_paging_and_deleted(team, pinned):
    wang_ids = rep_customers("w1", "w2", "w3")
    chen = add_customer(as_user("chen"), "c1")
    age(chen, "2020-01-01")
    for customer in [*wang_ids.values(), chen]:
        contract(customer, "2024-05-01")
    delete_customer(as_user("wang"), wang_ids["w3"])
    flt = CustomerFilter(lifecycle="due-to-buy")
    assert [r.name for r in list_customers(as_user("wang"), flt)] == ["w1", "w2"]
    assert [r.name for r in list_customers(as_user("root"), flt, limit=2, offset=1)] == ["w1", "w2"]
    assert [r.name for r in list_customers(as_user("zhao"), CustomerFilter(lifecycle="at-risk"))] == ["c1"]


def test_customer_list_lifecycle_through_the_cli(team, cli):
    ids = rep_customers("老客户", "新客户")
    contract(ids["老客户"], "2025-11-22")
    contract(ids["新客户"], "2025-11-23")
    at = {"CRM_NOW": NOW}
    result = cli("customer", "list", "--lifecycle", "due-to-buy", "--format", "json", user="wang", env=at)
    assert result.exit_code == 0, result.stderr
    assert [r["name"] for r in json.loads(result.stdout)] == ["老客户"]
    day_before = cli(
        "customer", "list", "--lifecycle", "due-to-buy", "-f", "csv", user="wang", env={"CRM_NOW": "2026-11-21T12:00"}
    )
    assert day_before.exit_code == 0
    assert day_before.stdout.startswith("id,name,") and day_before.stdout.count("\n") == 1  # the header, no customer
    day_after = cli(
        "customer", "list", "--lifecycle", "due-to-buy", "-f", "jsonl", user="wang", env={"CRM_NOW": "2026-11-23T12:00"}
    )
    assert [json.loads(line)["name"] for line in day_after.stdout.splitlines()] == ["新客户", "老客户"]
    risky = cli("customer", "list", "--lifecycle", "at-risk", "-f", "json", user="wang", env=at)
    assert [r["name"] for r in json.loads(risky.stdout)] == ["新客户", "老客户"]  # no order within risk_days
    contract(ids["新客户"], "2026-10-01")
    risky = cli("customer", "list", "--lifecycle", "at-risk", "-f", "json", user="wang", env=at)
    assert [r["name"] for r in json.loads(risky.stdout)] == ["老客户"]


def test_an_unknown_lifecycle_is_bad_usage(team, cli):
    rep_customers("w1")
    before = database_state()
    result = cli("customer", "list", "--lifecycle", "churned", user="wang")
    assert result.exit_code == 2
    assert result.stderr.strip() == "crm: Unknown lifecycle 'churned': use one of due-to-buy, at-risk."
    assert result.stdout == ""
    assert database_state() == before
