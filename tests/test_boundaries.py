"""The layering of docs/ARCHITECTURE.md, checked at run time: what each layer drags into sys.modules. (import-linter
checks the same statically, in `make test`; this proves it for the modules as Python really loads them.)"""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import crmtui.store

FRONT_ENDS = {"typer", "textual", "rich"}


def modules_after_import(*modules: str) -> set[str]:
    code = f"import json, sys, {', '.join(modules)}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def store_modules() -> list[str]:
    """Every module of crmtui.store (the frozen migrations are files the runner reads, not modules)."""
    found = pkgutil.walk_packages(crmtui.store.__path__, prefix="crmtui.store.")
    return sorted(info.name for info in found)


def test_every_store_module_is_found():
    names = store_modules()
    files = [p for p in Path(crmtui.store.__file__).parent.rglob("*.py") if "migrations" not in p.parts]
    assert len(names) == len(files) - 1  # the root package itself is not its own submodule


def test_store_imports_no_front_end():
    loaded = modules_after_import(*store_modules())
    assert not FRONT_ENDS & {m.split(".")[0] for m in loaded}


def test_cli_does_not_import_textual():
    loaded = modules_after_import("crmtui.cli")
    assert "textual" not in {m.split(".")[0] for m in loaded}


def test_commands_never_import_textual_nor_screens_typer():
    root = Path(__file__).resolve().parents[1] / "crmtui"
    for path in (root / "commands").glob("*.py"):
        assert "textual" not in path.read_text(encoding="utf-8"), path
    for path in (root / "screens").rglob("*.py"):
        assert "typer" not in path.read_text(encoding="utf-8"), path


# A room that runs a different strategy per backend asks dialect.is_postgres(); every other backend difference is a
# named helper of kernel/dialect.py or kernel/bulk.py. Adding a module here means saying why in ARCHITECTURE.md.
STRATEGY_MODULES = {
    "crmtui.app",  # SQLite: a smaller page cache per worker connection
    "crmtui.store.customers.records",  # SQLite's planner is told how to page a rep's list
    "crmtui.store.customers.search",  # FTS5 on SQLite, pg_trgm on PostgreSQL
    "crmtui.store.exchange.export",  # COPY on PostgreSQL, lines built by SQLite
    "crmtui.store.pool.batch",  # only PostgreSQL runs writers side by side
    "crmtui.store.pool.reclaim",  # PostgreSQL picks and moves in one UPDATE
}


def test_backend_differences_live_in_the_kernel():
    root = Path(__file__).resolve().parents[1]
    asking = set()
    for path in (root / "crmtui").rglob("*.py"):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        if "is_postgres()" in path.read_text(encoding="utf-8") and not module.startswith("crmtui.store.kernel."):
            asking.add(module)
    demo = {m for m in asking if m.startswith("crmtui.store.demo.")}  # the generator's own SQL on each backend
    assert asking - demo == STRATEGY_MODULES
