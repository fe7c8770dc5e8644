"""Every list command at scale (issue 4's speed target): `crm <noun> list --limit 50` through the real entry point
(process start included) on the demo database, as the 华东 manager li.na and as one of her reps (zhang.wei),
≤ 300 ms each. A noun whose `crm <noun> list --help` does not work yet is reported as skipped. Also the rep's
`crm customer list --limit 20` (issue 2; bench_foundation times it for the manager and the admin): a rep sees
their own customers and the territory's pool, ~64,000 at 1M, which SQLite once gathered and sorted for a page.

    .venv/bin/python -m benchmarks.bench_lists --rows 1000000
    .venv/bin/python -m benchmarks.run --only foundation --only lists     # measures the database foundation seeded

`run(rows, db_url)` returns the figures for benchmarks.run.
"""

from __future__ import annotations

import subprocess

from benchmarks.bench_foundation import CRM, crm_env, crm_seconds, demo_database

NOUNS = (
    "customer",
    "deal",
    "product",
    "quote",
    "contract",
    "payment",
    "invoice",
    "ticket",
    "visit",
    "followup",
    "contact",
)
USERS = ("li.na", "zhang.wei")  # the demo's 华东 manager and one of her reps
REP = USERS[1]
TARGET = 0.3


def available(url: str, noun: str) -> bool:
    done = subprocess.run([str(CRM), noun, "list", "--help"], env=crm_env(url), capture_output=True, text=True)
    return done.returncode == 0


def rep_customer_page(url: str) -> dict:
    seconds = crm_seconds(url, REP, "customer", "list", "--limit", "20", "--format", "csv", runs=7)
    return {
        "name": f"crm customer list --limit 20 (as {REP})",
        "value": seconds,
        "unit": "s",
        "target": TARGET,
        "lower_is_better": True,
    }


def run(rows: int = 100_000, db_url: str | None = None) -> list[dict]:
    url, _ = demo_database(rows, db_url)
    results = [rep_customer_page(url)]
    for noun in NOUNS:
        if not available(url, noun):
            results.append(
                {
                    "name": f"crm {noun} list (skipped: `crm {noun} list --help` fails)",
                    "value": None,
                    "target": None,
                    "skipped": True,
                }
            )
            continue
        for user in USERS:
            args = (noun, "list", "--limit", "50", "--format", "csv")
            try:
                seconds = crm_seconds(url, user, *args, runs=3)
            except RuntimeError as exc:
                results.append(
                    {
                        "name": f"crm {noun} list --limit 50 (as {user}): {exc}",
                        "value": None,
                        "target": TARGET,
                        "ok": False,
                    }
                )
                continue
            results.append(
                {
                    "name": f"crm {noun} list --limit 50 (as {user})",
                    "value": seconds,
                    "unit": "s",
                    "target": TARGET,
                    "lower_is_better": True,
                }
            )
    return results


def main() -> None:
    from benchmarks.run import standalone

    standalone("lists", run, __doc__, "a database URL (default: a fresh SQLite file seeded by crm demo)")


if __name__ == "__main__":
    main()
