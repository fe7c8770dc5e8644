"""`crm customer dupes` and `crm customer merge`, on both backends."""

import csv
import io
import json

import pytest
from conftest import as_user, database_state

from crmtui.store.customers.dupes import find_dupes, merge
from crmtui.store.kernel import normalize
from crmtui.store.kernel.errors import BadInput, NotPermitted
from crmtui.store.kernel.models import (
    AuditLog,
    Contact,
    Contract,
    Customer,
    CustomerTag,
    Deal,
    Followup,
    OwnershipEvent,
    Pipeline,
    Stage,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华南科技有限公司", "北京华南科技"),
        ("ＡＢＣ 科技股份有限公司", "abc科技"),
        ("Acme Co., Ltd.", "ACME"),
        ("Acme, Inc.", "acme llc"),
        ("上海明远贸易有限责任公司", "上海 明远 贸易"),
    ],
)
def test_company_keys_fold_width_case_spacing_and_suffixes(a, b):
    assert normalize.company_key(a) == normalize.company_key(b)


def test_phone_normal_form():
    assert normalize.phone("+86 138-0013-8000") == normalize.phone("0086 13800138000") == "13800138000"
    assert normalize.phone("hello") is None


def add(name, territory, owner=None, phone=None, email=None):
    return Customer.create(name=name, territory=territory, owner=owner, phone=phone, email=email).id


def test_groups_by_name_phone_email_and_similarity(team):
    wang = team.ids["wang"]
    a = add("北京华南科技有限公司", team.east, wang)
    b = add("北京华南科技", team.east)
    c = add("Shanghai Mingyuan Trading", team.east, wang, phone="+86 139-1234-5678")
    d = add("明远贸易", team.east, phone="13912345678")
    e = add("Hangzhou Westlake Software", team.east, email="it@westlake.cn")
    f = add("Westlake Soft (HZ)", team.east, email="IT@westlake.cn")
    g = add("Guangzhou Pearl River Logistics", team.east)
    h = add("Guangzhou Pearl Rivr Logistics", team.east)  # a typo
    add("Completely Different", team.east)
    groups = {tuple(m.id for m in group.members): group.reasons for group in find_dupes(as_user("root"))}
    assert groups[(a, b)] == ["same name"]
    assert groups[(c, d)] == ["same phone"]
    assert groups[(e, f)] == ["same email"]
    assert groups[(g, h)][0].startswith("similar name")
    assert len(groups) == 4
    assert (g, h) not in {tuple(m.id for m in grp.members) for grp in find_dupes(as_user("root"), similarity=100)}


def test_dupes_are_scoped_to_what_the_actor_sees(team):
    add("Same Name Co", team.east, team.ids["wang"])
    add("Same Name Co", team.south, team.ids["chen"])
    assert len(find_dupes(as_user("root"))) == 1
    assert find_dupes(as_user("wang")) == []


def test_dupes_command(team, cli):
    add("Acme Co., Ltd.", team.east)
    add("ACME", team.east)
    result = cli("customer", "dupes", "-f", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["group"], r["name"], r["why"]) for r in rows] == [
        ("1", "Acme Co., Ltd.", "same name"),
        ("1", "ACME", "same name"),
    ]
    assert cli("customer", "dupes", "--similarity", "20").exit_code == 2


def test_merge_moves_everything_and_keeps_history(team, cli):
    wang, zhang = team.ids["wang"], team.ids["zhang"]
    keep = add("Acme", team.east, wang)
    other = add("ACME Ltd", team.east, zhang, phone="13800138000", email="x@acme.cn")
    Contact.create(customer=other, name="李雷")
    Followup.create(customer=other, user=zhang, note="call")
    Deal.create(customer=other, pipeline=Pipeline.get(), stage=Stage.get(Stage.name == "Lead"), title="D")
    Contract.create(customer=other, number="HT-9")
    CustomerTag.create(customer=other, tag="vip")
    result = cli("customer", "merge", str(keep), "ACME Ltd", user="li.na")
    assert result.exit_code == 0, result.stderr
    assert "1 contacts" in result.stderr and "1 deals" in result.stderr
    for model in (Contact, Followup, Deal, Contract):
        assert model.get().customer_id == keep
    kept = Customer.get_by_id(keep)
    assert (kept.phone, kept.email) == ("13800138000", "x@acme.cn")
    assert [t for (t,) in CustomerTag.select(CustomerTag.tag).where(CustomerTag.customer == keep).tuples()] == ["vip"]
    gone = Customer.get_by_id(other)
    assert gone.deleted_at is not None
    event = OwnershipEvent.get(OwnershipEvent.customer == other)
    assert (event.kind, event.from_user_id, event.to_user_id) == ("merge", zhang, wang)
    assert f"merged into #{keep}" in event.reason
    audit = json.loads(AuditLog.get(AuditLog.entity_id == keep, AuditLog.action == "merge").changes)
    assert audit["merged"] == [None, [other]] and audit["moved_deals"] == [None, 1]


def test_merge_refusals_change_nothing(team, cli):
    keep = add("Acme", team.east, team.ids["wang"])
    theirs = add("Acme South", team.south, team.ids["chen"])
    before = database_state()
    assert cli("customer", "merge", str(keep), str(theirs), user="wang").exit_code in (3, 4)
    assert cli("customer", "merge", str(keep), str(keep)).exit_code == 2
    assert database_state() == before
    with pytest.raises(NotPermitted):
        merge(as_user("wang"), keep, [theirs])
    with pytest.raises(BadInput):
        merge(as_user("root"), keep, [])
    assert database_state() == before
