"""The public pool on both backends: rules, claim, release, lock/unlock/transfer, warnings — through the store
and the CLI, every refusal with its exit code and the database unchanged."""

import json
from datetime import timedelta

import pytest
from conftest import as_user, database_state
from pool_helpers import T0, add_customers, events, owners, utc_env, win_deal

from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted, Refused
from crmtui.store.kernel.models import AuditLog, Customer, OwnershipEvent, PoolRules, TierRule
from crmtui.store.pool import claims, owned, rules


@pytest.fixture
def at_t0(monkeypatch):
    """Pin now() to T0; returns a function moving it to T0 + days."""

    def move(days: float = 0):
        monkeypatch.setenv("CRM_NOW", utc_env(T0 + timedelta(days=days)))

    move()
    return move


# --- rules -------------------------------------------------------------------------------------------------


def test_rules_show_defaults_and_set_is_audited(team, cli):
    shown = json.loads(cli("pool", "rules", "show", "--territory", "华东", "--format", "json", user="wang").stdout)
    assert (shown["claim_limit"], shown["owned_cap"], shown["cooldown_days"], shown["warn_days"]) == (20, 300, 7, 3)
    assert shown["cap_counts_won"] is True and shown["keep_won"] is True
    assert {t["tier"]: t["no_followup_days"] for t in shown["tiers"]} == {"A": 30, "B": 21, "C": 14, "D": 10, "E": 7}
    assert all(t["no_deal_days"] is None for t in shown["tiers"])

    done = cli(
        "pool",
        "rules",
        "set",
        "-t",
        "华东",
        "--tier",
        "b",
        "--no-followup-days",
        "off",
        "--no-deal-days",
        "60",
        "--claim-limit",
        "5",
        "--keep-won",
        "no",
        user="li.na",
    )
    assert done.exit_code == 0, done.stderr
    row = TierRule.get(TierRule.territory == team.east, TierRule.tier == "B")
    assert (row.no_followup_days, row.no_deal_days) == (None, 60)
    assert (
        PoolRules.get(PoolRules.territory == team.east).claim_limit,
        PoolRules.get(PoolRules.territory == team.east).keep_won,
    ) == (5, False)
    entry = AuditLog.get(AuditLog.entity == "pool_rules")
    assert (entry.actor, entry.entity_id) == ("li.na", team.east)
    assert json.loads(entry.changes)["tier B no_deal_days"] == [None, 60]
    again = cli("pool", "rules", "set", "-t", "华东", "--claim-limit", "5", user="li.na")
    assert again.exit_code == 0 and "Nothing to change" in again.stderr


def test_rules_refusals(team, cli):
    before = database_state()
    cases = [
        (("-t", "华东", "--claim-limit", "5"), "wang", 4, "Only a manager"),
        (("-t", "华东", "--claim-limit", "5"), "zhao", 4, "does not work in territory 华东"),
        (("-t", "华东", "--no-deal-days", "5"), "li.na", 2, "which tier"),
        (("-t", "华东", "--tier", "F", "--no-deal-days", "5"), "li.na", 2, "Unknown tier"),
        (("-t", "华东", "--keep-won", "maybe"), "li.na", 2, "yes or no"),
        (("-t", "华东", "--owned-cap", "-1"), "li.na", 2, "0 or more"),
        (("-t", "火星", "--owned-cap", "1"), "root", 3, "No territory"),
    ]
    for args, user, code, message in cases:
        result = cli("pool", "rules", "set", *args, user=user)
        assert (result.exit_code, message in result.stderr) == (code, True), (args, result.stderr)
    assert database_state() == before


# --- claim -------------------------------------------------------------------------------------------------


def test_claim_writes_owner_event_and_audit_and_loser_hears_who_won(team, cli, at_t0):
    (first, second) = add_customers(team.east, 2)
    won = cli("pool", "claim", str(first), "--format", "json", user="wang")
    assert won.exit_code == 0, won.stderr
    assert json.loads(won.stdout)[0]["outcome"] == "claimed"
    customer = Customer.get_by_id(first)
    assert (customer.owner_id, customer.owned_at, customer.pooled_at) == (team.ids["wang"], T0, None)
    assert events("claim") == [(first, None, team.ids["wang"], None)]
    assert (
        AuditLog.select()
        .where(AuditLog.entity == "customer", AuditLog.entity_id == first, AuditLog.action == "claim")
        .count()
        == 1
    )

    before = database_state()
    lost = cli("pool", "claim", str(first), "--format", "json", user="zhang")
    assert lost.exit_code == 5
    assert json.loads(lost.stdout)[0] | {"customer_id": 0} == {
        "customer_id": 0,
        "name": "c0",
        "outcome": "refused",
        "reason": "already claimed by wang",
        "owner": "wang",
    }
    assert database_state() == before
    mixed = cli("pool", "claim", str(first), str(second), user="zhang")
    assert mixed.exit_code == 0  # one of two claimed: not every claim was refused
    assert owners()[second] == team.ids["zhang"]


def test_claim_limit_cap_and_cooldown(team, at_t0):
    wang = as_user("wang")
    ids = add_customers(team.east, 6)
    rules.set_rules(as_user("li.na"), "华东", claim_limit=2, owned_cap=3)
    outcomes = claims.claim(wang, [str(i) for i in ids[:3]])
    assert [o.outcome for o in outcomes] == ["claimed", "claimed", "refused"]
    assert "daily limit in 华东 is 2" in outcomes[2].reason
    at_t0(1)  # a new day: the limit resets, the cap (3) binds after one more
    outcomes = claims.claim(wang, [str(i) for i in ids[2:4]])
    assert [o.outcome for o in outcomes] == ["claimed", "refused"]
    assert "you own 3 customers, the cap in 华东 is 3" in outcomes[1].reason

    owned.release(wang, [str(ids[0])], "wrong industry")
    released = Customer.get_by_id(ids[0])
    assert (released.owner_id, released.former_owner_id, released.pooled_at) == (
        None,
        team.ids["wang"],
        T0 + timedelta(days=1),
    )
    assert events("release") == [(ids[0], team.ids["wang"], None, "wrong industry")]
    at_t0(7.9)
    refused = claims.claim(wang, [str(ids[0])])[0]
    assert refused.outcome == "refused" and "7-day cooldown" in refused.reason
    assert claims.claim(as_user("zhang"), [str(ids[5])])[0].claimed  # others are not cooled
    at_t0(8.1)
    assert claims.claim(wang, [str(ids[0])])[0].claimed


def test_cap_counts_won_no_leaves_won_customers_out(team, at_t0):
    owned = add_customers(team.east, 2, owner=team.ids["wang"], owned_at=T0, prefix="own")
    win_deal(owned[0])
    (target,) = add_customers(team.east, 1)
    rules.set_rules(as_user("li.na"), "华东", owned_cap=2)
    assert not claims.claim(as_user("wang"), [str(target)])[0].claimed
    rules.set_rules(as_user("li.na"), "华东", cap_counts_won=False)
    assert claims.claim(as_user("wang"), [str(target)])[0].claimed


def test_claim_next_takes_the_oldest_of_the_tier_and_stops_at_the_limit(team, cli, at_t0):
    c_ids = add_customers(team.east, 3, tier="C")
    a_ids = add_customers(team.east, 5, tier="A", prefix="a")
    add_customers(team.south, 3, tier="A", prefix="south")
    result = cli("pool", "claim", "--next", "2", "--tier", "A", "--format", "json", user="wang")
    assert result.exit_code == 0, result.stderr
    assert [o["customer_id"] for o in json.loads(result.stdout)] == a_ids[:2]
    rules.set_rules(as_user("li.na"), "华东", claim_limit=4)
    outcomes = claims.claim(as_user("wang"), next_count=5)
    assert [o.customer_id for o in outcomes if o.claimed] == [*c_ids[:2]]
    assert (outcomes[-1].outcome, outcomes[-1].reason) == ("refused", "3 not claimed: the daily limit or the owned cap")
    before = database_state()
    assert cli("pool", "claim", "--next", "1", user="wang").exit_code == 5
    assert database_state() == before


def test_claim_refusals(team, cli, at_t0):
    (south,) = add_customers(team.south, 1, prefix="south")
    add_customers(team.east, 2, prefix="same")
    before = database_state()
    cases = [
        (("pool", "claim", str(south)), "wang", 3, "No customer"),
        (("pool", "claim", "same"), "wang", 2, "ambiguous"),
        (("pool", "claim"), "wang", 2, "--next"),
        (("pool", "claim", "same0", "--next", "2"), "wang", 2, "not both"),
        (("pool", "claim", "--next", "0"), "wang", 2, "1 or more"),
        (("pool", "claim", "--next", "1", "--territory", "华南"), "wang", 4, "does not work"),
    ]
    for args, user, code, message in cases:
        result = cli(*args, user=user)
        assert (result.exit_code, message in result.stderr) == (code, True), (args, result.stderr)
    assert database_state() == before


# --- release, lock, transfer -------------------------------------------------------------------------------


def test_release_refusals_change_nothing(team, cli, at_t0):
    (mine,) = add_customers(team.east, 1, owner=team.ids["wang"], owned_at=T0, prefix="mine")
    (theirs,) = add_customers(team.east, 1, owner=team.ids["zhang"], owned_at=T0, prefix="theirs")
    (pooled,) = add_customers(team.east, 1, prefix="pooled")
    before = database_state()
    cases = [
        (("pool", "release", str(mine)), "wang", 2, "Say why"),
        (("pool", "release", str(mine), str(pooled), "--reason", "x"), "li.na", 5, "in the pool already"),
        (("pool", "release", str(theirs), "--reason", "x"), "wang", 4, "may not change"),
    ]
    for args, user, code, message in cases:
        result = cli(*args, user=user)
        assert (result.exit_code, message in result.stderr) == (code, True), (args, result.stderr)
    assert database_state() == before
    assert cli("pool", "release", str(mine), "--reason", "moved away", user="wang").exit_code == 0
    assert owners()[mine] is None


def test_lock_unlock_transfer(team, cli, at_t0):
    (customer,) = add_customers(team.east, 1, owner=team.ids["wang"], owned_at=T0)
    before = database_state()
    assert cli("customer", "lock", str(customer), user="wang").exit_code == 4
    assert cli("customer", "transfer", str(customer), "--to", "chen", user="root").exit_code == 2
    assert cli("customer", "transfer", str(customer), "--to", "wang", user="li.na").exit_code == 5
    assert cli("customer", "transfer", str(customer), "--to", "zhang", user="zhao").exit_code == 4
    assert database_state() == before

    assert cli("customer", "lock", str(customer), user="li.na").exit_code == 0
    assert Customer.get_by_id(customer).locked
    assert "already" in cli("customer", "lock", str(customer), user="li.na").stderr
    assert AuditLog.select().where(AuditLog.action == "lock").count() == 1
    moved = cli("customer", "transfer", str(customer), "--to", "zhang", "--reason", "leave", user="li.na")
    assert moved.exit_code == 0, moved.stderr
    assert owners()[customer] == team.ids["zhang"]
    assert events("transfer") == [(customer, team.ids["wang"], team.ids["zhang"], "leave")]
    assert cli("customer", "unlock", str(customer), user="li.na").exit_code == 0
    assert not Customer.get_by_id(customer).locked

    rules.set_rules(as_user("li.na"), "华东", owned_cap=1)
    add_customers(team.east, 1, owner=team.ids["wang"], owned_at=T0, prefix="other")
    before = database_state()
    capped = cli("customer", "transfer", str(customer), "--to", "wang", user="li.na")
    assert (capped.exit_code, "cap is 1" in capped.stderr) == (5, True)
    assert database_state() == before


def test_pool_list_shows_days_in_pool_and_former_owner(team, cli, at_t0):
    (customer,) = add_customers(team.east, 1, owner=team.ids["wang"], owned_at=T0)
    add_customers(team.south, 1, prefix="south")
    owned.release(as_user("wang"), [str(customer)], "no budget")
    at_t0(4.5)
    rows = json.loads(cli("pool", "list", "--format", "json", user="zhang").stdout)
    assert [(r["id"], r["days_in_pool"], r["former_owner"]) for r in rows] == [(customer, 4, "wang")]
    assert len(json.loads(cli("pool", "list", "--format", "json", user="root").stdout)) == 2
    assert json.loads(cli("pool", "list", "-t", "华南", "--format", "json", user="root").stdout)[0]["name"] == "south0"


def test_every_ownership_change_has_an_event_and_an_audit_row(team, at_t0):
    ids = add_customers(team.east, 3)
    wang = as_user("wang")
    claims.claim(wang, [str(ids[0])])
    owned.release(wang, [str(ids[0])], "r")
    owned.transfer(as_user("li.na"), str(ids[1]), "zhang")
    for customer_id in ids[:2]:
        kinds = [
            k
            for (k,) in OwnershipEvent.select(OwnershipEvent.kind)
            .where(OwnershipEvent.customer == customer_id)
            .order_by(OwnershipEvent.id)
            .tuples()
        ]
        audited = [
            a
            for (a,) in AuditLog.select(AuditLog.action)
            .where(AuditLog.entity == "customer", AuditLog.entity_id == customer_id)
            .order_by(AuditLog.id)
            .tuples()
        ]
        assert kinds == audited


def test_store_errors_are_typed(team, at_t0):
    with pytest.raises(BadInput):
        claims.claim(as_user("root"), [])
    with pytest.raises(NotFound):
        claims.claim(as_user("wang"), ["nobody"])
    with pytest.raises(NotPermitted):
        owned.set_locked(as_user("wang"), "x", True)
    (customer,) = add_customers(team.east, 1)
    with pytest.raises(Refused):
        owned.release(as_user("li.na"), [str(customer)], "r")
