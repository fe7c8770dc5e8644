"""Pipelines and stages: the default pipeline, adding/reordering/editing stages, more pipelines, who may change
them, and every refusal with its exit code and the database unchanged."""

import json

import pytest
from conftest import as_user, database_state
from deal_helpers import audits, customers, refused

from crmtui.store.kernel.errors import BadInput, NotPermitted, Refused
from crmtui.store.sales.deals import add_deal
from crmtui.store.sales.pipelines import (
    add_pipeline,
    add_stage,
    default_pipeline,
    edit_stage,
    find_stage,
    list_pipelines,
    list_stages,
)


def names(pipeline=None):
    return [s.name for s in list_stages(as_user("root"), pipeline)]


def test_the_default_pipeline(team):
    assert default_pipeline().name == "Default"
    stages = list_stages(as_user("wang"))
    assert [(s.position, s.name, s.probability, s.kind) for s in stages] == [
        (1, "Lead", 10, "open"),
        (2, "Qualified", 25, "open"),
        (3, "Proposal", 50, "open"),
        (4, "Negotiation", 75, "open"),
        (5, "Won", 100, "won"),
        (6, "Lost", 0, "lost"),
    ]
    assert [(p.name, p.is_default, p.stages) for p in list_pipelines(as_user("wang"))] == [("Default", True, 6)]


def test_adding_placing_and_reordering_stages(team):
    li = as_user("li.na")
    demo = add_stage(li, "Demo", 40, stuck_days=14)
    assert names() == ["Lead", "Qualified", "Proposal", "Negotiation", "Demo", "Won", "Lost"]  # after the last open
    add_stage(li, "Parked", 0, "lost")
    assert names()[-1] == "Parked"
    add_stage(li, "Contacted", 15, position=2)
    assert names()[:3] == ["Lead", "Contacted", "Qualified"]
    edit_stage(li, "Demo", position=4)
    assert names() == ["Lead", "Contacted", "Qualified", "Demo", "Proposal", "Negotiation", "Won", "Lost", "Parked"]
    assert [s.position for s in list_stages(li)] == list(range(1, 10))
    diff = edit_stage(li, demo, name="Product demo", probability=45, stuck_days=0)
    assert diff == {"name": ["Demo", "Product demo"], "probability": [40, 45], "stuck_days": [14, None]}
    assert audits("stage", demo)[-1] == ("edit", diff)
    assert edit_stage(li, "Product demo", probability=45) == {}
    edit_stage(li, "Parked", position=99)  # clamped to the end
    assert names()[-1] == "Parked"


def test_kind_changes_only_while_no_deal_is_in_the_stage(team):
    wang_customer = customers(team)["宏达"]
    add_deal(as_user("wang"), wang_customer, "ERP", "100", stage="Negotiation")
    before = database_state()
    with pytest.raises(Refused, match="holds 1 deal"):
        edit_stage(as_user("root"), "Negotiation", kind="won")
    assert database_state() == before
    assert edit_stage(as_user("root"), "Qualified", kind="lost") == {"kind": ["open", "lost"]}


def test_pipelines_have_their_own_stages(team):
    root = as_user("root")
    renewals = add_pipeline(root, "Renewals")
    assert names("Renewals") == []
    add_stage(root, "Due", 50, pipeline="Renewals", stuck_days=30)
    add_stage(root, "Renewed", 100, "won", pipeline="Renewals")
    add_stage(root, "Churned", 0, "lost", pipeline=renewals)
    assert names("Renewals") == ["Due", "Renewed", "Churned"]
    copied = add_pipeline(as_user("zhao"), "New logos", copy_stages_from="Default")
    assert names(copied) == names()
    listed = {p.name: (p.is_default, p.stages) for p in list_pipelines(as_user("chen"))}
    assert listed == {"Default": (True, 6), "Renewals": (False, 3), "New logos": (False, 6)}
    # Same stage name in two pipelines is fine; each pipeline resolves its own.
    assert find_stage(copied, "Lead").id != find_stage(default_pipeline().id, "Lead").id
    with pytest.raises(Refused, match="belongs to pipeline 'Renewals'"):
        find_stage(default_pipeline().id, "Churned")
    assert audits("pipeline", copied)[0][1]["stages"] == [None, names()]


def test_who_may_shape_pipelines(team):
    before = database_state()
    with pytest.raises(NotPermitted, match="manager or an admin"):
        add_stage(as_user("wang"), "Demo", 40)
    with pytest.raises(NotPermitted):
        edit_stage(as_user("wang"), "Lead", probability=5)
    with pytest.raises(NotPermitted):
        add_pipeline(as_user("zhang"), "Mine")
    assert database_state() == before


def test_store_refusals_leave_nothing(team):
    li = as_user("li.na")
    before = database_state()
    for call, error in [
        (lambda: add_stage(li, "Demo", 140), BadInput),
        (lambda: add_stage(li, "Demo", 40, "maybe"), BadInput),
        (lambda: add_stage(li, "lead", 40), Refused),
        (lambda: add_stage(li, "  ", 40), BadInput),
        (lambda: add_stage(li, "12", 40), BadInput),
        (lambda: add_stage(li, "Demo", 40, stuck_days=-1), BadInput),
        (lambda: add_stage(li, "Demo", 40, position=0), BadInput),
        (lambda: edit_stage(li, "Lead", name="Won"), Refused),
        (lambda: add_pipeline(li, "default"), Refused),
    ]:
        with pytest.raises(error):
            call()
    assert database_state() == before


def test_cli(team, cli):
    listed = json.loads(cli("stage", "list", "--format", "json", user="wang").stdout)
    assert [s["name"] for s in listed][:2] == ["Lead", "Qualified"] and listed[0]["deals"] == 0
    added = cli("stage", "add", "Demo", "--probability", "40", "--position", "3", "--stuck-days", "7", user="li.na")
    assert added.exit_code == 0, added.stderr
    assert find_stage(default_pipeline().id, "Demo").id == int(added.stdout)
    edited = cli("stage", "edit", "Demo", "--probability", "45", "--position", "1", user="li.na")
    assert edited.exit_code == 0 and "probability" in edited.stderr
    assert names()[0] == "Demo"
    assert cli("pipeline", "add", "Renewals", "--copy-stages-from", "Default", user="zhao").exit_code == 0
    assert cli("stage", "add", "Churned", "--kind", "lost", "--pipeline", "Renewals", user="zhao").exit_code == 0
    csv_out = cli("pipeline", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "id,name,is_default,stages,open_deals" and csv_out[2].startswith("2,Renewals,no,8,")
    before = database_state()
    refused(
        cli,
        [
            (("stage", "add", "X", "--probability", "101"), 2, "not a percentage"),
            (("stage", "add", "X", "--kind", "closed"), 2, "Unknown stage kind"),
            (("stage", "add", "Lead"), 5, "has a stage 'Lead' already"),
            (("stage", "edit", "Nowhere", "--probability", "5"), 3, "No stage 'Nowhere' in pipeline 'Default'"),
            (("stage", "edit", "Churned", "--probability", "5"), 5, "belongs to pipeline 'Renewals'"),
            (("stage", "list", "--pipeline", "Nope"), 3, "No pipeline named 'Nope'"),
            (("pipeline", "add", "Renewals"), 5, "exists already"),
            (("pipeline", "add", "X", "--copy-stages-from", "Nope"), 3, "No pipeline named"),
        ],
        user="li.na",
    )
    refused(
        cli, [(("stage", "add", "X"), 4, "manager or an admin"), (("pipeline", "add", "X"), 4, "manager")], user="wang"
    )
    assert database_state() == before
