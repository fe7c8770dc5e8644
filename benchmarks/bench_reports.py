"""Reports and the agenda at scale (issue 6's speed target: every report ≤ 2 s on the 1M-customer demo database,
about 3M follow-ups and 200k deals, on SQLite and PostgreSQL).

    CRM_NOW=2026-11-22T10:00 .venv/bin/crm --db sqlite:////tmp/big.sqlite3 demo --customers 1000000   # once
    .venv/bin/python -m benchmarks.bench_reports --db sqlite:////tmp/big.sqlite3
    .venv/bin/python -m benchmarks.bench_reports --rows 20000          # a fresh SQLite file, seeded with crm demo

Times each report (its default grouping and period) through the real `crm` entry point (process start included,
`--format csv`) as the admin, and the store call alone as the admin and as a manager; and `crm agenda` of a rep.
`run(rows, db_url)` returns the figures as dicts for the benchmarks harness.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_foundation import crm_seconds

TARGET = 2.0
AGENDA_TARGET = 2.0  # the issue sets none for the agenda; held to the reports' target
NOW = "2026-11-22T10:00"
ADMIN, MANAGER, REP = "admin", "li.na", "zhang.wei"  # the demo's admin, the 华东 manager, a 华东 rep
REPORT_NAMES = (
    "funnel",
    "win-rate",
    "leaderboard",
    "followups",
    "stage-time",
    "forecast",
    "receivables",
    "pool",
    "trend",
    "segments",
)


def _crm(db_url: str, user: str, *args: str) -> float:
    return crm_seconds(db_url, user, *args, "--format", "csv", runs=1, now=NOW)


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _figure(name: str, seconds: float, target: float = TARGET) -> dict:
    return {
        "name": name,
        "value": seconds,
        "unit": "s",
        "target": target,
        "lower_is_better": True,
        "ok": seconds <= target,
    }


def _seed(db_url: str, rows: int) -> None:
    crm = Path(sys.executable).with_name("crm")
    env = {**os.environ, "CRM_NOW": NOW}
    subprocess.run(
        [str(crm), "--db", db_url, "demo", "--customers", str(rows)], check=True, env=env, capture_output=True
    )


def measure(db_url: str, names=REPORT_NAMES) -> list[dict]:
    from crmtui.store.insight.agenda import agenda
    from crmtui.store.insight.reports import ReportParams, run_report
    from crmtui.store.kernel.access import actor_for
    from crmtui.store.kernel.db import db
    from crmtui.store.platform.session import connect

    os.environ["CRM_NOW"] = NOW
    connect(db_url)
    admin, manager = actor_for(ADMIN), actor_for(MANAGER)
    figures = []
    for name in names:
        figures.append(_figure(f"crm report {name}", _crm(db_url, ADMIN, "report", name)))
        figures.append(_figure(f"  store {name} (admin)", _timed(lambda: run_report(admin, name, ReportParams()))))
        figures.append(
            _figure(f"  store {name} ({MANAGER})", _timed(lambda: run_report(manager, name, ReportParams())))
        )
    figures.append(_figure(f"crm agenda ({REP})", _crm(db_url, REP, "agenda"), AGENDA_TARGET))
    figures.append(_figure(f"  store agenda ({REP})", _timed(lambda: agenda(actor_for(REP))), AGENDA_TARGET))
    db.close()
    return figures


def run(rows: int = 20_000, db_url: str | None = None) -> list[dict]:
    """Seed ROWS demo customers into a fresh SQLite file (or use DB_URL as it is, seeding it only when empty)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = db_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        if db_url is None or not _has_data(url):
            _seed(url, rows)
        return measure(url)


def _has_data(url: str) -> bool:
    from crmtui.store.demo.seed import has_data
    from crmtui.store.platform.session import connect

    try:
        connect(url)
        return has_data()
    except Exception:  # no schema yet
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="demo customers to seed into a fresh database")
    parser.add_argument("--db", help="a database URL holding a demo data set (seeded with --rows when empty)")
    parser.add_argument("--only", help="comma-separated report names")
    args = parser.parse_args()
    if args.only:
        figures = measure(args.db, args.only.split(","))
    else:
        figures = run(args.rows, args.db)
    for r in figures:
        print(
            f"{r['name']:<40} {r['value']:>8.3f} {r['unit']:<2} target {r['target']:.2f}  {'ok' if r['ok'] else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
