"""Reclaim and warnings on both backends: exactly the right customers go back (tiers, locks, won deals,
follow-ups logged after claiming, no-deal days), a second run changes nothing, dry runs write nothing, and a
held lock is exit 6."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import PG_URL, as_user, database_state
from pool_helpers import T0, add_customers, events, owners, utc_env, win_deal

from crmtui.store.customers.followups import log_followup
from crmtui.store.kernel.models import AuditLog, Customer
from crmtui.store.pool import claims, rules, warnings
from crmtui.store.pool.reclaim import reclaim


def days(n: float):
    return T0 - timedelta(days=n)


@pytest.fixture
def now_at(monkeypatch):
    def move(moment):
        monkeypatch.setenv("CRM_NOW", utc_env(moment))

    move(T0)
    return move


@pytest.fixture
def scene(team, now_at):
    """Customers of every kind, named by what should happen to them at T0."""
    wang, zhang, chen = team.ids["wang"], team.ids["zhang"], team.ids["chen"]

    def one(name, owner, territory=team.east, **fields):
        return add_customers(territory, 1, owner=owner, prefix=name, **fields)[0]

    ids = {
        "C stale": one("C stale", wang, tier="C", owned_at=days(20)),
        "C followed up": one("C followed up", wang, tier="C", owned_at=days(20), last_followup_at=days(5)),
        "C claimed lately": one("C claimed lately", wang, tier="C", owned_at=days(5), last_followup_at=days(30)),
        "A young": one("A young", wang, tier="A", owned_at=days(20)),
        "A stale": one("A stale", zhang, tier="A", owned_at=days(31)),
        "C locked": one("C locked", wang, tier="C", owned_at=days(20), locked=True),
        "C won": one("C won", wang, tier="C", owned_at=days(20)),
        "C deleted": one("C deleted", wang, tier="C", owned_at=days(20), deleted_at=days(1)),
        "E stale": one("E stale", zhang, tier="E", owned_at=days(8)),
        "south stale": one("south stale", chen, territory=team.south, tier="C", owned_at=days(20)),
        "pool": one("pool", None, tier="E"),
    }
    win_deal(ids["C won"])
    return ids


RECLAIMED_AT_T0 = {"C stale", "A stale", "E stale", "south stale"}


def test_reclaim_takes_exactly_the_stale_and_names_the_rule(team, scene):
    before_owners = owners()
    result = reclaim(as_user("root"))
    assert result.total == 4
    assert [(r.territory, r.owner, r.reclaimed) for r in result.rows] == [
        ("华东", "wang", 1),
        ("华东", "zhang", 2),
        ("华南", "chen", 1),
    ]
    after = owners()
    gone = {name for name, cid in scene.items() if before_owners[cid] is not None and after[cid] is None}
    assert gone == RECLAIMED_AT_T0
    reasons = {cid: reason for cid, _, _, reason in events("reclaim")}
    assert reasons[scene["C stale"]] == "no follow-up for 14 days (tier C)"
    assert reasons[scene["A stale"]] == "no follow-up for 30 days (tier A)"
    stale = Customer.get_by_id(scene["C stale"])
    assert (stale.former_owner_id, stale.pooled_at, stale.owned_at) == (team.ids["wang"], T0, None)
    audited = AuditLog.select().where(AuditLog.action == "reclaim", AuditLog.actor == "root")
    assert sorted(a.entity_id for a in audited) == sorted(scene[n] for n in RECLAIMED_AT_T0)
    assert json.loads(audited.where(AuditLog.entity_id == scene["C stale"]).get().changes) == {
        "owner": [team.ids["wang"], None]
    }

    before = database_state()
    again = reclaim(as_user("root"))
    assert (again.total, database_state() == before) == (0, True)


def test_dry_run_writes_nothing_and_territory_and_manager_scope(team, scene, cli):
    before = database_state()
    dry = reclaim(as_user("root"), dry_run=True)
    assert (dry.total, database_state() == before) == (4, True)
    result = cli("reclaim", "--dry-run", "--format", "json", user="li.na")  # a manager: their territories only
    assert json.loads(result.stdout) == [
        {"territory": "华东", "owner": "wang", "reclaimed": 1},
        {"territory": "华东", "owner": "zhang", "reclaimed": 2},
    ]
    assert "Would reclaim 3 customers" in result.stderr
    refused = [
        (("reclaim",), "wang", 4),
        (("reclaim", "-t", "华南"), "li.na", 4),
        (("reclaim", "-t", "火星"), "root", 3),
    ]
    for args, user, code in refused:
        assert cli(*args, user=user).exit_code == code
    assert database_state() == before
    quiet = cli("reclaim", "-t", "华东", "--quiet", user="li.na")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert owners()[scene["south stale"]] == team.ids["chen"] and owners()[scene["C stale"]] is None


def test_followups_after_claiming_keep_a_customer_and_time_moves_on(team, now_at):
    (customer,) = add_customers(team.east, 1, tier="C")
    now_at(days(20))
    assert claims.claim(as_user("wang"), [str(customer)])[0].claimed
    now_at(days(10))
    log_followup(as_user("wang"), str(customer), note="called")
    now_at(T0)  # 20 days owned but followed up 10 days ago: kept
    assert reclaim(as_user("root")).total == 0
    now_at(T0 + timedelta(days=4, hours=1))  # the follow-up is now more than 14 days old
    assert reclaim(as_user("root")).total == 1
    assert owners()[customer] is None


def test_keep_won_off_and_no_deal_days(team, scene, now_at):
    manager = as_user("li.na")
    rules.set_rules(manager, "华东", keep_won=False)
    rules.set_rules(manager, "华东", tier="A", no_followup_days=0, no_deal_days=15)
    reclaim(as_user("root"))
    reasons = {cid: reason for cid, _, _, reason in events("reclaim")}
    assert reasons[scene["C won"]] == "no follow-up for 14 days (tier C)"
    assert reasons[scene["A young"]] == "no won deal in 15 days (tier A)"
    assert scene["C locked"] not in reasons and scene["C followed up"] not in reasons


def test_cooldown_after_reclaim(team, scene, now_at):
    reclaim(as_user("root"))
    stale = str(scene["C stale"])
    now_at(T0 + timedelta(days=6))
    refused = claims.claim(as_user("wang"), [stale])[0]
    assert refused.outcome == "refused" and "cooldown" in refused.reason
    now_at(T0 + timedelta(days=7, seconds=1))
    assert claims.claim(as_user("wang"), [stale])[0].claimed


def test_warn_lists_what_is_due_within_warn_days(team, cli, now_at):
    wang = team.ids["wang"]
    due_soon = add_customers(team.east, 1, owner=wang, tier="C", owned_at=days(12), prefix="soon")[0]
    overdue = add_customers(team.east, 1, owner=wang, tier="C", owned_at=days(15), prefix="overdue")[0]
    add_customers(team.east, 1, owner=wang, tier="C", owned_at=days(10), prefix="later")
    add_customers(team.east, 1, owner=wang, tier="C", owned_at=days(12), prefix="locked", locked=True)
    add_customers(team.east, 1, owner=team.ids["zhang"], tier="C", owned_at=days(12), prefix="zhang's")
    rows = warnings.warn(as_user("wang"))
    assert [(r.id, r.days_left, r.due_at, r.rule) for r in rows] == [
        (overdue, 0, days(1), "no follow-up for 14 days (tier C)"),
        (due_soon, 2, T0 + timedelta(days=2), "no follow-up for 14 days (tier C)"),
    ]
    shown = json.loads(cli("pool", "warn", "--user", "wang", "--format", "json", user="li.na").stdout)
    assert [r["name"] for r in shown] == ["overdue0", "soon0"]
    before = database_state()
    assert cli("pool", "warn", "--user", "wang", user="zhang").exit_code == 4
    assert database_state() == before


def _hold_pg_lock(url: str):
    import psycopg

    schema = parse_qs(urlparse(url).query)["schema"][0]
    conn = psycopg.connect(PG_URL, autocommit=True)
    conn.execute(f'SET search_path TO "{schema}"')
    conn.execute("SELECT pg_advisory_lock(hashtext(current_schema() || ':crm-reclaim'))")
    return conn


def test_reclaim_while_another_holds_the_lock_is_exit_6(team, scene, crm, store):
    from filelock import FileLock

    from crmtui.store.kernel.config import sqlite_path

    before = database_state()
    path = sqlite_path(store)
    if path:
        holder = FileLock(path + ".reclaim.lock")
        holder.acquire()
    else:
        holder = _hold_pg_lock(store)
    try:
        result = crm("reclaim", env={"CRM_NOW": utc_env(T0)})
    finally:
        holder.release() if path else holder.close()
    assert (result.exit_code, result.stderr) == (
        6,
        "crm: Another reclaim is running on this database; try again when it has finished.\n",
    )
    assert database_state() == before
    done = crm("reclaim", "--quiet", env={"CRM_NOW": utc_env(T0)})
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")
