"""The private library APIs crmtui still relies on (docs/ARCHITECTURE.md, "Private APIs" says why each stays):
each test fails loudly when an upgrade moves or changes one, instead of the CLI silently getting slower or
printing framed errors."""

import typer
import typer.core
from typer._click.exceptions import ClickException
from typer._coercion import RuntimeParam

from crmtui.commands import coercion


def test_typer_still_builds_runtime_params_through_the_hook_crm_replaces():
    """coercion.install replaces _TyperParameter.get_runtime_param, which Typer calls for every parameter of a run
    and whose result it caches in _runtime_param; RuntimeParam is what it returns, coerced by _coerce_value."""
    assert hasattr(typer.core._TyperParameter, "get_runtime_param")
    coercion.install()
    assert getattr(typer.core._TyperParameter.get_runtime_param, "plain_first", False)
    assert "_coerce_value" in RuntimeParam.__abstractmethods__
    assert {"parameter_info", "annotation"} <= set(RuntimeParam.__dataclass_fields__)


def test_usage_errors_are_still_click_exceptions_with_a_message_and_a_code():
    """cli.CrmGroup.main prints Typer's usage errors as one line: it catches the ClickException of Typer's bundled
    Click (typer._click), of which Typer exports only the BadParameter subclass."""
    assert issubclass(typer.BadParameter, ClickException)
    error = typer.BadParameter("nope")
    assert error.exit_code == 2 and "nope" in error.format_message()
