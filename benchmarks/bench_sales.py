"""The sales lists at scale (issue 4's speed target: every list ≤ 300 ms with --limit 50 on the 1M-customer demo).

    .venv/bin/python -m benchmarks.bench_sales --rows 1000000                     # a fresh demo database
    .venv/bin/python -m benchmarks.bench_sales --db sqlite:////tmp/big.sqlite3      # a demo database (seeded if empty)

Times, through the real `crm` entry point (process start included) and the store call alone, for an admin, a
manager and a rep of the demo team: product, quote, contract (plain and --ending-within 30), payment, invoice
lists and `payment plan --status overdue` (instalments across contracts), each with --limit 50.
`run(rows, db_url)` returns the figures as dicts for the benchmarks harness.
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.bench_foundation import crm_seconds, demo_database

TARGET = 0.3
NOW = "2026-11-22T10:00"
USERS = ("admin", "li.na", "zhang.wei")  # the demo's admin, the 华东 manager, a 华东 rep

LISTS = [
    ("product list", lambda a, m: m["products"].list_products(a, limit=50)),
    ("quote list", lambda a, m: m["quotes"].list_quotes(a, limit=50)),
    ("contract list", lambda a, m: m["contracts"].list_contracts(a, limit=50)),
    ("contract list --ending-within 30", lambda a, m: m["contracts"].list_contracts(a, ending_within=30, limit=50)),
    ("payment list", lambda a, m: m["payments"].list_payments(a, limit=50)),
    ("payment plan --status overdue", lambda a, m: m["payments"].list_instalments(a, status="overdue", limit=50)),
    ("invoice list", lambda a, m: m["invoices"].list_invoices(a, limit=50)),
]


def _cli(db_url: str, user: str, args: list[str]) -> float:
    return crm_seconds(db_url, user, *args, "--limit", "50", "--format", "csv", runs=3, now=NOW)  # the median of 3


def run(rows: int = 100_000, db_url: str | None = None) -> list[dict]:
    from crmtui.store.kernel.access import actor_for
    from crmtui.store.money import contracts, invoices, payments
    from crmtui.store.platform.session import connect
    from crmtui.store.sales import products, quotes

    db_url, _ = demo_database(rows, db_url)
    os.environ["CRM_NOW"] = NOW
    connect(db_url)
    modules = dict(products=products, quotes=quotes, contracts=contracts, payments=payments, invoices=invoices)
    figures = []
    for user in USERS:
        actor = actor_for(user)
        for name, call in LISTS:
            cli = _cli(db_url, user, name.split())
            start = time.perf_counter()
            rows = call(actor, modules)
            store = time.perf_counter() - start
            figures.append(
                {"name": f"crm {name} ({user})", "value": cli, "unit": "s", "target": TARGET, "lower_is_better": True}
            )
            figures.append(
                {
                    "name": f"  store ({len(rows)} rows)",
                    "value": store,
                    "unit": "s",
                    "target": TARGET,
                    "lower_is_better": True,
                }
            )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="Customers of the demo database to seed.")
    parser.add_argument("--db", help="A database URL (a demo database, or an empty one to seed).")
    args = parser.parse_args()
    for figure in run(args.rows, args.db):
        flag = "" if figure["value"] <= figure["target"] else "  OVER"
        print(f"{figure['name']:<55} {figure['value'] * 1000:8.1f} ms{flag}")


if __name__ == "__main__":
    main()
