"""Run every benchmark and print one table; the figures also go to benchmarks/results/<timestamp>.json.

    .venv/bin/python -m benchmarks.run                           # 1,000,000 rows, fresh SQLite files
    .venv/bin/python -m benchmarks.run --rows 100000 --only foundation --only lists
    .venv/bin/python -m benchmarks.run --db postgresql://127.0.0.1/bench?schema=b1

A benchmark is a module benchmarks/bench_<name>.py with `run(rows, db_url)` returning a list of dicts: name,
value, unit, target, lower_is_better, ok, and optionally baseline (a raw figure of the same work in the same run)
or seconds. Modules are run one after another (never two at once: they share the machine) in name order.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import platform
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(only: list[str] | None = None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"benchmarks.run: no benchmark {', '.join(sorted(unknown))} (have {', '.join(names)}).")
        names = [n for n in names if n in wanted]
    return names


def _runner(module):
    """The module's run(rows, db_url), or None with the reason when it has none of that shape."""
    run = getattr(module, "run", None)
    if not callable(run):
        return None, "defines no run()"
    params = inspect.signature(run).parameters
    if "rows" not in params or "db_url" not in params:
        return None, f"run{inspect.signature(run)} does not take (rows, db_url)"
    return run, None


def _ok(result: dict) -> bool:
    if "ok" in result:
        return bool(result["ok"])
    if result.get("target") is None:
        return True
    lower = result.get("lower_is_better", result.get("unit") in ("s", "ms"))
    return result["value"] <= result["target"] if lower else result["value"] >= result["target"]


def run_all(rows: int, db_url: str | None, only: list[str] | None) -> list[dict]:
    results: list[dict] = []
    for name in discover(only):
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            run, reason = _runner(module)
            if run is None:
                results.append({"benchmark": name, "name": f"(skipped: {reason})", "skipped": True})
                continue
            print(f"… {name}", file=sys.stderr, flush=True)
            for result in run(rows=rows, db_url=db_url):
                result.setdefault("benchmark", name)
                result["ok"] = _ok(result)
                results.append(result)
        except Exception as exc:  # one broken benchmark does not lose the others' figures
            traceback.print_exc()
            results.append({"benchmark": name, "name": f"(failed: {type(exc).__name__}: {exc})", "ok": False})
        print(f"  {name} took {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return results


def _figure(value, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "s":
        return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.2f} {unit}".strip()


def table(results: list[dict]) -> str:
    header = ("benchmark", "name", "measured", "baseline", "ratio", "target", "pass")
    lines = []
    for r in results:
        unit = r.get("unit", "")
        baseline = r.get("baseline")
        ratio = r.get("ratio")
        if ratio is None and baseline and r.get("value") is not None and unit != "×":
            ratio = r["value"] / baseline
        if r.get("skipped"):
            verdict = "skip"
        else:
            verdict = "ok" if _ok(r) else "FAIL"
        target = r.get("target")
        lower = r.get("lower_is_better", unit in ("s", "ms"))
        lines.append(
            (
                r["benchmark"].removeprefix("bench_"),
                r["name"],
                _figure(r.get("value"), unit),
                _figure(baseline, r.get("baseline_unit", unit)),
                f"{ratio:,.2f}×" if ratio else "",
                ("≤ " if lower else "≥ ") + _figure(target, unit) if target is not None else "",
                verdict,
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in lines]
    return "\n".join(out)


def standalone(name: str, run, doc: str, db_help: str) -> None:
    """A benchmark module run on its own (`python -m benchmarks.bench_NAME`): --rows and --db, then this harness's
    table of its figures."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help=db_help)
    args = parser.parse_args()
    results = run(args.rows, args.db)
    for result in results:
        result.setdefault("benchmark", name)
    print(table(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers (default 1,000,000)")
    parser.add_argument("--db", help="a database URL (default: each benchmark makes a fresh SQLite file)")
    parser.add_argument("--only", action="append", help="a benchmark by name (pool, foundation, ...); repeatable")
    args = parser.parse_args(argv)
    started = datetime.now()
    results = run_all(args.rows, args.db, args.only)
    print(table(results))
    folder = HERE / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{started.strftime('%Y%m%dT%H%M%S')}.json"
    meta = {
        "rows": args.rows,
        "db": "given" if args.db else "sqlite (fresh files)",
        "started": started.isoformat(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "argv": sys.argv[1:],
    }
    path.write_text(json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=1, default=str))
    print(f"Wrote {path}", file=sys.stderr)
    return 0 if all(r.get("ok", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
