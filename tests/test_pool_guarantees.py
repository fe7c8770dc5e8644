"""The pool's guarantees under stress, on both backends, through the real `crm` entry point in real processes:
concurrent claims never double-assign nor pass a cap or limit, and a killed assign or reclaim leaves no
half-done batch."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter

from conftest import CRM_SCRIPT, as_user
from pool_helpers import T0, add_customers, utc_env

from crmtui.store.kernel.config import sqlite_path
from crmtui.store.kernel.models import AuditLog, Customer, OwnershipEvent, User
from crmtui.store.org.users import add_user
from crmtui.store.pool import rules


def _spawn(store: str, user: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CRM_DB": store, "CRM_USER": user, "CRM_NOW": utc_env(T0)}
    return subprocess.Popen(
        [str(CRM_SCRIPT), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_concurrent_claims_have_one_winner_each_and_respect_caps_and_limits(team, store):
    root = as_user("root")
    for login in ("sun", "qian"):
        add_user(root, login, "rep", territory="华东", manager="li.na")
    rules.set_rules(root, "华东", claim_limit=90, owned_cap=100)
    for login in ("wang", "zhang"):  # these two hit the cap (15 + 85) before the daily limit
        add_customers(team.east, 15, owner=team.ids[login], owned_at=T0, prefix=f"{login}-own")
    pool = add_customers(team.east, 500)
    expected = {"wang": 85, "zhang": 85, "sun": 90, "qian": 90}
    reps = [login for login in expected for _ in range(2)]  # two processes per rep: same-rep races count too
    processes = []
    for seed, login in enumerate(reps):
        order = [str(i) for i in pool]
        random.Random(seed).shuffle(order)
        processes.append((login, _spawn(store, login, "pool", "claim", *order, "--format", "json")))
    results = []
    for login, process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode in (0, 5), err
        results.append((login, json.loads(out)))

    logins = dict(User.select(User.id, User.login).tuples())
    owner_of = {
        cid: logins.get(owner)
        for cid, owner in Customer.select(Customer.id, Customer.owner).where(Customer.id.in_(pool)).tuples()
    }
    claims = list(
        OwnershipEvent.select(OwnershipEvent.customer, OwnershipEvent.to_user)
        .where(OwnershipEvent.kind == "claim")
        .tuples()
    )
    assert len(claims) == len({cid for cid, _ in claims}) == sum(expected.values())  # one claim event per customer
    assert all(owner_of[cid] == logins[to] for cid, to in claims)
    assert sum(1 for owner in owner_of.values() if owner) == len(claims)
    owned_now = {login: sum(1 for o in owner_of.values() if o == login) for login in expected}
    assert owned_now == expected  # each rep stopped exactly at its cap or its daily limit
    audited = AuditLog.select().where(AuditLog.action == "claim").count()
    assert audited == len(claims)
    for login, outcomes in results:
        assert len(outcomes) == len(pool)
        for outcome in outcomes:
            owner = owner_of[outcome["customer_id"]]
            if outcome["outcome"] == "claimed":
                assert owner == login
            elif outcome["reason"].startswith("already claimed by "):
                assert outcome["reason"] == f"already claimed by {owner}" and outcome["owner"] == owner != login
            elif outcome["reason"] == "you own it already":
                assert owner == login
            else:
                assert (
                    "the cap in 华东 is 100" in outcome["reason"]
                    or "the daily limit in 华东 is 90" in outcome["reason"]
                )


def test_concurrent_claim_next_never_hands_out_a_customer_twice(team, store):
    root = as_user("root")
    add_user(root, "sun", "rep", territory="华东", manager="li.na")
    rules.set_rules(root, "华东", claim_limit=50)
    pool = add_customers(team.east, 400)
    processes = [
        _spawn(store, login, "pool", "claim", "--next", "40", "--format", "json")
        for login in ("wang", "zhang", "sun") * 2
    ]
    claimed = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode in (0, 5), err
        claimed += [o["customer_id"] for o in json.loads(out) if o["outcome"] == "claimed"]
    assert len(claimed) == len(set(claimed)) == 150  # 3 reps x the daily limit of 50, none twice
    events = list(OwnershipEvent.select(OwnershipEvent.customer).where(OwnershipEvent.kind == "claim").tuples())
    assert sorted(c for (c,) in events) == sorted(claimed) and set(claimed) <= set(pool)
    per_rep = Customer.select(Customer.owner).where(Customer.owner.is_null(False)).tuples()
    assert sorted(Counter(o for (o,) in per_rep).values()) == [50, 50, 50]


def _batch_is_whole(kind: str, expected_sizes: set[int]) -> int:
    """The events, audit rows and customers of KIND agree, and their number is one of EXPECTED_SIZES."""
    moved = OwnershipEvent.select().where(OwnershipEvent.kind == kind).count()
    audited = AuditLog.select().where(AuditLog.entity == "customer", AuditLog.action == kind).count()
    assert moved == audited and moved in expected_sizes, (kind, moved, audited)
    return moved


def _writing(store: str) -> bool:
    """Whether some other connection is inside a write transaction (SQLite) or a batch statement (PostgreSQL)."""
    path = sqlite_path(store)
    if path:
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # locked: the writer holds its transaction open
            return True
        finally:
            probe.close()
    from crmtui.store.kernel.db import db

    query = (
        "SELECT COUNT(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active'"
        " AND (query LIKE %s OR query LIKE %s)"
    )
    patterns = ("%UPDATE%customer%", "INSERT INTO crm_ownership_batch%")  # the move (a CTE on reclaim), the fill
    return db.execute_sql(query, patterns).fetchone()[0] > 0


def _kill_mid_run(process: subprocess.Popen, store: str) -> bool:
    """SIGKILL PROCESS once it is writing (or when it ends first); True if it was caught mid-run."""
    caught = False
    while process.poll() is None and not caught:
        caught = _writing(store)
        time.sleep(0.1 if caught else 0.01)  # once inside, let it get well into the batch
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return caught and process.returncode == -signal.SIGKILL


def test_killed_assign_and_reclaim_leave_no_half_done_batch(team, store):
    size = 40_000
    rules.set_rules(as_user("root"), "华东", owned_cap=size)
    add_customers(team.east, size)
    owned = lambda: Customer.select().where(Customer.owner.is_null(False)).count()  # noqa: E731
    caught = _kill_mid_run(_spawn(store, "li.na", "pool", "assign", "-t", "华东", "--strategy", "even"), store)
    given = _batch_is_whole("assign", {0} if caught else {0, size})
    assert owned() == given
    assert caught, "the assign ended before it could be killed mid-run; make the batch bigger"
    done = _spawn(store, "li.na", "pool", "assign", "-t", "华东", "--strategy", "even")
    assert done.wait(timeout=120) == 0, done.stderr.read()
    assert _batch_is_whole("assign", {size}) and owned() == size

    later = {**os.environ, "CRM_DB": store, "CRM_USER": "root", "CRM_NOW": utc_env(T0.replace(year=T0.year + 1))}
    caught = _kill_mid_run(subprocess.Popen([str(CRM_SCRIPT), "reclaim", "--quiet"], env=later), store)
    taken = _batch_is_whole("reclaim", {0} if caught else {0, size})
    assert owned() == size - taken
    assert caught, "the reclaim ended before it could be killed mid-run; make the batch bigger"
