"""Reading one cell: each parser takes the stripped, non-empty text and returns the value to store, or raises
Invalid with the reason a person can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from crmtui.store.kernel import normalize
from crmtui.store.kernel.clock import _local_to_utc as local_to_utc
from crmtui.store.kernel.clock import parse_when, to_local
from crmtui.store.kernel.errors import BadInput


class Invalid(ValueError):
    """A cell that cannot be read; the message is the reason."""


Parser = Callable[[str], Any]
MAX_TEXT = 255
_MONEY_NOISE = re.compile(r"[\s,¥$€£￥]|^(?:CNY|RMB|USD)|(?:元|CNY|RMB|USD)$", re.IGNORECASE)
_TRUE = {"yes", "y", "true", "t", "1", "是", "on"}
_FALSE = {"no", "n", "false", "f", "0", "否", "off"}


def text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise Invalid(f"is {len(value)} characters long; at most {MAX_TEXT} fit")
    return value


def long_text(value: str) -> str:
    return value


def one_of(choices: tuple[str, ...], fold: Callable[[str], str] = str.lower) -> Parser:
    def parse(value: str) -> str:
        folded = fold(value)
        if folded not in choices:
            raise Invalid(f"is not one of {', '.join(choices)}")
        return folded

    return parse


def when(value: str) -> datetime:
    """A time as stored: UTC. ISO text (a trailing Z or offset honoured, else local time) is read directly, which
    is fast; other spellings go through python-dateutil."""
    try:
        return local_to_utc(datetime.fromisoformat(value))
    except ValueError:
        try:
            return parse_when(value)
        except BadInput:
            raise Invalid("is not a date or time") from None


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        try:
            return to_local(when(value)).date()
        except Invalid:
            raise Invalid("is not a date") from None


def money(value: str) -> Decimal:
    try:
        amount = Decimal(_MONEY_NOISE.sub("", value))
    except InvalidOperation:
        raise Invalid("is not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise Invalid("is not an amount of zero or more")
    return amount


def flag(value: str) -> bool:
    folded = value.lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise Invalid("is not yes or no")


def phone(value: str) -> str:
    """A phone kept as written (as `crm customer add` keeps it), once it has the shape of one."""
    if normalize.phone(value) is None:
        raise Invalid("is not a phone number")
    return " ".join(value.split())


def email(value: str) -> str:
    found = normalize.email(value)
    if found is None:
        raise Invalid("is not an e-mail address")
    return found


def tags(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip().lower() for t in re.split(r"[;,，；|]", value) if t.strip()))
