"""The root's command registry: every noun loads under its own name, every command's help shows an example, and
`crm --help` lists them all without importing a single command module; a command loads only what it uses (what
keeps every `crm` run quick). The start-up rules are docs/ARCHITECTURE.md's ("Start-up")."""

import json
import os
import subprocess
import sys

import pytest
from pool_helpers import add_customers

from crmtui.cli import COMMANDS, load_command, root


def leaves(command, path=()):
    """Every runnable command under COMMAND, with its path."""
    children = getattr(command, "commands", None)
    if not children:
        yield path + (command.name,), command
        return
    for child in children.values():
        yield from leaves(child, path + (command.name,))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_loads_under_its_name_with_an_example(name):
    command = load_command(name)
    assert command.name == name
    for path, leaf in leaves(command):
        assert "Example" in (leaf.help or ""), f"`crm {' '.join(path)} --help` shows no example"


def crm_with_modules(*args: str, env: dict) -> tuple[int, str, set[str]]:
    """Run `crm ARGS` in a fresh interpreter: its exit code, its stdout, and the modules it loaded."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['crm', *{list(args)!r}]\n"
        "from crmtui.cli import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
        "loaded = sorted(name for name, module in sys.modules.items() if module is not None)  # None: blocked\n"
        "print(json.dumps([code, loaded]), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    exit_code, loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    return exit_code, proc.stdout, set(loaded)


def modules_of(packages: tuple[str, ...], loaded: set[str]) -> set[str]:
    """The modules of LOADED that are PACKAGES or inside them."""
    return {m for m in loaded if m in packages or m.startswith(tuple(p + "." for p in packages))}


REGISTRY = {"crmtui.commands", "crmtui.commands.coercion", "crmtui.commands.context"}
# What the registry may reach in the store: the kernel's modules that are free of peewee.
PEEWEE_FREE = {
    "crmtui.store",
    "crmtui.store.kernel",
    "crmtui.store.kernel.clock",
    "crmtui.store.kernel.config",
    "crmtui.store.kernel.errors",
    "crmtui.store.kernel.normalize",
    "crmtui.store.kernel.values",
}
# Loaded by the function that uses them, never by a module's top: what each costs a process start.
HEAVY = (
    "textual",
    "rich",
    "pypinyin",
    "rapidfuzz",
    "dateutil",
    "filelock",
    "playhouse.migrations",
    "openpyxl",
    "pydantic",
    "crmtui.screens",
    "crmtui.render",
    "crmtui.app",
)


def test_root_help_lists_every_command_without_loading_them():
    _, stdout, loaded = crm_with_modules("--help", env={"COLUMNS": "200", "NO_COLOR": "1"})
    store = modules_of(("crmtui.commands", "crmtui.store", "peewee", "psycopg"), loaded)
    assert store <= REGISTRY | PEEWEE_FREE, store  # neither other commands nor the store's tables
    for name in COMMANDS:
        assert f" {name} " in stdout


def test_every_command_module_loads_without_the_heavy_libraries():
    """Building every command (its module and everything that imports at its top) loads none of HEAVY, and on an
    SQLite database not the PostgreSQL driver: cli.main settles the backend before any command module loads."""
    code = (
        "import json, sys\n"
        "from crmtui.commands import context\n"
        "context.settle_backend(['--db', 'sqlite:///unused.db'])\n"
        "from crmtui.cli import COMMANDS, load_command\n"
        "for name in COMMANDS:\n    load_command(name)\n"
        "print(json.dumps(sorted(n for n, m in sys.modules.items() if m is not None)))\n"
    )
    loaded = set(
        json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    )
    assert "crmtui.commands.pool" in loaded and "peewee" in loaded  # it did load the commands and the store
    assert not modules_of(HEAVY + ("psycopg", "psycopg2"), loaded), modules_of(HEAVY + ("psycopg", "psycopg2"), loaded)


def test_a_claim_loads_only_what_it_uses(team, db_url):
    """The floor every quick command stands on: `crm pool claim` loads its own command module, the store modules a
    claim runs, and neither the UI, Rich (CSV out), the import and export machinery, the reports, pinyin, fuzzy
    matching or free-form dates, nor the migration runner (the schema is current), nor pydantic (Typer's conversion of parameters, see
    crmtui/commands/coercion.py); on an SQLite file, not the PostgreSQL driver either."""
    add_customers(team.east, 2)
    env = {**os.environ, "CRM_DB": db_url, "CRM_USER": "wang"}
    exit_code, stdout, loaded = crm_with_modules("pool", "claim", "--next", "1", "--format", "csv", env=env)
    rows = stdout.splitlines()[1:]  # below the CSV header
    assert exit_code == 0 and len(rows) == 1 and ",claimed," in rows[0], stdout
    unused = (
        "textual",
        "rich",
        "crmtui.screens",
        "crmtui.render",
        "crmtui.store.exchange.export",
        "crmtui.store.exchange.imports",
        "crmtui.store.insight",
        "pypinyin",
        "rapidfuzz",
        "dateutil",
        "playhouse.migrations",
        "pydantic",
    )
    assert not modules_of(unused, loaded), modules_of(unused, loaded)
    commands = REGISTRY | {"crmtui.commands.options", "crmtui.commands.output", "crmtui.commands.pool"}
    assert modules_of(("crmtui.commands",), loaded) == commands
    if db_url.startswith("sqlite"):
        assert not modules_of(("psycopg", "psycopg2"), loaded)


def test_command_parameters_are_types_not_strings_to_compile_on_each_run():
    """Typer reads every parameter's annotation on every run; a postponed one (`from __future__ import
    annotations`) is a string it compiles anew each time, a few ms per command of a noun."""
    functions = [("crm", root)]
    for name in COMMANDS:
        functions += [(" ".join(path), leaf.callback.__wrapped__) for path, leaf in leaves(load_command(name))]
    for path, function in functions:
        postponed = [p for p, a in function.__annotations__.items() if isinstance(a, str)]
        assert not postponed, f"`{path}` has postponed annotations: {postponed}"


def test_a_noun_has_no_shell_completion_options_of_its_own(cli):
    assert "--install-completion" in cli("--help").stdout  # the root's, for `crm`
    for name in ("pool", "reclaim"):  # a group, a single command
        assert "--install-completion" not in cli(name, "--help").stdout


def test_an_unknown_command_is_one_line_and_exit_2(cli):
    result = cli("nosuchthing")
    assert result.exit_code == 2
    assert result.stderr.startswith("crm: No such command") and result.stderr.count("\n") == 1
