"""The foundation at scale (issue 2 §7), each figure beside a raw baseline of the same work in the same run:

- seeding: `crm demo --customers N` rows/s (every table's rows) vs raw sqlite3 executemany of the same rows into
  the same schema (without the search index) — target: N = 1M in ≤ 30 s; and the floor of that content: the
  seconds SQLite alone takes to copy the same rows into the same tables, build their indexes and the search index;
- `crm customer list --limit 20` wall time (real entry point, process start included) vs the raw query — ≤ 300 ms;
- search p50/p95 through the store (search_customers) for 3+ character, 2 character and pinyin-initials queries
  drawn from the data vs a raw FTS MATCH / LIKE — p50 ≤ 5 ms (3+), ≤ 100 ms (2 and initials);
- `crm --help` wall time vs `python -c pass` — ≤ 150 ms.

    .venv/bin/python -m benchmarks.bench_foundation --rows 1000000
    .venv/bin/python -m benchmarks.run --only foundation --rows 100000

`run(rows, db_url)` returns the figures for benchmarks.run. The seeded database is kept for the process, so
bench_lists (run after it by the harness) measures the same one instead of seeding again.
"""

from __future__ import annotations

import atexit
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-11-22T10:00"  # the demo's dates lie around this day
SEED = 1
CRM = Path(sys.executable).with_name("crm")
_SEEDED: dict[tuple[int, str | None], tuple[str, float | None]] = {}


def crm_env(db_url: str, user: str | None = None, now: str = NOW) -> dict:
    env = {**os.environ, "CRM_DB": db_url, "CRM_NOW": now, "NO_COLOR": "1"}
    env.pop("CRM_USER", None)
    if user:
        env["CRM_USER"] = user
    return env


def crm_seconds(db_url: str, user: str | None, *args: str, runs: int = 5, now: str = NOW) -> float:
    """The median wall time of `crm ARGS` (process start included) over RUNS runs, as of NOW (local time)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([str(CRM), *args], env=crm_env(db_url, user, now), capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise RuntimeError(f"crm {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return statistics.median(times)


def demo_database(rows: int, db_url: str | None = None) -> tuple[str, float | None]:
    """A database seeded by `crm demo --customers ROWS` (seeding timed), made once per process: a fresh SQLite
    file, or DB_URL (seeded only when it holds no data; then the seeding time is None)."""
    key = (rows, db_url)
    if key in _SEEDED:
        return _SEEDED[key]
    if db_url is None:
        folder = tempfile.TemporaryDirectory(prefix="crm-bench-")
        atexit.register(folder.cleanup)
        url = f"sqlite:///{Path(folder.name) / 'demo.sqlite3'}"
    else:
        url = db_url
    start = time.perf_counter()
    done = subprocess.run(
        [str(CRM), "demo", "--if-empty", "--customers", str(rows), "--seed", str(SEED)],
        env=crm_env(url),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"crm demo failed ({done.returncode}): {done.stderr.strip()}")
    _SEEDED[key] = (url, None if "not seeded" in done.stderr else seconds)
    return _SEEDED[key]


def _sqlite_file(url: str) -> str | None:
    from crmtui.store.kernel.config import sqlite_path

    return sqlite_path(url)


def _raw_seed_seconds(path: str) -> tuple[float, int]:
    """Raw executemany of every row of the seeded database into a fresh file with the same tables and indexes
    (not the search index), table by table, timed around the inserts only; returns (seconds, rows)."""
    source = sqlite3.connect(path)
    ddl = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index') AND name NOT LIKE 'customer_fts%'"
            " AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, rowid"
        )
    ]
    tables = [
        name
        for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'customer_fts%' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    with tempfile.TemporaryDirectory() as tmp:
        target = sqlite3.connect(Path(tmp) / "raw.sqlite3", isolation_level=None)
        target.execute("PRAGMA journal_mode=wal")
        target.execute("PRAGMA synchronous=normal")
        for sql in ddl:
            target.execute(sql)
        seconds, total = 0.0, 0
        target.execute("BEGIN")
        for table in tables:
            data = source.execute(f'SELECT * FROM "{table}"').fetchall()
            if not data:
                continue
            marks = ", ".join("?" * len(data[0]))
            start = time.perf_counter()
            target.executemany(f'INSERT INTO "{table}" VALUES ({marks})', data)
            seconds += time.perf_counter() - start
            total += len(data)
            del data
        start = time.perf_counter()
        target.execute("COMMIT")
        seconds += time.perf_counter() - start
        target.close()
    source.close()
    return seconds, total


def _floor_seconds(path: str) -> dict[str, float]:
    """The least SQLite work any seeding of the seeded file's content does, with the demo's settings for its load:
    every row copied by the database itself into the same tables without their indexes (no Python, no driver),
    then every index built once, then the search index built once, in one transaction; seconds of each."""
    from crmtui.store.customers.search import FTS_TABLE
    from crmtui.store.demo.load import BULK_PRAGMAS, SORTER_CACHE

    source = sqlite3.connect(path)
    schema = source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type != 'trigger' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE ? ORDER BY rowid",
        (f"{FTS_TABLE}_%",),  # the search index's own tables come with it
    ).fetchall()
    source.close()
    tables = [(name, sql) for kind, name, sql in schema if kind == "table" and not sql.startswith("CREATE VIRTUAL")]
    search = [sql for kind, _, sql in schema if kind == "view" or sql.startswith("CREATE VIRTUAL")]
    with tempfile.TemporaryDirectory() as tmp:
        target = sqlite3.connect(Path(tmp) / "floor.sqlite3", isolation_level=None)
        for name, value in {**BULK_PRAGMAS, "journal_mode": "delete"}.items():
            target.execute(f"PRAGMA {name} = {value}")
        target.execute("ATTACH ? AS seeded", (path,))
        target.execute("BEGIN")
        seconds, start = {}, time.perf_counter()
        for name, sql in tables:
            target.execute(sql)
            target.execute(f'INSERT INTO main."{name}" SELECT * FROM seeded."{name}"')
        seconds["rows"], start = time.perf_counter() - start, time.perf_counter()
        target.execute(f"PRAGMA cache_size = {SORTER_CACHE}")
        for sql in (sql for kind, _, sql in schema if kind == "index"):
            target.execute(sql)
        seconds["indexes"], start = time.perf_counter() - start, time.perf_counter()
        for sql in search:
            target.execute(sql)
        target.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")  # as the store builds it
        target.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        target.execute("COMMIT")
        seconds["search index"] = time.perf_counter() - start
        target.close()
    return seconds


def _row_count(url: str) -> int:
    from crmtui.store.kernel.models import ALL_MODELS
    from crmtui.store.platform.session import connect

    connect(url)
    return sum(m.select().count() for m in ALL_MODELS)


def bench_seed(rows: int, url: str, seconds: float | None) -> list[dict]:
    if seconds is None:
        return [
            {"name": "crm demo (skipped: the given database held data)", "value": None, "target": None, "skipped": True}
        ]
    written = _row_count(url)
    result = {
        "name": f"crm demo --customers {rows:,} ({written:,} rows)",
        "value": seconds,
        "unit": "s",
        "target": 30 * rows / 1_000_000,
        "lower_is_better": True,
        "rows": written,
        "rows_per_s": written / seconds,
    }
    rate = {"name": "  demo seeding rate", "value": written / seconds, "unit": "rows/s", "target": None}
    path = _sqlite_file(url)
    if not path:
        return [result, rate]
    raw_seconds, raw_rows = _raw_seed_seconds(path)
    result["baseline"] = raw_seconds
    rate["baseline"] = raw_rows / raw_seconds
    rate["ratio"] = (written / seconds) / (raw_rows / raw_seconds)
    floor = _floor_seconds(path)
    parts = " + ".join(f"{part} {value:.1f} s" for part, value in floor.items())
    return [
        result,
        rate,
        {"name": f"  its SQLite floor: {parts}", "value": sum(floor.values()), "unit": "s", "target": None},
    ]


def bench_list(url: str) -> list[dict]:
    results = []
    for user in ("li.na", "admin"):
        seconds = crm_seconds(url, user, "customer", "list", "--limit", "20", "--format", "csv")
        results.append(
            {
                "name": f"crm customer list --limit 20 (as {user})",
                "value": seconds,
                "unit": "s",
                "target": 0.3,
                "lower_is_better": True,
            }
        )
    path = _sqlite_file(url)
    if path:
        raw = sqlite3.connect(path)
        start = time.perf_counter()
        raw.execute(
            "SELECT id, name, tier, owner_id FROM customer WHERE deleted_at IS NULL ORDER BY name, id LIMIT 20"
        ).fetchall()
        raw_seconds = time.perf_counter() - start
        raw.close()
        for result in results:
            result["baseline"] = raw_seconds
    return results


def _queries(count: int) -> dict[str, list[str]]:
    """Search terms drawn from the seeded customers: name slices (3+ and 2 characters) and pinyin initials."""
    from crmtui.store.kernel.models import Customer, CustomerSearchKey

    rng = random.Random(SEED)
    top = Customer.select(Customer.id).order_by(Customer.id.desc()).limit(1).scalar()
    sample = [rng.randint(1, top) for _ in range(count * 3)]
    keyed = Customer.select(Customer.name, CustomerSearchKey.search_text).join(CustomerSearchKey)
    rows = list(keyed.where(Customer.id.in_(sample)).tuples())
    chinese = [(n, s) for n, s in rows if not n.isascii()]
    long, short, initials = [], [], []
    for name, search in chinese:
        start = rng.randint(0, max(0, len(name) - 4))
        long.append(name[start : start + rng.choice((3, 4))])
        short.append(name[rng.randint(0, len(name) - 2) :][:2])
        parts = search.split()
        if len(parts) > 2:
            initials.append(parts[2][: rng.choice((2, 3, 4))])
    return {"3+ characters": long[:count], "2 characters": short[:count], "pinyin initials": initials[:count]}


def bench_search(url: str, count: int = 40, logins: tuple[str, ...] = ("li.na", "admin", "zhang.wei")) -> list[dict]:
    """search_customers p50/p95 per kind of query, as a manager, the admin and a rep (the scope changes the plan:
    a page fills from the candidates the actor sees)."""
    from crmtui.store.customers.records import search_customers
    from crmtui.store.kernel.access import actor_for
    from crmtui.store.kernel.models import User
    from crmtui.store.platform.session import connect

    connect(url)
    os.environ["CRM_NOW"] = NOW
    path = _sqlite_file(url)
    raw = sqlite3.connect(path) if path else None
    results = []
    targets = {"3+ characters": 0.005, "2 characters": 0.1, "pinyin initials": 0.1}
    queries_of = _queries(count)
    for login in [login for login in logins if User.select().where(User.login == login).exists()]:
        actor = actor_for(login)
        for kind, queries in queries_of.items():
            times, raw_times = [], []
            for query in queries:
                start = time.perf_counter()
                search_customers(actor, query, limit=20)
                times.append(time.perf_counter() - start)
                if raw is not None and login == logins[0]:
                    start = time.perf_counter()
                    if len(query) >= 3:  # the trigrams ANDed (detail=none has no phrases), confirmed by LIKE
                        match = " AND ".join(f'"{query[i : i + 3]}"' for i in range(len(query) - 2))
                        raw.execute(
                            "SELECT customer_id FROM customer_search_key WHERE customer_id IN (SELECT rowid FROM"
                            " customer_fts WHERE customer_fts MATCH ?) AND search_text LIKE ? LIMIT 20",
                            (match, f"%{query}%"),
                        ).fetchall()
                    else:
                        raw.execute(
                            "SELECT customer_id FROM customer_search_key WHERE search_text LIKE ? LIMIT 20",
                            (f"%{query}%",),
                        ).fetchall()
                    raw_times.append(time.perf_counter() - start)
            p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
            for label, value, base in (
                ("p50", p50, statistics.median(raw_times) if raw_times else None),
                ("p95", p95, statistics.quantiles(raw_times, n=20)[-1] if raw_times else None),
            ):
                result = {
                    "name": f"search {kind} {label} ({len(queries)} queries, as {login})",
                    "value": value,
                    "unit": "s",
                    "target": targets[kind] if label == "p50" else None,
                    "lower_is_better": True,
                }
                if base:
                    result["baseline"] = base
                results.append(result)
    if raw is not None:
        raw.close()
    del os.environ["CRM_NOW"]
    return results


def bench_help() -> list[dict]:
    def best(command: list[str]) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    python = best([sys.executable, "-c", "pass"])
    help_seconds = best([str(CRM), "--help"])
    return [
        {
            "name": "crm --help",
            "value": help_seconds,
            "unit": "s",
            "target": 0.15,
            "lower_is_better": True,
            "baseline": python,
            "baseline_name": "python -c pass",
        }
    ]


def run(rows: int = 100_000, db_url: str | None = None) -> list[dict]:
    url, seconds = demo_database(rows, db_url)
    results = bench_seed(rows, url, seconds) + bench_list(url) + bench_search(url) + bench_help()
    from crmtui.store.kernel.db import db

    if db.obj is not None:
        db.obj.close()
    return results


def main() -> None:
    from benchmarks.run import standalone

    standalone("foundation", run, __doc__, "a database URL (default: a fresh SQLite file)")


if __name__ == "__main__":
    main()
