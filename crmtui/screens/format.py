"""How the screens show the store's plain values: local dates, money, empty cells."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from rich.text import Text

from crmtui.store.kernel.clock import local_today, to_local


def when(value: datetime | None, time: bool = False) -> str:
    """A stored UTC time as a local date (and time)."""
    if value is None:
        return ""
    return to_local(value).strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def day(value: date | None) -> str:
    return value.isoformat() if value else ""


def money(value: Decimal | int | None) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def due(value: datetime | None) -> Text:
    """A next follow-up date, marked when it is overdue (bold) or today (underlined), so it reads without colour."""
    if value is None:
        return Text("")
    local = to_local(value).date()
    today = local_today()
    if local < today:
        return Text(local.isoformat() + "!", style="bold red")
    if local == today:
        return Text(local.isoformat(), style="underline yellow")
    return Text(local.isoformat())


def text(value) -> str:
    return "" if value is None else str(value)
