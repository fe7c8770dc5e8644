"""What a user types, read once for every door it comes in by (an option, a form, a cell of an imported file):
money, choices (tiers, statuses, kinds …), yes/no, phone numbers, e-mail addresses, dates and times, and text
lengths. Each reader returns the value to store or raises Invalid, which carries both a sentence for a person at a
command line and the short reason an import report puts after the cell ("amount '1.005' has more than two
decimals"). Free of peewee, so the command line's own parameter parsing may use it.

Money, decided once (tests/test_values.py pins it for every command that takes an amount):
- full-width digits and marks read as their ASCII forms (１２３ is 123, ￥ is ¥);
- the database currency's own marks may come before or after the number (¥100, 100元, RMB 100 for CNY; $100 for
  USD); another currency's marks are refused, never silently taken for this one;
- thousands are grouped by commas, spaces or underscores in threes (1,000.50), nothing else: 1,5 is refused, not 15;
- at most two decimals: 1.005 is refused, not rounded; -0 is 0; no exponents (1e3);
- not negative unless the caller allows it, not zero where the caller forbids it, and below 10^13.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from crmtui.store.kernel import clock, normalize
from crmtui.store.kernel.errors import Invalid

MAX_TEXT = 255  # what a CharField holds on PostgreSQL (varchar(255))
MAX_AMOUNT = Decimal("10000000000000")  # 10^13: far beyond any deal, well inside BIGINT cents
CENT = Decimal("0.01")

# The vocabulary: what a column of each kind may hold.
TIERS = ("A", "B", "C", "D", "E")
ROLES = ("admin", "manager", "rep")
FOLLOWUP_TYPES = ("call", "visit", "wechat", "email", "meeting", "sms", "other")
STAGE_KINDS = ("open", "won", "lost")
QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected")
CONTRACT_STATUSES = ("draft", "active", "completed", "terminated")
TICKET_STATUSES = ("open", "in-progress", "resolved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
OWNERSHIP_KINDS = ("create", "claim", "release", "assign", "reclaim", "transfer", "merge", "import")

# The marks that name each currency around an amount; a mark of any other currency is refused.
CURRENCY_MARKS = {
    "CNY": ("¥", "元", "RMB", "CNY"),
    "USD": ("US$", "$", "USD"),
    "EUR": ("€", "EUR"),
    "GBP": ("£", "GBP"),
    "JPY": ("¥", "円", "JPY"),
    "HKD": ("HK$", "HKD"),
}
_ALL_MARKS = "|".join(
    map(re.escape, sorted({m for marks in CURRENCY_MARKS.values() for m in marks}, key=len, reverse=True))
)
# Patterns, not compiled objects: re compiles and caches them on first use, which every command's start need not pay.
_MARK = rf"^(?P<before>{_ALL_MARKS})?\s*(?P<number>.*?)\s*(?P<after>{_ALL_MARKS})?$"
_NUMBER = r"^-?(?:\d{1,3}(?:(?P<sep>[, _])\d{3})(?:(?P=sep)\d{3})*|\d+)?(?:\.\d*)?$"

YES = ("yes", "y", "true", "t", "1", "on", "是")
NO = ("no", "n", "false", "f", "0", "off", "否")


def _ascii(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# --- text --------------------------------------------------------------------------------------------------------


def text(value: str | None, what: str = "text", required: bool = False) -> str | None:
    """VALUE stripped; None when empty (Invalid when REQUIRED); at most MAX_TEXT characters."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise Invalid(f"A {what} cannot be empty.", "is empty")
        return None
    if len(cleaned) > MAX_TEXT:
        raise Invalid(
            f"The {what} is {len(cleaned)} characters long; at most {MAX_TEXT} fit.",
            f"is {len(cleaned)} characters long; at most {MAX_TEXT} fit",
        )
    return cleaned


def name(value: str | None, what: str) -> str:
    """A required name (of WHAT: 'customer', 'deal' …) with its runs of white space made one space."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise Invalid(f"A {what} needs a name.", "is empty")
    return text(cleaned, f"{what} name")


def handle(value: str | None, what: str, noun: str = "name") -> str:
    """A required name of something named on the command line by id or by that name (a deal's title, a
    pipeline's or stage's name): so it is never only digits."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise Invalid(f"A {what} needs a {noun}.", "is empty")
    if cleaned.lstrip("#").isdigit():
        raise Invalid(f"A {what} {noun} cannot be a number: {what}s are named by id or by {noun}.", "is a number")
    return text(cleaned, f"{what} {noun}")


def note(value: str | None) -> str:
    """Free text of any length (a follow-up's note), stripped."""
    return (value or "").strip()


def tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags as lower-case words, each once, in the order given: a list, or one text separated by , ; | (also ，；)."""
    items = [value] if isinstance(value, str) else list(value or ())
    found = (t.strip().lower() for item in items for t in re.split(r"[;,，；|]", item))
    return list(dict.fromkeys(t for t in found if t))


def page(limit: int | None, offset: int = 0) -> None:
    """A page of a list: LIMIT rows (None: all) after OFFSET."""
    if (limit is not None and limit < 0) or offset < 0:
        raise Invalid("--limit and --offset take numbers, 0 or more.")


# --- choices -----------------------------------------------------------------------------------------------------


def choice(value: str, allowed: Iterable[str], label: str, fold: Callable[[str], str] = str.lower) -> str:
    """VALUE, folded (lower case by default), if it is one of ALLOWED."""
    allowed = tuple(allowed)
    folded = fold(_ascii(str(value)).strip())
    if folded not in allowed:
        raise Invalid(
            f"Unknown {label} {value!r}: use one of {', '.join(allowed)}.", f"is not one of {', '.join(allowed)}"
        )
    return folded


def choices(value: str, allowed: Iterable[str], label: str, fold: Callable[[str], str] = str.lower) -> list[str]:
    """Several of ALLOWED, comma-separated ('A,B', 'open,in-progress')."""
    allowed = tuple(allowed)
    return list(dict.fromkeys(choice(part, allowed, label, fold) for part in re.split(r"[,，]", value) if part.strip()))


def tier(value: str) -> str:
    return choice(value, TIERS, "tier", str.upper)


def tiers(value: str) -> list[str]:
    return choices(value, TIERS, "tier", str.upper)


def yes_no(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    word = _ascii(str(value)).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid(f"{value!r} is not yes or no.", "is not yes or no")


# --- contact details ---------------------------------------------------------------------------------------------


def phone(value: str | None) -> str | None:
    """A phone number kept as written (runs of white space made one), once it has the shape of one; empty is None."""
    cleaned = " ".join((value or "").split())
    if not cleaned:
        return None
    if normalize.phone(cleaned) is None:
        raise Invalid(
            f"{value!r} is not a phone number: use digits, optionally with +, spaces or dashes.",
            "is not a phone number",
        )
    return cleaned


def email(value: str | None) -> str | None:
    """An e-mail address in lower case; empty is None."""
    if not value or not value.strip():
        return None
    found = normalize.email(value)
    if found is None:
        raise Invalid(f"{value!r} is not an email address.", "is not an e-mail address")
    return found


# --- money -------------------------------------------------------------------------------------------------------


def money(
    value, what: str = "Amount", currency: str = "CNY", allow_zero: bool = True, allow_negative: bool = False
) -> Decimal:
    """An amount of money as users type it, exact to the cent (the rules are this module's docstring). WHAT names
    it in the sentence; CURRENCY is the database's (settings.get_setting('currency'))."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        amount = Decimal(value)
    else:
        amount = _amount(str(value), what, currency)
    if not amount.is_finite():
        raise Invalid(
            f"{what}: {value!r} is not an amount: it is not a number such as 12000 or 99.50.", "is not an amount"
        )
    if amount < 0 and not allow_negative and amount != 0:
        raise Invalid(f"{what}: {value!r} is not an amount of zero or more.", "is not an amount of zero or more")
    if abs(amount) >= MAX_AMOUNT:
        raise Invalid(f"{what}: {value!r} is too large for an amount.", "is too large for an amount")
    if amount != amount.quantize(CENT):
        raise Invalid(f"{what}: {value!r} has more than two decimals.", "has more than two decimals")
    amount = amount.quantize(CENT) + 0  # + 0: -0 is 0
    if amount == 0 and not allow_zero:
        raise Invalid(f"{what} must be more than 0.", "must be more than 0")
    return amount


def bounded(amount: Decimal, what: str) -> Decimal:
    """AMOUNT (computed: a line's total, a document's) if it stays below the largest amount crm keeps."""
    if abs(amount) >= MAX_AMOUNT:
        raise Invalid(f"{what} comes to {amount:,.2f}, too large for an amount.", "is too large for an amount")
    return amount


def _amount(typed: str, what: str, currency: str) -> Decimal:
    written = _ascii(typed).strip()
    marked = re.match(_MARK, written, re.IGNORECASE)
    number = marked.group("number") if marked else written
    for mark in (marked.group("before"), marked.group("after")) if marked else ():
        if mark and mark.upper() not in CURRENCY_MARKS.get(currency, (currency,)):
            raise Invalid(
                f"{what}: {typed!r} is not in {currency}, the currency of this database.",
                f"is not in {currency}, the currency of this database",
            )
    if not number or number in ("-", ".") or not re.match(_NUMBER, number):
        raise Invalid(
            f"{what}: {typed!r} is not an amount: it is not a number such as 12000 or 99.50.", "is not an amount"
        )
    try:
        return Decimal(re.sub(r"[, _]", "", number))
    except InvalidOperation:
        raise Invalid(
            f"{what}: {typed!r} is not an amount: it is not a number such as 12000 or 99.50.", "is not an amount"
        ) from None


def decimal(value, what: str) -> Decimal:
    """A plain decimal number (a quantity, a percentage): full-width digits read, commas as thousands."""
    text_value = _ascii(str(value)).strip().replace(",", "")
    try:
        number = Decimal(text_value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or "e" in text_value.lower():
        raise Invalid(f"{what} {value!r} is not a number.", "is not a number")
    return number


# --- dates and times ---------------------------------------------------------------------------------------------


def when(value: str) -> datetime:
    """A date or time as users type it (local time), as a stored UTC time (clock.parse_when)."""
    return clock.parse_when(value)


def day(value: str | date) -> date:
    """A calendar date as users type it (clock.parse_date); a date stays itself."""
    return value if isinstance(value, date) else clock.parse_date(str(value))


def optional_day(value: str | date | None) -> date | None:
    """A date, or None for nothing or '' (the way a date is cleared)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return day(value)
