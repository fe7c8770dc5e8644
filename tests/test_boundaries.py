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
