"""Shared set-up for tests/test_values.py: the inputs money is pinned on, a sales world every command that takes an
amount can act in, and each such door of the command line with how it types an amount and how it names it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

from conftest import as_user
from sales_helpers import catalogue, customers

# What people type, and the amount it is (the database currency is the default, CNY).
ACCEPTED = [
    ("¥100", "100.00"),  # the currency's sign before the number
    ("100元", "100.00"),  # its character after it
    ("RMB 100", "100.00"),  # its code-like mark, with a space
    ("1,000.50", "1000.50"),  # thousands grouped by commas in threes
    ("１２３", "123.00"),  # full-width digits
    ("-0", "0.00"),  # minus zero is zero, not -0.00
]
POSITIVE = [(typed, amount) for typed, amount in ACCEPTED if amount != "0.00"]  # where zero is not an amount
MORE_ACCEPTED = [
    ("￥５０", "50.00"),  # the full-width yen sign is ¥
    ("CNY1,200.00", "1200.00"),  # the ISO code, no space
    ("rmb 7", "7.00"),  # marks in any case
    ("100 CNY", "100.00"),  # the code after the number
    ("１，０００．５０", "1000.50"),  # full-width comma and point
    ("1 000", "1000.00"),  # thousands grouped by spaces
    ("1_000", "1000.00"),  # or underscores
    (" 12.5 ", "12.50"),  # surrounding blanks; one decimal is two
]
LARGEST = ("9999999999999.99", "9999999999999.99")  # just below 10^13, exact on both backends

# What is refused, and the reason the sentence gives after the typed text.
REFUSED = [
    ("$100", "is not in CNY, the currency of this database."),  # another currency's mark
    ("1,5", "is not an amount"),  # not thousands: neither 15 nor 1.5
    ("1.005", "has more than two decimals."),  # not rounded
    ("1e3", "is not an amount"),  # no exponents
    ("-3", "is not an amount of zero or more."),
    ("abc", "is not an amount"),
]
MORE_REFUSED = [
    ("€5", "is not in CNY, the currency of this database."),
    ("100円", "is not in CNY, the currency of this database."),  # yen's character, though ¥ is shared
    ("10000000000000", "is too large for an amount."),  # 10^13
    ("1,000,00", "is not an amount"),  # groups of three only
    ("", "is not an amount"),
]
MINUS_ZERO = ("-0", None)  # refused where zero is not an amount: "<what> must be more than 0."


def sentence(what: str, typed: str, reason: str | None) -> str:
    """The one line a refused amount prints (REASON None: the amount is 0 where it must be more)."""
    if reason is None:
        return f"crm: {what} must be more than 0.\n"
    return f"crm: {what}: {typed!r} {reason}"


@dataclass
class World:
    """The catalogue (P1 33.33, TRAIN 0.10, OLD withdrawn), 宏达 (wang's) and 张的客户 (zhang's), and wang's deal,
    draft quote and active contract of 100000.00 to edit, pay and invoice."""

    deal: int
    quote: str
    contract: str


def sales_world() -> World:
    from crmtui.store.kernel.models import Contract
    from crmtui.store.money.contracts import add_contract
    from crmtui.store.sales.deals import add_deal
    from crmtui.store.sales.quotes import add_quote, get_quote

    catalogue()
    customers()
    wang = as_user("wang")
    deal = add_deal(wang, "宏达", "Edit me", "1")
    quote = get_quote(wang, add_quote(wang, "宏达", ["P1:1"])).number
    contract = Contract.get_by_id(add_contract(wang, "宏达", amount="100000", signed_on="2026-11-01")).number
    return World(deal, quote, contract)


# --- the doors ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    """A command that takes an amount: ARGS types TEXT as its amount (N numbers what it adds, to keep names apart);
    WHAT is how its sentence names the amount; ZERO whether 0 is an amount there."""

    name: str
    user: str
    what: str
    args: Callable[[World, int, str], tuple]
    zero: bool = True

    def __repr__(self) -> str:
        return self.name


def line(text: str) -> tuple[str, str]:
    return ("--line", f"P1:1:{text}")


def instalment(month: int, text: str) -> tuple[str, str]:
    return ("--instalment", f"2027-{month:02d}-01={text}")


def positional(text: str) -> tuple[str, ...]:
    """A positional amount as typed, after `--` when it begins with a minus, so that it reaches the money reader
    rather than the option parser (test_values.py has what happens without it)."""
    return ("--", text) if text.startswith("-") else (text,)


DOORS = [
    Door("deal add", "wang", "Amount", lambda w, n, t: ("deal", "add", "宏达", f"D{n}", "--amount", t)),
    Door("deal edit", "wang", "Amount", lambda w, n, t: ("deal", "edit", str(w.deal), "--amount", t)),
    Door(
        "product add", "li.na", "Unit price", lambda w, n, t: ("product", "add", f"X{n}", f"Product {n}", "--price", t)
    ),
    Door("product edit", "li.na", "Unit price", lambda w, n, t: ("product", "edit", "P1", "--price", t)),
    Door("quote add --line", "wang", "Unit price", lambda w, n, t: ("quote", "add", "宏达", *line(t))),
    Door("quote edit --line", "wang", "Unit price", lambda w, n, t: ("quote", "edit", w.quote, *line(t))),
    Door(
        "contract add --amount", "wang", "Contract amount", lambda w, n, t: ("contract", "add", "宏达", "--amount", t)
    ),
    Door("contract add --line", "wang", "Unit price", lambda w, n, t: ("contract", "add", "宏达", *line(t))),
    Door(
        "contract add --instalment",
        "wang",
        "Instalment amount",
        lambda w, n, t: ("contract", "add", "宏达", "--amount", "100", *instalment(1, t)),
        zero=False,
    ),
    Door("payment add", "wang", "Payment", lambda w, n, t: ("payment", "add", w.contract, *positional(t)), zero=False),
    Door(
        "invoice add",
        "wang",
        "Invoice amount",
        lambda w, n, t: ("invoice", "add", w.contract, *positional(t)),
        zero=False,
    ),
]
DOOR = {door.name: door for door in DOORS}


def shown(cli, user: str, *args: str):
    """The JSON a `show` or `list --format json` prints."""
    result = cli(*args, "--format", "json", user=user)
    assert result.exit_code == 0, (args, result.stderr)
    return json.loads(result.stdout)


def accepted(result, args) -> None:
    assert result.exit_code == 0, (args, result.exit_code, result.stderr)
    assert "crm:" not in result.stderr, (args, result.stderr)


def one_sentence(stderr: str) -> bool:
    """Whether STDERR is one line, the sentence `crm: ….`"""
    return stderr.startswith("crm: ") and stderr.endswith(".\n") and stderr.count("\n") == 1


def refused_once(result, args, expected: str) -> None:
    """Exit 2, nothing on stdout and one sentence on stderr, the one EXPECTED begins."""
    assert result.exit_code == 2, (args, result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith(expected) and one_sentence(result.stderr), (args, result.stderr)
    assert result.stdout == "", (args, result.stdout)


# --- imports -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Import:
    """`crm import ENTITY`: the money column FIELD of a row keyed KEY=N; ROW makes the row's other cells."""

    entity: str
    user: str
    field: str
    header: tuple[str, ...]
    row: Callable[[int], list[str]]
    listing: tuple[str, ...]
    key: str

    def __repr__(self) -> str:
        return f"import {self.entity}"

    def key_of(self, n: int) -> str:
        return self.row(n)[self.header.index(self.key)]

    def csv(self, amounts: list[str]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*self.header, self.field])
        for n, amount in enumerate(amounts, 1):
            writer.writerow([*self.row(n), amount])
        return out.getvalue()


IMPORTS = [
    Import(
        "deals",
        "wang",
        "amount",
        ("external_id", "customer", "title"),
        lambda n: [f"E{n}", "宏达", f"Imported {n}"],
        ("deal", "list"),
        "title",
    ),
    Import(
        "products",
        "li.na",
        "unit_price",
        ("code", "name"),
        lambda n: [f"I{n}", f"Imported {n}"],
        ("product", "list"),
        "code",
    ),
    Import(
        "contracts",
        "wang",
        "amount",
        ("number", "customer"),
        lambda n: [f"HT-{n}", "宏达"],
        ("contract", "list"),
        "number",
    ),
]
