"""Parameters convert without pydantic (crmtui/commands/coercion.py): every parameter of every command has a plain
conversion, and what people type still converts, or is refused in one line with exit 2, on both backends."""

from typer.main import get_command

from crmtui.cli import COMMANDS, app, load_command
from crmtui.commands.coercion import plain_param
from crmtui.store.kernel.models import Customer, CustomerTag


def every_command(command):
    yield command
    for child in getattr(command, "commands", {}).values():
        yield from every_command(child)


def test_every_parameter_of_every_command_has_a_plain_conversion():
    """One parameter left to Typer would load pydantic again, ~100 ms, for every run of its command."""
    roots = [get_command(app), *(load_command(name) for name in COMMANDS)]
    left = [
        f"{command.name} {param.name}"
        for root in roots
        for command in every_command(root)
        for param in command.params
        if plain_param(param) is None
    ]
    assert not left, left


def test_a_number_that_is_not_one_is_refused_in_one_line(cli):
    result = cli("customer", "list", "--limit", "abc")
    assert result.exit_code == 2
    assert result.stderr == (
        "crm: Invalid value for '--limit' / '-n': 'abc' is not a whole number (see `crm customer list --help`).\n"
    )


def test_a_number_below_its_bound_is_refused(cli):
    result = cli("db", "purge", "--older-than", "-1")
    assert result.exit_code == 2
    assert "-1 is less than 0" in result.stderr and result.stderr.count("\n") == 1


def test_numbers_repeated_options_and_paths_convert(cli, team, tmp_path):
    added = cli("customer", "add", "Tagged Ltd", "--territory", "华东", "--tag", "vip", "--tag", "重点")
    assert added.exit_code == 0, added.stderr
    customer = Customer.get(Customer.name == "Tagged Ltd")
    assert {t.tag for t in CustomerTag.select().where(CustomerTag.customer == customer)} == {"vip", "重点"}
    listed = cli("customer", "list", "--limit", " 1 ", "--format", "csv")
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 2  # the header and one customer
    target = tmp_path / "out.csv"
    exported = cli("export", "customers", "--columns", "name", "-o", str(target))
    assert exported.exit_code == 0 and "Tagged Ltd" in target.read_text(encoding="utf-8")
