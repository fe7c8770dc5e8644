"""kernel/values.py: what a typed value means, decided once for every door it comes in by."""

from decimal import Decimal

import pytest
from conftest import database_state
from sales_helpers import customers
from values_helpers import (
    ACCEPTED,
    DOOR,
    DOORS,
    IMPORTS,
    LARGEST,
    MINUS_ZERO,
    MORE_ACCEPTED,
    MORE_REFUSED,
    POSITIVE,
    REFUSED,
    accepted,
    instalment,
    line,
    one_sentence,
    refused_once,
    sales_world,
    sentence,
    shown,
)

from crmtui.store.kernel import normalize, values
from crmtui.store.kernel.errors import BadInput, Invalid
from crmtui.store.kernel.models import Deal, Product
from crmtui.store.kernel.values import money


def parse_amount(text):
    return money(text, "Amount", "CNY")


def test_amounts_are_exact():
    assert parse_amount("0") == Decimal("0.00")
    assert parse_amount(" 1,234.5 ") == Decimal("1234.50")
    assert parse_amount("0.1") + parse_amount("0.2") == Decimal("0.30")
    for bad in ("abc", "-1", "1.234", "NaN", "Infinity", "1e20", ""):
        with pytest.raises(BadInput):
            parse_amount(bad)


# --- money through every command that takes it ----------------------------------------------------------------------
# A door is one command that takes an amount (values_helpers.DOORS, IMPORTS). Every door is tried with the same
# inputs, through the real entry point on both backends: the accepted ones are read back as the amounts they mean,
# the refused ones are one sentence with exit 2 and leave every table as it was. One database serves both halves.


@pytest.fixture
def world(team, monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:00")
    return sales_world()


def typed_for(door):
    """What a door is tried with: every accepted way where zero is an amount, all the others at once in a quote's
    lines, and the largest amount at `deal add`."""
    if not door.zero:
        return POSITIVE
    return ACCEPTED + {"deal add": [LARGEST], "quote add --line": MORE_ACCEPTED}.get(door.name, [])


def refused_at(door):
    """REFUSED everywhere; -0 where zero is not an amount; the rest of the refusals at `deal add`, and an empty
    argument at `payment add`."""
    more = {"deal add": MORE_REFUSED, "payment add": [case for case in MORE_REFUSED if not case[0]]}.get(door.name, [])
    return REFUSED + ([] if door.zero else [MINUS_ZERO]) + more


# A door that adds a row is read back through its `list --format json`, an edit through the store after each edit.
LISTED = {
    "deal add": (("deal", "list", "--limit", "0"), "amount"),
    "product add": (("product", "list", "--limit", "0"), "unit_price"),
    "contract add --amount": (("contract", "list", "--limit", "0"), "amount"),
    "payment add": (("payment", "list", "--limit", "0"), "amount"),
    "invoice add": (("invoice", "list", "--limit", "0"), "amount"),
}
STORED = {
    "deal edit": lambda w: Deal.get_by_id(w.deal).amount,
    "product edit": lambda w: Product.get(Product.code == "P1").unit_price,
}
# A door that takes several amounts (lines, instalments) types them all in one command, read back with `show`.
GROUPED = {
    "quote add --line": ("quote", "add", "宏达"),
    "quote edit --line": ("quote", "edit", None),  # the world's draft quote
    "contract add --line": ("contract", "add", "宏达"),
    "contract add --instalment": ("contract", "add", "宏达", "--amount", "1423.50"),  # 100 + 100 + 100 + 1000.50 + 123
}


def one_by_one(world, cli, door):
    added = []
    for n, (typed, amount) in enumerate(typed_for(door), 1):
        args = door.args(world, n, typed)
        result = cli(*args, user=door.user)
        accepted(result, args)
        if door.name in STORED:
            assert str(STORED[door.name](world)) == amount, (typed, amount)
        else:
            added.append((int(result.stdout), typed, amount))
    if door.name in LISTED:
        listing, field = LISTED[door.name]
        stored = {row["id"]: row[field] for row in shown(cli, door.user, *listing)}
        assert [(typed, stored[i]) for i, typed, _ in added] == [(typed, amount) for _, typed, amount in added]


def all_at_once(world, cli, door):
    cases = typed_for(door)
    each = instalment if "instalment" in door.name else lambda m, t: line(t)
    many = [a for m, (t, _) in enumerate(cases, 1) for a in each(m, t)]
    args = tuple(world.quote if a is None else a for a in GROUPED[door.name]) + tuple(many)
    result = cli(*args, user=door.user)
    accepted(result, args)
    ref = world.quote if door.name.startswith("quote edit") else result.stdout.strip()
    detail = shown(cli, door.user, door.name.split()[0], "show", ref)
    expected = [amount for _, amount in cases]
    if "instalment" in door.name:
        assert (detail["amount"], [i["amount"] for i in detail["instalments"]]) == ("1423.50", expected)
    else:
        assert [(ln["unit_price"], ln["total"]) for ln in detail["lines"]] == [(a, a) for a in expected]  # quantity 1
        assert detail["total" if door.name.startswith("quote") else "amount"] == str(sum(map(Decimal, expected)))


@pytest.mark.parametrize("door", DOORS, ids=repr)
def test_each_command_stores_what_an_amount_means_and_refuses_the_rest_changing_nothing(world, cli, door):
    (all_at_once if door.name in GROUPED else one_by_one)(world, cli, door)
    before = database_state()
    for n, (typed, reason) in enumerate(refused_at(door), 1):
        args = door.args(world, 100 + n, typed)
        refused_once(cli(*args, user=door.user), args, sentence(door.what, typed, reason))
    if door.name in ("payment add", "invoice add"):
        # typed plainly, a leading minus is taken for an option: still exit 2 and one sentence
        for typed in ("-3", "-0"):
            args = (door.name.split()[0], "add", world.contract, typed)
            result = cli(*args, user=door.user)
            assert result.exit_code == 2 and one_sentence(result.stderr), (args, result.stderr)
    assert database_state() == before


def test_a_negative_amount_argument_is_refused_by_the_money_rule(world, cli):
    for door in (DOOR["payment add"], DOOR["invoice add"]):
        result = cli(door.name.split()[0], "add", world.contract, "-3", user=door.user)
        assert result.stderr.startswith(sentence(door.what, "-3", "is not an amount of zero or more.")), result.stderr


def test_a_line_total_too_large_for_an_amount_is_refused(world, cli):
    before = database_state()
    for noun in ("quote", "contract"):
        args = (noun, "add", "宏达", "--line", "P1:10000000:9999999999999.99")
        result = cli(*args, user="wang")
        assert result.exit_code == 2 and one_sentence(result.stderr), (args, result.stderr)
    assert database_state() == before


def write_csv(tmp_path, spec, amounts):
    path = tmp_path / f"{spec.entity}-{len(amounts)}.csv"
    path.write_text(spec.csv(amounts), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("spec", IMPORTS, ids=repr)
def test_an_imported_cell_is_read_like_a_typed_amount(world, cli, tmp_path, spec):
    # one bad cell and nothing is imported, not even the good row on line 2; each bad cell is named on its line
    bad = REFUSED + [case for case in MORE_REFUSED if case[0]]  # an empty cell is no amount: 0, or the --default
    before = database_state()
    result = cli("import", spec.entity, write_csv(tmp_path, spec, ["¥100"] + [t for t, _ in bad]), user=spec.user)
    assert result.exit_code == 2, result.stderr
    report = result.stderr.splitlines()
    assert [r for r in report if r.startswith("line ")] == [
        f"line {n}: {spec.field} {t!r} {reason.rstrip('.')}" for n, (t, reason) in enumerate(bad, 3)
    ]
    assert [r for r in report if r.startswith("crm: ")] == [report[-1]] and "Nothing was imported: line 3" in report[-1]
    assert database_state() == before
    # every accepted way, read back through the command line
    result = cli("import", spec.entity, write_csv(tmp_path, spec, [t for t, _ in ACCEPTED]), user=spec.user)
    assert result.exit_code == 0 and f"{len(ACCEPTED)} new" in result.stderr, result.stderr
    stored = {row[spec.key]: row[spec.field] for row in shown(cli, spec.user, *spec.listing, "--limit", "0")}
    assert [(t, stored[spec.key_of(n)]) for n, (t, _) in enumerate(ACCEPTED, 1)] == ACCEPTED


def test_a_json_number_is_read_exactly(world, cli, tmp_path):
    path = tmp_path / "products.json"
    path.write_text('[{"code": "J1", "name": "Json", "unit_price": 1.0000000000000001}]', encoding="utf-8")
    before = database_state()
    result = cli("import", "products", str(path), user="li.na")
    assert result.exit_code == 2 and "has more than two decimals" in result.stderr, result.stderr
    assert database_state() == before


def test_the_database_currency_decides_which_marks_are_its_own(team, cli, tmp_path):
    customers()
    assert cli("settings", "set", "currency", "USD").exit_code == 0
    added = []
    dollars = [("$100", "100.00"), ("US$5", "5.00"), ("100 usd", "100.00"), ("USD1,000.50", "1000.50")]
    for n, (typed, amount) in enumerate(dollars):
        result = cli("deal", "add", "宏达", f"D{n}", "--amount", typed, user="wang")
        accepted(result, typed)
        added.append((int(result.stdout), amount))
    stored = {row["id"]: row["amount"] for row in shown(cli, "wang", "deal", "list")}
    assert [stored[i] for i, _ in added] == [amount for _, amount in added]
    before = database_state()
    for typed in ("¥100", "RMB 100", "HK$100"):
        args = ("deal", "add", "宏达", "X", "--amount", typed)
        expected = sentence("Amount", typed, "is not in USD, the currency of this database.")
        refused_once(cli(*args, user="wang"), args, expected)
    path = tmp_path / "deals.csv"
    path.write_text("customer,title,amount\n宏达,Dollars,$7\n宏达,Yuan,¥7\n", encoding="utf-8")
    result = cli("import", "deals", str(path), user="wang")
    assert result.exit_code == 2, result.stderr
    assert "line 3: amount '¥7' is not in USD, the currency of this database\n" in result.stderr
    assert database_state() == before


# --- the readers themselves ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    ACCEPTED
    + MORE_ACCEPTED
    + [
        ("0", "0.00"),
        ("０", "0.00"),
        ("¥0.00", "0.00"),
        ("  ¥ 1,000  ", "1000.00"),
        ("1\u00a0000", "1000.00"),  # no-break space
        ("ＲＭＢ１００", "100.00"),
        ("Cny 5", "5.00"),
        ("5 元", "5.00"),
        ("1,234,567.89", "1234567.89"),
        ("1234567", "1234567.00"),
    ],
)
def test_money_reads_what_people_type(typed, amount):
    read = values.money(typed, "Amount", "CNY")
    assert (str(read), read.is_signed()) == (amount, False)


@pytest.mark.parametrize(
    ("typed", "reason"),
    REFUSED
    + MORE_REFUSED
    + [
        (" ", "is not an amount"),
        ("-", "is not an amount"),
        (".", "is not an amount"),
        ("-.", "is not an amount"),
        ("+5", "is not an amount"),
        ("0x10", "is not an amount"),
        ("１e３", "is not an amount"),
        ("1E3", "is not an amount"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("¥¥100", "is not an amount"),
        ("¥", "is not an amount"),
        ("1,000 000", "is not an amount"),
        ("1 000,50", "is not an amount"),
        ("12,34.5", "is not an amount"),
        ("－１", "is not an amount of zero or more"),
        ("¥-5", "is not an amount of zero or more"),
        ("US$3", "is not in CNY"),
        ("HK$3", "is not in CNY"),
        ("£1", "is not in CNY"),
        ("5 EUR", "is not in CNY"),
        ("10,000,000,000,000.00", "is too large for an amount"),
        ("0.001", "has more than two decimals"),
        ("１．００５", "has more than two decimals"),
    ],
)
def test_money_refuses_with_a_sentence_and_a_short_reason(typed, reason):
    with pytest.raises(Invalid) as refused:
        values.money(typed, "Amount", "CNY")
    assert str(refused.value).startswith(f"Amount: {typed!r} {reason}"), str(refused.value)
    assert refused.value.reason.startswith(reason.rstrip(".")) and not refused.value.reason.endswith(".")


@pytest.mark.parametrize(
    ("typed", "currency", "amount"),
    [
        ("$100", "USD", "100.00"),
        ("US$1,000", "USD", "1000.00"),
        ("100 USD", "USD", "100.00"),
        ("€5", "EUR", "5.00"),
        ("5 eur", "EUR", "5.00"),
        ("£2.50", "GBP", "2.50"),
        ("HK$3", "HKD", "3.00"),
        ("¥500", "JPY", "500.00"),
        ("500円", "JPY", "500.00"),
        ("¥500", "CNY", "500.00"),  # ¥ is the yuan's and the yen's
    ],
)
def test_money_takes_the_marks_of_the_currency_it_is_given(typed, currency, amount):
    assert str(values.money(typed, "Amount", currency)) == amount


@pytest.mark.parametrize(
    ("typed", "currency"),
    [
        ("¥100", "USD"),
        ("$100", "HKD"),
        ("HK$3", "USD"),
        ("US$3", "HKD"),
        ("元5", "JPY"),
        ("円5", "CNY"),
        ("RMB 5", "EUR"),
        ("€5", "GBP"),
    ],
)
def test_money_refuses_the_marks_of_another_currency(typed, currency):
    with pytest.raises(Invalid, match=f"is not in {currency}, the currency of this database"):
        values.money(typed, "Amount", currency)


def test_money_zero_negative_numbers_and_its_bounds():
    for zero in ("0", "-0", "０", "¥0.00", "-0.00"):
        with pytest.raises(Invalid, match=r"^Payment must be more than 0\.$"):
            values.money(zero, "Payment", "CNY", allow_zero=False)
        assert str(values.money(zero, "Amount", "CNY", allow_negative=True)) == "0.00"
    assert values.money("0.01", "Payment", "CNY", allow_zero=False) == Decimal("0.01")
    assert str(values.money("-5", "Adjustment", "CNY", allow_negative=True)) == "-5.00"
    assert str(values.money("-9999999999999.99", "Adjustment", "CNY", allow_negative=True)) == "-9999999999999.99"
    for large in ("10000000000000", "-10000000000000"):
        with pytest.raises(Invalid, match="too large"):
            values.money(large, "Adjustment", "CNY", allow_negative=True)
    with pytest.raises(Invalid, match="more than two decimals"):
        values.money("-1.005", "Adjustment", "CNY", allow_negative=True)
    # numbers (not text) are taken as they are, by the same rules
    assert (values.money(Decimal("12.5")), values.money(7)) == (Decimal("12.50"), Decimal("7.00"))
    for bad in (Decimal("NaN"), Decimal("1.005"), Decimal("-1"), True):
        with pytest.raises(Invalid):
            values.money(bad)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("On", True),
        ("1", True),
        (" t ", True),
        ("是", True),
        ("ｙｅｓ", True),
        ("ＹＥＳ", True),
        ("１", True),
        (True, True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("OFF", False),
        ("0", False),
        ("否", False),
        ("ＮＯ", False),
        ("０", False),
        (False, False),
    ],
)
def test_yes_no_folds_case_and_width(typed, meant):
    assert values.yes_no(typed) is meant


@pytest.mark.parametrize("typed", ["", " ", "maybe", "2", "是的", "yess", "ｙ ｅ ｓ"])
def test_yes_no_refuses_anything_else(typed):
    with pytest.raises(Invalid, match="is not yes or no") as refused:
        values.yes_no(typed)
    assert refused.value.reason == "is not yes or no"


def test_choices_and_tiers_fold_case_width_and_blanks():
    assert [values.tier(t) for t in ("a", "Ａ", " b ", "e", "ｅ")] == ["A", "A", "B", "E", "E"]
    assert values.tiers("a,B，ｃ") == ["A", "B", "C"]  # an ASCII or a full-width comma between
    assert values.tiers("ａ，ｂ") == ["A", "B"]
    assert values.tiers("a,A,,a") == ["A"]  # each once; empty parts skipped
    assert values.tiers("") == values.tiers(" , ") == []
    assert values.choice("ＯＰＥＮ", values.STAGE_KINDS, "deal kind") == "open"
    assert values.choice(" Won ", values.STAGE_KINDS, "deal kind") == "won"
    assert values.choices("OPEN，Lost,open", values.STAGE_KINDS, "deal kind") == ["open", "lost"]
    assert values.choice("In-Progress", values.TICKET_STATUSES, "ticket status") == "in-progress"


@pytest.mark.parametrize(
    ("call", "sentence_", "reason"),
    [
        (lambda: values.tier(""), "Unknown tier '': use one of A, B, C, D, E.", "is not one of A, B, C, D, E"),
        (lambda: values.tier("F"), "Unknown tier 'F': use one of A, B, C, D, E.", "is not one of A, B, C, D, E"),
        (lambda: values.tier("AB"), "Unknown tier 'AB': use one of A, B, C, D, E.", "is not one of A, B, C, D, E"),
        (lambda: values.tiers("A,Z"), "Unknown tier 'Z': use one of A, B, C, D, E.", "is not one of A, B, C, D, E"),
        (
            lambda: values.choice("", values.STAGE_KINDS, "deal kind"),
            "Unknown deal kind '': use one of open, won, lost.",
            "is not one of open, won, lost",
        ),
        (
            lambda: values.choice("open,", values.STAGE_KINDS, "deal kind"),
            "Unknown deal kind 'open,': use one of open, won, lost.",
            "is not one of open, won, lost",
        ),
    ],
)
def test_an_unknown_choice_names_the_choices(call, sentence_, reason):
    with pytest.raises(Invalid) as refused:
        call()
    assert (str(refused.value), refused.value.reason) == (sentence_, reason)


@pytest.mark.parametrize(
    ("typed", "kept", "digits"),
    [
        ("13800138000", "13800138000", "13800138000"),
        ("  138  0013 8000 ", "138 0013 8000", "13800138000"),  # runs of blanks made one
        ("+86 138-0013-8000", "+86 138-0013-8000", "13800138000"),  # kept as written; matched without +86
        ("0086 13800138000", "0086 13800138000", "13800138000"),
        ("(010) 6666-7777", "(010) 6666-7777", "01066667777"),
        ("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_keeps_what_was_written_once_it_is_a_number(typed, kept, digits):
    assert values.phone(typed) == kept
    assert normalize.phone(kept) == digits


def test_phone_reads_full_width_and_empty():
    full_width = values.phone("１３８ ００１３ ８０００")
    assert full_width is not None and normalize.phone(full_width) == "13800138000"  # the same number as in ASCII
    assert values.phone("") is values.phone("   ") is values.phone(None) is None
    for bad in ("abc", "12", "138 0013 8000 转 12", "＋８６ １３８", "1380013800O"):
        with pytest.raises(Invalid, match="is not a phone number") as refused:
            values.phone(bad)
        assert refused.value.reason == "is not a phone number"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Info@HN.cn", "info@hn.cn"),
        (" A@B.CO ", "a@b.co"),
        ("ｉｎｆｏ＠ｈｎ．ｃｎ", "info@hn.cn"),  # case and width folded
        ("li.na+crm@example.com.cn", "li.na+crm@example.com.cn"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_email_folds_case_and_width(typed, kept):
    assert values.email(typed) == kept


@pytest.mark.parametrize("typed", ["x@", "@hn.cn", "a@b", "a b@c.d", "a@b.c,d@e.f", "a@@b.cn", "a@b.cn."])
def test_email_refuses_what_is_not_an_address(typed):
    with pytest.raises(Invalid, match="is not an email address") as refused:
        values.email(typed)
    assert refused.value.reason == "is not an e-mail address"
