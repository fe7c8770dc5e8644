"""The root's command registry: every noun loads under its own name, every command's help shows an example, and
`crm --help` lists them all without importing a single command module (what keeps every `crm` run quick)."""

import json
import subprocess
import sys

import pytest

from crmtui.cli import COMMANDS, load_command


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


def test_root_help_lists_every_command_without_loading_them():
    code = (
        "import json, sys\n"
        "sys.argv = ['crm', '--help']\n"
        "from crmtui.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('crmtui.commands.', 'crmtui.store', 'peewee')))\n"
        "print(json.dumps(loaded), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"COLUMNS": "200", "NO_COLOR": "1"})
    loaded = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert loaded <= {"crmtui.commands.context"}, loaded  # neither other commands nor the store (peewee, psycopg)
    for name in COMMANDS:
        assert f" {name} " in proc.stdout


def test_an_unknown_command_is_one_line_and_exit_2(cli):
    result = cli("nosuchthing")
    assert result.exit_code == 2
    assert result.stderr.startswith("crm: No such command") and result.stderr.count("\n") == 1
