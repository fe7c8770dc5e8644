"""DESIGN.md's layering, checked at run time: what each layer drags into sys.modules."""

import json
import subprocess
import sys

import pytest


def modules_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


STORE_MODULES = [
    "crmtui.store.models", "crmtui.store.access", "crmtui.store.people", "crmtui.store.setup",
    "crmtui.store.session", "crmtui.store.schema",
]  # fmt: skip


@pytest.mark.parametrize("module", STORE_MODULES)
def test_store_imports_no_front_end(module):
    loaded = modules_after_import(module)
    assert not {"typer", "textual", "rich"} & {m.split(".")[0] for m in loaded}


def test_cli_does_not_import_textual():
    loaded = modules_after_import("crmtui.cli")
    assert "textual" not in {m.split(".")[0] for m in loaded}


def test_commands_never_import_textual_nor_screens_typer():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "crmtui"
    for path in (root / "commands").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "tui.py":  # the one door into the UI, imported lazily
            assert "textual" not in text, path
    for path in (root / "screens").rglob("*.py"):
        assert "typer" not in path.read_text(encoding="utf-8"), path
