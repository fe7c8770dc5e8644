"""Batch assignment on both backends: properties (hypothesis) for any mix of reps, caps and pool sizes, the
round-robin rotation, refusals, and the CLI."""

import itertools
import json
import random

from conftest import as_user, database_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pool_helpers import add_customers, events, owners

from crmtui.store.kernel.models import Customer, PoolRules
from crmtui.store.org.territories import add_territory
from crmtui.store.org.users import add_user, edit_user
from crmtui.store.pool import rules
from crmtui.store.pool.assign import STRATEGIES, assign, even_quotas, round_robin_turns, weighted_quotas

_names = itertools.count()

rep_spec = st.tuples(
    st.sampled_from([True, True, True, False]), st.integers(0, 10)
)  # (active, customers owned already)
scenario = st.fixed_dictionaries(
    {
        "reps": st.lists(rep_spec, min_size=1, max_size=6),
        "cap": st.integers(1, 30),
        "pool": st.integers(0, 60),
        "bound": st.one_of(st.none(), st.tuples(st.sampled_from(["per_rep", "limit"]), st.integers(1, 20))),
        "strategy": st.sampled_from(STRATEGIES),
        "seed": st.integers(0, 1000),
        "dry_run": st.booleans(),
    }
)


def _setup(spec: dict):
    """A fresh territory (so each example has its own rules) with its reps, their customers and a pool; noise
    around it: another territory's pool and a deleted pool customer must never be given."""
    root = as_user("root")
    n = next(_names)
    name = f"t{n}"
    territory = add_territory(root, name)
    rules.set_rules(root, name, owned_cap=spec["cap"])
    reps = []
    for i, (active, owned) in enumerate(spec["reps"]):
        login = f"r{n}_{i}"
        rep = add_user(root, login, "rep", territory=name)
        add_customers(territory, owned, owner=rep, prefix=f"{login}-own")
        if not active:
            edit_user(root, login, active=False)
        reps.append((login, rep, active, owned))
    pool = add_customers(territory, spec["pool"], prefix=f"{name}-pool")
    add_customers(territory, 1, prefix=f"{name}-deleted", deleted_at=Customer.created_at.default())
    add_customers(add_territory(root, f"{name}-other"), 3, prefix=f"{name}-elsewhere")
    return name, reps, pool


def _check_even(given_: dict, bounds: dict) -> None:
    """Nobody below their bound has more than one customer fewer than anyone else."""
    for a, b in itertools.permutations(bounds, 2):
        assert given_[a] <= given_[b] + 1 or given_[b] == bounds[b], (a, b, given_, bounds)


@settings(max_examples=300, deadline=None)
@given(bounds=st.lists(st.integers(0, 40), min_size=1, max_size=8), wanted=st.integers(0, 400), seed=st.integers(0, 99))
def test_quotas_are_even_and_bounded(bounds, wanted, seed):
    total = min(wanted, sum(bounds))
    names = dict(enumerate(bounds))
    even = even_quotas(bounds, total, random.Random(seed))
    turns = round_robin_turns(bounds, total, seed % len(bounds))
    robin = [turns.count(i) for i in range(len(bounds))]
    weighted = weighted_quotas(bounds, bounds, total)
    for quotas in (even, robin, weighted):
        assert sum(quotas) == total and all(0 <= q <= b for q, b in zip(quotas, bounds))
    _check_even(dict(enumerate(even)), names)
    _check_even(dict(enumerate(robin)), names)
    for a, b in itertools.permutations(range(len(bounds)), 2):  # more room never means fewer (beyond rounding)
        assert bounds[a] < bounds[b] or weighted[a] >= weighted[b] - 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=scenario)
def test_assign_properties(team, spec):
    name, reps, pool = _setup(spec)
    bound_kind, bound = spec["bound"] or (None, None)
    before_owners, before_state = owners(), database_state() if spec["dry_run"] else None
    result = assign(
        as_user("root"),
        name,
        [login for login, *_ in reps],
        per_rep=bound if bound_kind == "per_rep" else None,
        limit=bound if bound_kind == "limit" else None,
        strategy=spec["strategy"],
        seed=spec["seed"],
        dry_run=spec["dry_run"],
    )
    given_ = {row.rep: row.given for row in result.rows}
    cap = spec["cap"]
    caps = {login: (max(0, cap - owned) if active else 0) for login, _, active, owned in reps}
    bounds = {login: min(c, bound) if bound_kind == "per_rep" else c for login, c in caps.items()}
    # Inactive reps and reps at their cap get nothing; nobody passes the cap or --per-rep.
    assert all(given_[login] <= bounds[login] for login in bounds)
    assert all(row.after == row.owned_before + row.given <= max(cap, row.owned_before) for row in result.rows)
    # As many as the pool, --limit and the caps allow.
    wanted = min(len(pool), bound if bound_kind == "limit" else len(pool), sum(bounds.values()))
    assert result.given == sum(given_.values()) == wanted
    if spec["strategy"] in ("even", "round-robin"):
        _check_even(given_, bounds)
    elif bound_kind != "per_rep":  # more room never means fewer customers (beyond rounding)
        for a, b in itertools.permutations(bounds, 2):
            if caps[a] >= caps[b]:
                assert given_[a] >= given_[b] - 1, (given_, caps)
    if spec["dry_run"]:
        assert database_state() == before_state
        return
    after = owners()
    changed = {cid for cid in after if after[cid] != before_owners[cid]}
    assert changed <= set(pool)  # only this territory's live pool customers are given
    ids = {login: rep_id for login, rep_id, *_ in reps}
    assert {login: sum(1 for cid in changed if after[cid] == ids[login]) for login in ids} == given_
    assigned = [e for e in events("assign") if e[0] in changed]
    assert len(assigned) == len(changed)


def test_round_robin_carries_on_where_the_last_run_stopped(team, cli):
    add_user(as_user("root"), "sun", "rep", territory="华东")
    pool = add_customers(team.east, 7)
    first = json.loads(
        cli(
            "pool", "assign", "-t", "华东", "--limit", "2", "--strategy", "round-robin", "-f", "json", user="li.na"
        ).stdout
    )
    assert [(r["rep"], r["given"]) for r in first] == [("wang", 1), ("zhang", 1), ("sun", 0)]
    assert PoolRules.get(PoolRules.territory == team.east).round_robin_last.login == "zhang"
    second = json.loads(
        cli(
            "pool", "assign", "-t", "华东", "--limit", "4", "--strategy", "round-robin", "-f", "json", user="li.na"
        ).stdout
    )
    assert [(r["rep"], r["given"]) for r in second] == [("wang", 1), ("zhang", 1), ("sun", 2)]
    by_id = owners()
    assert [by_id[c] for c in pool[:6]] == [
        team.ids["wang"],
        team.ids["zhang"],
        by_id[pool[2]],
        team.ids["wang"],
        team.ids["zhang"],
        by_id[pool[2]],
    ]


def test_assign_prints_per_rep_and_refusals_change_nothing(team, cli):
    add_customers(team.east, 10)
    add_customers(team.east, 3, owner=team.ids["wang"], prefix="own")
    before = database_state()
    cases = [
        (("-t", "华东"), "wang", 4, "Only a manager"),
        (("-t", "华南"), "li.na", 4, "does not work in territory 华南"),
        (("-t", "华东", "--strategy", "fair"), "li.na", 2, "Unknown strategy"),
        (("-t", "华东", "--per-rep", "2", "--limit", "3"), "li.na", 2, "not both"),
        (("-t", "华东", "--per-rep", "0"), "li.na", 2, "1 or more"),
        (("-t", "华东", "--to", "chen"), "root", 2, "does not work in 华东"),
        (("-t", "华东", "--tier", "Z"), "li.na", 2, "Unknown tier"),
        (("-t", "华东", "--to", "nobody"), "li.na", 3, "No user"),
    ]
    for args, user, code, message in cases:
        result = cli("pool", "assign", *args, user=user)
        assert (result.exit_code, message in result.stderr) == (code, True), (args, result.stderr)
    dry = cli(
        "pool", "assign", "-t", "华东", "--strategy", "even", "--seed", "3", "--dry-run", "-f", "csv", user="li.na"
    )
    assert dry.stdout.splitlines() == [
        "rep,active,cap,owned_before,given,after",
        "wang,yes,300,3,5,8",
        "zhang,yes,300,0,5,5",
    ]
    assert "Would give 10 customers" in dry.stderr
    assert database_state() == before
    done = cli("pool", "assign", "-t", "华东", "--per-rep", "4", "--strategy", "weighted", "-f", "csv", user="li.na")
    assert done.stdout.splitlines()[1:] == ["wang,yes,300,3,4,7", "zhang,yes,300,0,4,4"]


def test_migration_0011_drops_the_owner_key_checks_on_postgresql_only(team):
    """PostgreSQL stops checking customer.owner_id and former_owner_id per moved row (0011); SQLite keeps its
    checks; the migration goes down and up again, and an assignment works on either side of it."""
    from playhouse.migrations import Runner

    from crmtui.store.kernel.db import db
    from crmtui.store.kernel.dialect import is_postgres
    from crmtui.store.platform.schema import MIGRATIONS_DIR

    def owner_keys() -> list[str]:
        return sorted(k.column for k in db.obj.get_foreign_keys("customer") if k.dest_table == "user")

    both = ["former_owner_id", "owner_id"]
    assert owner_keys() == ([] if is_postgres() else both)
    runner = Runner(db.obj, directory=MIGRATIONS_DIR)
    runner.down(target="0011_unchecked_owner_keys")
    assert owner_keys() == both
    add_customers(team.east, 2)
    assert assign(as_user("li.na"), "华东", to=["wang"]).given == 2
    runner.up()
    assert owner_keys() == ([] if is_postgres() else both)
    add_customers(team.east, 2)
    assert assign(as_user("li.na"), "华东", to=["zhang"]).given == 2
