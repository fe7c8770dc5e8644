"""Customers and contacts: add, list, show, edit, delete, restore; scoping and every error path, on both backends."""

import json

import pytest
from conftest import as_user, database_state
from peewee import fn

from crmtui.store.customers.detail import get_customer_detail
from crmtui.store.customers.records import (
    CustomerFilter,
    _page_plan,
    add_customer,
    count_customers,
    delete_customer,
    edit_customer,
    list_customers,
    restore_customer,
)
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted
from crmtui.store.kernel.models import AuditLog, Customer, CustomerSearchKey, OwnershipEvent


def names(rows):
    return [r.name for r in rows]


def test_a_rep_owns_what_they_add_and_a_manager_adds_to_the_pool(team):
    mine = add_customer(as_user("wang"), "宏达贸易", tier="b", phone="138-0013-8000", tags=["VIP", "vip", " 重点 "])
    pooled = add_customer(as_user("li.na"), "天成实业")
    row = Customer.get_by_id(mine)
    assert (row.owner_id, row.territory_id, row.tier, row.owned_at is not None) == (
        team.ids["wang"],
        team.east,
        "B",
        True,
    )
    assert Customer.get_by_id(pooled).owner_id is None
    assert Customer.get_by_id(pooled).pooled_at is not None
    event = OwnershipEvent.get(OwnershipEvent.customer == mine)
    assert (event.kind, event.to_user_id, event.by_id) == ("create", team.ids["wang"], team.ids["wang"])
    assert not OwnershipEvent.select().where(OwnershipEvent.customer == pooled).exists()
    assert get_customer_detail(as_user("wang"), mine).tags == ["vip", "重点"]
    audit = AuditLog.get(AuditLog.entity == "customer", AuditLog.entity_id == mine)
    assert audit.actor == "wang" and json.loads(audit.changes)["name"] == [None, "宏达贸易"]


def test_territory_defaults_to_the_owners_and_is_required_without_one(team):
    root = as_user("root")
    assert Customer.get_by_id(add_customer(root, "陈氏物流", owner="chen")).territory_id == team.south
    with pytest.raises(BadInput, match="territory"):
        add_customer(root, "无处可去")  # root has no territory and names none
    with pytest.raises(NotPermitted):
        add_customer(as_user("wang"), "华南的客户", territory="华南")
    with pytest.raises(NotPermitted):
        add_customer(as_user("li.na"), "给别人", owner="chen")  # chen is not in li.na's team


def test_a_rep_does_not_see_another_reps_customers(team):
    theirs = add_customer(as_user("zhang"), "张家的客户")
    wang = as_user("wang")
    assert "张家的客户" not in names(list_customers(wang))
    with pytest.raises(NotFound):
        get_customer_detail(wang, str(theirs))
    with pytest.raises(NotFound):
        get_customer_detail(wang, "张家的客户")
    assert "张家的客户" in names(list_customers(as_user("li.na")))
    assert "张家的客户" not in names(list_customers(as_user("zhao")))


def test_list_filters_sort_and_paging(team):
    wang, root = as_user("wang"), as_user("root")
    for name, tier in [("Beta", "A"), ("alpha", "B"), ("Gamma", "A"), ("delta", "E")]:
        add_customer(wang, name, tier=tier, tags=["hot"] if tier == "A" else ())
    add_customer(root, "Pooled", territory="华东")
    assert names(list_customers(wang, CustomerFilter(owner="me"))) == ["Beta", "Gamma", "alpha", "delta"]
    assert names(list_customers(wang, CustomerFilter(owner="pool"))) == ["Pooled"]
    assert names(list_customers(root, CustomerFilter(owner="wang", tier="A,E"), sort="-name")) == [
        "delta",
        "Gamma",
        "Beta",
    ]
    assert names(list_customers(root, CustomerFilter(tag="HOT"))) == ["Beta", "Gamma"]
    assert names(list_customers(root, CustomerFilter(territory="华南"))) == []
    page = list_customers(root, None, sort="id", limit=2, offset=1)
    assert names(page) == ["alpha", "Gamma"]
    assert count_customers(root) == 5 and count_customers(wang, CustomerFilter(tier="A")) == 2
    with pytest.raises(BadInput, match="Unknown sort"):
        list_customers(root, None, sort="shoe size")


def test_stale_and_due_filters(team, monkeypatch):
    wang = as_user("wang")
    monkeypatch.setenv("CRM_NOW", "2026-03-01T10:00")
    old = add_customer(wang, "old friend")
    monkeypatch.setenv("CRM_NOW", "2026-03-20T10:00")
    fresh = add_customer(wang, "new friend")
    Customer.update(next_followup_at=Customer.created_at).where(Customer.id == fresh).execute()
    assert names(list_customers(wang, CustomerFilter(stale_days=14))) == ["old friend"]
    assert names(list_customers(wang, CustomerFilter(due="today"))) == ["new friend"]
    assert names(list_customers(wang, CustomerFilter(due="overdue"))) == []
    monkeypatch.setenv("CRM_NOW", "2026-03-22T10:00")
    assert names(list_customers(wang, CustomerFilter(due="overdue"))) == ["new friend"]
    assert old


def test_edit_keeps_search_text_in_sync_and_is_audited(team):
    wang = as_user("wang")
    customer = add_customer(wang, "Old Name", tags=["cold"])
    diff = edit_customer(
        wang, customer, name="张伟", tier="a", email="ZW@Example.com", add_tags=["vip"], remove_tags=["cold"]
    )
    assert set(diff) == {"name", "tier", "email", "tags"}
    key = CustomerSearchKey.get_by_id(customer).search_text
    assert "zhangwei" in key and "zw@example.com" in key and Customer.get_by_id(customer).tier == "A"
    assert get_customer_detail(wang, customer).tags == ["vip"]
    assert edit_customer(wang, customer, tier="A") == {}
    assert AuditLog.select().where(AuditLog.entity == "customer", AuditLog.action == "edit").count() == 1


def test_delete_hides_and_restore_brings_back(team):
    wang = as_user("wang")
    customer = add_customer(wang, "Fleeting")
    delete_customer(wang, "Fleeting")
    assert names(list_customers(wang)) == []
    assert names(list_customers(wang, CustomerFilter(include_deleted=True))) == ["Fleeting"]
    with pytest.raises(NotFound):
        delete_customer(wang, customer)
    restore_customer(wang, "Fleeting")
    assert names(list_customers(wang)) == ["Fleeting"]
    audits = AuditLog.select(AuditLog.action).where(AuditLog.entity == "customer", AuditLog.entity_id == customer)
    actions = [a for (a,) in audits.order_by(AuditLog.id).tuples()]
    assert actions == ["create", "delete", "restore"]


def test_detail_has_contacts_deals_and_ownership(team, cli):
    assert cli("customer", "add", "华信电子", "--owner", "wang", "--territory", "华东").exit_code == 0
    assert (
        cli("contact", "add", "华信电子", "刘洋", "--title", "采购", "--birthday", "1985-03-08", user="wang").exit_code
        == 0
    )
    from crmtui.store.kernel.models import Deal, Stage

    customer = Customer.get(Customer.name == "华信电子")
    stage = Stage.get(Stage.name == "Proposal")
    Deal.create(customer=customer, pipeline=stage.pipeline_id, stage=stage, title="100 units", amount="1200.50")
    detail = get_customer_detail(as_user("li.na"), "华信电子")
    assert [c.name for c in detail.contacts] == ["刘洋"] and str(detail.contacts[0].birthday) == "1985-03-08"
    assert [(d.title, d.stage, str(d.amount)) for d in detail.deals] == [("100 units", "Proposal", "1200.50")]
    assert [(o.kind, o.to_user, o.by) for o in detail.ownership] == [("create", "wang", "root")]
    shown = json.loads(cli("customer", "show", "华信电子", "--format", "json", user="wang").stdout)
    assert shown["owner"] == "wang" and shown["contacts"][0]["title"] == "采购"


def test_cli_add_list_edit_and_search(team, cli):
    added = cli(
        "customer", "add", "北京华南科技有限公司", "--tier", "B", "--phone", "13800138000", "--tag", "vip", user="wang"
    )
    assert added.exit_code == 0, added.stderr
    customer_id = int(added.stdout)
    listed = json.loads(cli("customer", "list", "--owner", "me", "--format", "json", user="wang").stdout)
    assert [(c["id"], c["tier"], c["tags"]) for c in listed] == [(customer_id, "B", "vip")]
    assert cli("customer", "edit", str(customer_id), "--tier", "A", "--untag", "vip", user="wang").exit_code == 0
    csv = cli("customer", "list", "--text", "bjhn", "--format", "csv", user="wang").stdout.splitlines()
    assert csv[0].startswith("id,name,tier") and csv[1].startswith(f"{customer_id},北京华南科技有限公司,A,wang")
    assert cli("customer", "search", "138001", "--format", "csv", user="wang").stdout.count("\n") == 2


def test_contacts_scoped_and_validated(team, cli):
    wang = as_user("wang")
    add_customer(wang, "Acme")
    add_customer(as_user("zhang"), "Zeta")
    assert cli("contact", "add", "Acme", "Ann", "--email", "ann@acme.com", user="wang").exit_code == 0
    assert cli("contact", "add", "Zeta", "Zed", user="zhang").exit_code == 0
    listed = json.loads(cli("contact", "list", "--format", "json", user="wang").stdout)
    assert [c["name"] for c in listed] == ["Ann"]
    assert cli("contact", "edit", "Ann", "--title", "CEO", user="wang").exit_code == 0
    before = database_state()
    for args, code in [
        (("contact", "add", "Acme", "Bob", "--email", "not-an-email"), 2),
        (("contact", "add", "Acme", "Bob", "--birthday", "someday maybe"), 2),
        (("contact", "add", "Zeta", "Bob"), 3),
        (("contact", "edit", "Zed", "--title", "x"), 3),
    ]:
        result = cli(*args, user="wang")
        assert result.exit_code == code, (args, result.stderr)
    assert database_state() == before


def test_every_error_has_its_exit_code_and_changes_nothing(team, cli):
    wang_id = add_customer(as_user("wang"), "张伟")
    add_customer(as_user("wang"), "张伟明")
    zhang_id = add_customer(as_user("zhang"), "Zhang's own")
    before = database_state()
    cases = [
        (("customer", "show", "99999"), "wang", 3, "No customer #99999"),
        (("customer", "show", "nobody at all"), "wang", 3, "No customer named"),
        (("customer", "edit", "张", "--tier", "A"), "wang", 2, f"#{wang_id} 张伟;"),
        (("customer", "edit", "张伟", "--tier", "X"), "wang", 2, "Unknown tier"),
        (("customer", "add", "x", "--tier", "Z"), "wang", 2, "Unknown tier"),
        (("customer", "add", "x", "--email", "nope"), "wang", 2, "not an email"),
        (("customer", "add", "x", "--phone", "call me"), "wang", 2, "not a phone"),
        (("customer", "add", "   "), "wang", 2, "needs a name"),
        (("customer", "edit", str(zhang_id), "--tier", "A"), "wang", 4, "may not change"),
        (("customer", "delete", str(zhang_id)), "wang", 4, "may not change"),
        (("customer", "show", str(zhang_id)), "wang", 3, "No customer"),
        (("customer", "list", "--due", "someday"), "wang", 2, "Unknown due window"),
        (("customer", "list", "--owner", "ghost"), "wang", 3, "No user"),
        (("customer", "restore", str(wang_id)), "wang", 3, "No deleted customer"),
        (("customer", "search", "  "), "wang", 2, "at least one character"),
        (("customer", "search", ""), "wang", 2, "at least one character"),
        (("customer", "list", "--text", ""), "wang", 2, "at least one character"),
    ]
    for args, user, code, message in cases:
        result = cli(*args, user=user)
        assert result.exit_code == code, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert database_state() == before


def test_the_real_crm_entry_point(team, crm):
    added = crm("customer", "add", "长城物流", "--phone", "+86 139 1234 5678", user="wang")
    assert added.exit_code == 0, added.stderr
    found = crm("customer", "search", "ccwl", "--format", "json", user="wang")
    assert [c["name"] for c in json.loads(found.stdout)] == ["长城物流"]
    refused = crm("customer", "edit", added.stdout.strip(), "--tier", "Q", user="wang")
    assert refused.exit_code == 2 and refused.stderr.startswith("crm: Unknown tier")


def test_a_searchs_pages_keep_the_lists_filters_and_rank_best_first(team):
    wang, root = as_user("wang"), as_user("root")
    for name, tier in [("张伟", "A"), ("张伟明", "B"), ("大张伟科技", "A"), ("张伟物流", "A"), ("小张", "A")]:
        add_customer(wang, name, tier=tier)
    add_customer(root, "张伟贸易公司", territory="华东", tier="A")  # in the pool
    gone = add_customer(wang, "张伟咨询服务中心", tier="A")
    delete_customer(wang, gone)
    tier_a = CustomerFilter(text="zw", tier="A")
    every = names(list_customers(root, tier_a, limit=None))  # all matches ranked in one query
    assert every == ["张伟", "张伟物流", "张伟贸易公司", "大张伟科技"]
    pages = [names(list_customers(root, tier_a, limit=2, offset=offset)) for offset in (0, 2, 4)]
    assert pages == [every[:2], every[2:], []]
    assert names(list_customers(root, CustomerFilter(text="zw", tier="A", owner="pool"), limit=20)) == ["张伟贸易公司"]
    assert names(list_customers(root, CustomerFilter(text="张伟", include_deleted=True, tier="A"), limit=20)) == [
        "张伟",
        "张伟物流",
        "张伟贸易公司",
        "张伟咨询服务中心",
        "大张伟科技",
    ]
    assert names(list_customers(root, CustomerFilter(text="zw"), sort="id", limit=3)) == [
        "张伟",
        "张伟明",
        "大张伟科技",
    ]
    assert count_customers(root, tier_a) == 4
    assert [count_customers(root, tier_a, at_most=n) for n in (0, 3, 4, 10)] == [1, 4, 4, 4]
    with pytest.raises(BadInput, match="at least one character"):
        list_customers(root, CustomerFilter(text="  ", tier="A"), limit=20)


def test_every_page_of_a_reps_list_is_in_the_order_of_a_full_sort(team):
    # 300 customers, names repeating (ties broken by id): wang sees 170 (his 120 and 华东's pool of 50), so on
    # SQLite his first pages walk the sort's index and his last ones gather; chen sees 30 and is always gathered.
    wang, zhang, chen = team.ids["wang"], team.ids["zhang"], team.ids["chen"]
    owners = [(wang, team.east)] * 120 + [(zhang, team.east)] * 100 + [(None, team.east)] * 50
    owners += [(chen, team.south)] * 27 + [(None, team.south)] * 3
    rows = [{"name": f"c{i * 7 % 37:02d}", "owner": o, "territory": t} for i, (o, t) in enumerate(owners)]
    Customer.insert_many(rows).execute()
    first = Customer.select(fn.MIN(Customer.id))
    Customer.update(deleted_at=Customer.created_at).where(Customer.id == first).execute()  # one of wang's, deleted
    pages_asked = [("wang", 0), ("wang", 161), ("chen", 0)]
    plans = [_page_plan(as_user(login), CustomerFilter(), None, offset, 7) for login, offset in pages_asked]
    assert plans == ([None] * 3 if is_postgres() else ["walk", "gather", "gather"])  # PostgreSQL plans by itself
    alive = Customer.select(Customer.id, Customer.name, Customer.owner, Customer.territory)
    every = sorted(alive.where(Customer.deleted_at.is_null()).tuples())
    by_name, by_name_reversed = (sorted(every, key=lambda c: c[1], reverse=r) for r in (False, True))  # ties by id
    expected = {"name": by_name, "-name": by_name_reversed, "id": every, "-id": every[::-1]}
    for login, territory in [("wang", team.east), ("chen", team.south), ("li.na", team.east)]:
        actor = as_user(login)
        seen = {c[0] for c in every if c[2] in actor.team_ids or (c[2] is None and c[3] == territory)}
        for sort, order in expected.items():
            want = [c[0] for c in order if c[0] in seen]
            pages = [list_customers(actor, None, sort, limit=7, offset=offset) for offset in range(0, len(want) + 7, 7)]
            assert [row.id for page in pages for row in page] == want, (login, sort)
