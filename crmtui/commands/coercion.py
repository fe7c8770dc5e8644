"""Plain conversions for plain parameters, so a command does not pay for pydantic.

Typer 0.29 converts every parameter's value through a pydantic TypeAdapter that it builds on every run, even for an
option left at its default: importing pydantic and building the adapters costs every `crm` command more than the
work of most of them, a short store call such as `crm pool claim --next 20` included (docs/PERFORMANCE.md). Our
parameters are strings, whole numbers (some with a lower bound), flags, lists of strings and output paths: `install`
gives those a conversion of a few lines through Typer's own runtime-parameter hook
(`_TyperParameter.get_runtime_param`), and leaves any other kind (choices, dates, files, parsers) to Typer. The hook
is private to Typer, which is pinned in pyproject.toml: why it stays is in docs/ARCHITECTURE.md, and
tests/test_private_apis.py fails when an upgrade moves it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer import BadParameter
from typer._coercion import RuntimeParam

from crmtui.store.kernel.errors import Invalid
from crmtui.store.kernel.values import yes_no


@dataclass(frozen=True)
class PlainParam(RuntimeParam):
    """One value (or each of a list's values) through CONVERT; a ValueError is Typer's usage error (exit 2)."""

    convert: Callable[[Any], Any]
    many: bool = False

    def _coerce_value(self, value: Any, param, ctx) -> Any:
        try:
            return [self.convert(item) for item in value] if self.many else self.convert(value)
        except ValueError as exc:
            raise BadParameter(str(exc), ctx=ctx, param=param) from None


def _text(value: Any) -> str:
    if not isinstance(value, str):  # Click hands over the command line's strings; anything else is a caller's bug
        raise ValueError(f"{value!r} is not text")
    return value


def _whole_number(low: float | None, high: float | None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        try:
            number = value if isinstance(value, int) else int(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if low is not None and number < low:
            raise ValueError(f"{number} is less than {low:g}")
        if high is not None and number > high:
            raise ValueError(f"{number} is more than {high:g}")
        return number

    return convert


def _flag(value: Any) -> bool:
    """A flag's value: Click's bool, or a yes/no word from the environment (CRM_…=yes), as values.yes_no reads it."""
    try:
        return yes_no(value)
    except Invalid as exc:
        raise ValueError(exc.reason) from None


def _plain_path(info) -> bool:
    """A path option with none of the checks Typer would make (existence, writability, resolving, `-`). Readable is
    Typer's default and checks only a file that exists: ours are files we write (`-o`, `--errors`)."""
    checks = (info.exists, info.writable, info.resolve_path, info.allow_dash, info.path_type)
    return not any(checks)


def plain_param(param) -> PlainParam | None:
    """The plain conversion of PARAM (a Typer parameter), or None where Typer's own is needed."""
    descriptor = param.type_descriptor
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    common = {"parameter_info": info, "annotation": annotation}
    if annotation is str:
        return PlainParam(**common, convert=_text)
    if annotation == list[str]:
        return PlainParam(**common, convert=_text, many=True)
    if annotation is bool:
        return PlainParam(**common, convert=_flag)
    if annotation is int and not info.clamp:
        return PlainParam(**common, convert=_whole_number(info.min, info.max))
    if annotation is Path and _plain_path(info):
        return PlainParam(**common, convert=Path)
    return None


def install() -> None:
    """Have every Typer parameter of this process (the help options Click makes on the fly too) try its plain
    conversion before Typer builds its own."""
    from typer.core import _TyperParameter

    typer_own = _TyperParameter.get_runtime_param
    if getattr(typer_own, "plain_first", False):
        return

    def get_runtime_param(self) -> RuntimeParam:
        if self._runtime_param is None:
            self._runtime_param = plain_param(self)
        return self._runtime_param or typer_own(self)

    get_runtime_param.plain_first = True
    _TyperParameter.get_runtime_param = get_runtime_param
