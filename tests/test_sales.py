"""The money side of the sales process on both backends: line totals, quotes becoming contracts, payment plans,
payments filling the oldest instalment first, invoices capped at the contract amount, and scope."""

import json
from datetime import date
from decimal import Decimal

import pytest
from conftest import as_user, database_state
from hypothesis import given, settings
from hypothesis import strategies as st
from sales_helpers import catalogue, contract_of_300, customers, plan_of

from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted, Refused
from crmtui.store.kernel.models import Contract, ContractLine, Instalment, Quote
from crmtui.store.money.acceptance import accept_quote
from crmtui.store.money.contracts import add_contract, list_contracts
from crmtui.store.money.detail import get_contract
from crmtui.store.money.payments import add_payment, allocate
from crmtui.store.money.plans import split_amount
from crmtui.store.sales.lines import line_total, lines_total, parse_discount, parse_line_spec
from crmtui.store.sales.quotes import add_quote, get_quote, reject_quote, send_quote

D = Decimal


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:00")


@pytest.fixture
def sales(team, pinned):
    catalogue()
    return customers()


# --- the line rule ---------------------------------------------------------------------------------------------


def test_line_totals_round_half_up_per_line():
    assert line_total(D(3), D("33.33"), parse_discount("12.5")) == D("87.49")  # 87.49125
    assert line_total(D(1), D("0.10"), parse_discount("25%")) == D("0.08")  # 0.075: half a cent rounds up
    assert line_total(D("1.5"), D("0.99"), 0) == D("1.49")  # 1.485
    assert line_total(D(2), D("19.99"), parse_discount("100")) == D("0.00")
    assert line_total(D("0.333"), D("3.00"), parse_discount("0.01")) == D("1.00")  # 0.9989001
    half_cents = [type("L", (), {"total": line_total(D(1), D("0.01"), 5000)})() for _ in range(2)]
    assert lines_total(half_cents) == D("0.02")  # the sum of rounded lines, not the rounded sum (0.01)
    assert parse_discount(parse_line_spec("P1:3:33.33:12.5%").discount) == parse_discount("12.5") == 1250
    assert parse_line_spec("P1:3:12.5%").discount == "12.5%" and parse_line_spec("P1:3:12.5%").unit_price is None
    for bad in ("12.555", "101", "-1", "abc"):
        with pytest.raises(BadInput):
            parse_discount(bad)
    with pytest.raises(BadInput):
        parse_line_spec("P1")


def test_split_amount_puts_the_remainder_on_the_last():
    assert split_amount(D("87.49"), 3) == [D("29.16"), D("29.16"), D("29.17")]
    assert split_amount(D("100.00"), 3) == [D("33.33"), D("33.33"), D("33.34")]


# --- quotes and contracts ----------------------------------------------------------------------------------------


def test_quote_accepted_makes_the_contract_with_the_same_lines(sales):
    wang = as_user("wang")
    quote_id = add_quote(wang, "宏达", ["P1:3::12.5%", "TRAIN:1:0.10:25", "P1:1.5:0.99"], valid_until="+30d")
    quote = get_quote(wang, quote_id)
    assert (quote.number, quote.status, quote.total) == ("Q2026-000001", "draft", D("89.06"))  # 87.49 + 0.08 + 1.49
    assert send_quote(wang, quote_id) == "Q2026-000001"
    contract_id = accept_quote(wang, "Q2026-000001", signed_on="2026-11-01", instalments=3, every="1m")
    contract = get_contract(wang, contract_id)
    assert (contract.number, contract.amount, contract.status, contract.quote) == (
        "C2026-000001",
        D("89.06"),
        "active",
        "Q2026-000001",
    )
    same = lambda lines: [(line.code, line.quantity, line.unit_price, line.discount_bp, line.total) for line in lines]  # noqa: E731
    assert same(contract.lines) == same(quote.lines)
    assert [(i.due_on, i.amount, i.status) for i in contract.instalments] == [
        (date(2026, 11, 1), D("29.68"), "overdue"),
        (date(2026, 12, 1), D("29.68"), "pending"),
        (date(2027, 1, 1), D("29.70"), "pending"),
    ]
    assert get_quote(wang, quote_id).status == "accepted" and get_quote(wang, quote_id).contract == "C2026-000001"
    # An accepted quote cannot be accepted again, nor a rejected one; an expired one is refused too.
    rejected = add_quote(wang, "宏达", ["P1:1"])
    reject_quote(wang, rejected, "too dear")
    expired = add_quote(wang, "宏达", ["P1:1"], valid_until="2026-11-30")
    before = database_state()
    for ref, message in ((quote_id, "already accepted"), (rejected, "is rejected"), (expired, "expired")):
        with pytest.raises(Refused, match=message):
            accept_quote(wang, ref, signed_on="2026-12-01" if ref == expired else None)
    with pytest.raises(Refused, match="no longer offered"):
        add_quote(wang, "宏达", ["OLD:1"])
    assert database_state() == before
    assert Contract.select().count() == 1 and ContractLine.select().count() == 3


def test_contract_plans_given_one_by_one_and_their_refusals(sales):
    wang = as_user("wang")
    contract_id = add_contract(wang, "宏达", amount="1000", plan=["2026-12-01=400", "2027-01-01=600"])
    assert [
        (i.due_on, i.amount)
        for i in Instalment.select().where(Instalment.contract == contract_id).order_by(Instalment.seq)
    ] == [
        (date(2026, 12, 1), D("400.00")),
        (date(2027, 1, 1), D("600.00")),
    ]
    plain = add_contract(wang, "宏达", amount="500", start_on="2026-12-15")  # one instalment by default
    assert plan_of(plain) == [("500.00", "0.00", "pending")]
    before = database_state()
    bad = [
        dict(amount="1000", plan=["2026-12-01=400", "2027-01-01=500"]),  # adds up to 900
        dict(amount="1000", instalments=3, plan=["2026-12-01=1000"]),
        dict(amount="1000", every="1m"),
        dict(amount="1000", instalments=2, every="fortnight"),
        dict(amount="10.001"),
        dict(lines=["P1:1"], amount="5"),  # disagrees with the lines' total
        dict(),
        dict(amount="100", start_on="2027-01-01", end_on="2026-01-01"),
    ]
    for kwargs in bad:
        with pytest.raises(BadInput):
            add_contract(wang, "宏达", **kwargs)
    with pytest.raises(Refused, match="already taken"):
        add_contract(wang, "宏达", amount="1", number=Contract.get_by_id(plain).number)
    assert database_state() == before


def test_contracts_ending_within_are_due_for_renewal(sales):
    wang = as_user("wang")
    for end in ("2026-11-21", "2026-11-22", "2026-12-22", "2026-12-23"):
        add_contract(wang, "宏达", amount="1", number=f"R-{end}", end_on=end)
    add_contract(wang, "宏达", amount="1", number="DRAFT", end_on="2026-12-01", status="draft")
    assert [c.number for c in list_contracts(wang, ending_within=30)] == ["R-2026-11-22", "R-2026-12-22"]
    assert [c.number for c in list_contracts(wang, ending_within=0)] == ["R-2026-11-22"]


# --- payments ------------------------------------------------------------------------------------------------------


def test_payments_fill_the_oldest_instalment_first(sales):
    wang = as_user("wang")
    contract_id = contract_of_300()
    assert plan_of(contract_id) == [
        ("100.00", "0.00", "overdue"),
        ("100.00", "0.00", "overdue"),
        ("100.00", "0.00", "pending"),
    ]
    add_payment(wang, contract_id, "150", on="2026-11-20")  # spreads over two instalments
    assert plan_of(contract_id) == [
        ("100.00", "100.00", "paid"),
        ("100.00", "50.00", "overdue"),
        ("100.00", "0.00", "pending"),
    ]
    add_payment(wang, "C2026-000001", "60")  # exact on the second, 10 carried to the third
    assert plan_of(contract_id) == [
        ("100.00", "100.00", "paid"),
        ("100.00", "100.00", "paid"),
        ("100.00", "10.00", "partial"),
    ]
    before = database_state()
    with pytest.raises(Refused, match=r"open balance of 90\.00 on contract C2026-000001"):
        add_payment(wang, contract_id, "90.01")
    assert database_state() == before
    add_payment(wang, contract_id, "90")
    assert [s for *_, s in plan_of(contract_id)] == ["paid"] * 3
    detail = get_contract(wang, contract_id)
    assert (detail.paid, detail.open, len(detail.payments)) == (D("300.00"), D("0.00"), 3)
    with pytest.raises(Refused, match="open balance of 0.00"):
        add_payment(wang, contract_id, "0.01")


def test_status_follows_crm_now(sales, monkeypatch):
    contract_id = contract_of_300()
    add_payment(as_user("wang"), contract_id, "120")
    monkeypatch.setenv("CRM_NOW", "2026-09-30")  # before anything was due (replaying the past)
    assert [s for *_, s in plan_of(contract_id)] == ["paid", "partial", "pending"]
    monkeypatch.setenv("CRM_NOW", "2026-12-02")
    assert [s for *_, s in plan_of(contract_id)] == ["paid", "overdue", "overdue"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=12),
    st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=8),
)
def test_allocation_property(instalments, payments):
    """However payments come, the sum paid equals the sum of the accepted payments, no instalment is paid over its
    amount, and an instalment gets money only once every earlier one is full."""
    open_amounts = [D(c) / 100 for c in instalments]
    paid = [D(0)] * len(open_amounts)
    accepted = D(0)
    for cents in payments:
        amount = D(cents) / 100
        still_open = [a - p for a, p in zip(open_amounts, paid)]
        if amount > sum(still_open):
            continue  # the store refuses it
        portions = allocate(still_open, amount)
        paid = [p + q for p, q in zip(paid, portions)]
        accepted += amount
        assert sum(paid) == accepted
        assert all(p <= a for p, a in zip(paid, open_amounts))
        started = [i for i, p in enumerate(paid) if p > 0]
        assert all(paid[i] == open_amounts[i] for i in range(max(started, default=0)))


# --- scope -----------------------------------------------------------------------------------------------------------


def test_a_rep_cannot_see_or_change_another_reps_contracts(sales):
    zhang_contract = contract_of_300("张的客户", "zhang")
    wang = as_user("wang")
    assert list_contracts(wang) == [] and [c.id for c in list_contracts(as_user("li.na"))] == [zhang_contract]
    before = database_state()
    with pytest.raises(NotPermitted):
        add_payment(wang, zhang_contract, "10")
    with pytest.raises(NotFound):
        add_payment(wang, "C2026-000001", "10")  # by number: out of sight
    with pytest.raises(NotFound):
        get_contract(wang, zhang_contract)
    with pytest.raises(NotPermitted):
        add_payment(as_user("zhao"), zhang_contract, "10")  # another territory's manager
    with pytest.raises(NotPermitted):
        add_quote(wang, str(sales["张的客户"]), ["P1:1"])
    assert database_state() == before
    add_payment(as_user("li.na"), zhang_contract, "10")  # the manager of zhang's team


# --- the command line -------------------------------------------------------------------------------------------------


def test_cli_quote_to_invoice(sales, cli, crm):
    quote = cli("quote", "add", "宏达", "--line", "P1:3::12.5%", "--line", "TRAIN:1:0.10:25%", user="wang")
    assert quote.exit_code == 0, quote.stderr
    assert cli("quote", "send", quote.stdout.strip(), user="wang").exit_code == 0
    accepted = crm(
        "quote",
        "accept",
        "Q2026-000001",
        "--signed",
        "2026-11-01",
        "--end",
        "2027-10-31",
        "--instalments",
        "2",
        user="wang",
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert "C2026-000001" in accepted.stderr
    contract_id = accepted.stdout.strip()
    shown = json.loads(cli("contract", "show", contract_id, "--format", "json", user="wang").stdout)
    assert (shown["amount"], [i["amount"] for i in shown["instalments"]]) == ("87.57", ["43.78", "43.79"])
    paid = cli("payment", "add", "C2026-000001", "50", "--on", "2026-11-20", "--note", "转账", user="wang")
    assert paid.exit_code == 0, paid.stderr
    plan = cli("payment", "plan", "C2026-000001", "--format", "csv", user="wang").stdout.splitlines()
    assert plan[0] == "id,contract,customer,seq,due_on,amount,paid,open,status"
    assert [line.rsplit(",", 4)[1:] for line in plan[1:]] == [
        ["43.78", "43.78", "0.00", "paid"],
        ["43.79", "6.22", "37.57", "partial"],
    ]
    issued = cli(
        "invoice", "add", "C2026-000001", "80", "--type", "专票", "--tax-id", "91350100m000100y43", user="wang"
    )
    assert issued.exit_code == 0, issued.stderr
    for fmt in ("table", "csv", "tsv", "json", "jsonl"):
        for noun in ("product", "quote", "contract", "payment", "invoice"):
            listed = cli(noun, "list", "--format", fmt, user="wang")
            assert listed.exit_code == 0 and listed.stdout.strip(), (noun, fmt, listed.stderr)
    invoices = json.loads(cli("invoice", "list", "--format", "json", user="wang").stdout)
    assert [(i["number"], i["amount"], i["type"], i["buyer_tax_id"]) for i in invoices] == [
        ("I2026-000001", "80.00", "special", "91350100M000100Y43")
    ]
    table = cli("contract", "show", "C2026-000001", "--format", "table", user="wang").stdout
    assert "Payment plan" in table and "Invoices" in table and "软件许可" in table
    renewals = json.loads(cli("contract", "list", "--ending-within", "365", "--format", "json", user="wang").stdout)
    assert [c["number"] for c in renewals] == ["C2026-000001"]


def test_cli_refusals_exit_codes_and_nothing_changed(sales, cli, crm):
    contract_of_300()
    zhang_contract = contract_of_300("张的客户", "zhang")
    add_quote(as_user("wang"), "宏达", ["P1:1"])
    reject_quote(as_user("wang"), "Q2026-000001")
    before = database_state()
    cases = [
        (("payment", "add", "C2026-000001", "300.01"), 5, "open balance of 300.00"),
        (("payment", "add", "C2026-000001", "0"), 2, "more than 0"),
        (("payment", "add", "C2026-000001", "abc"), 2, "not a number"),
        (("payment", "add", "C2026-000001", "10", "--on", "+2d"), 2, "future"),
        (("payment", "add", str(zhang_contract), "10"), 4, "may not change"),
        (("payment", "add", "C2026-000002", "10"), 3, "No contract C2026-000002"),
        (("payment", "add", "99999", "10"), 3, "No contract #99999"),
        (("invoice", "add", "C2026-000001", "300.01"), 5, "is for 300.00 and 0.00 is already invoiced"),
        (("invoice", "add", "C2026-000001", "10", "--tax-id", "12345"), 2, "Tax id"),
        (("invoice", "add", "C2026-000001", "10", "--type", "special"), 2, "tax id"),
        (("invoice", "add", "C2026-000001", "10", "--type", "receipt"), 2, "Unknown invoice type"),
        (("quote", "accept", "Q2026-000001"), 5, "is rejected"),
        (("quote", "send", "Q2026-000001"), 5, "is rejected"),
        (("quote", "add", "宏达", "--line", "P1:-1"), 2, "more than 0"),
        (("quote", "add", "宏达", "--line", "P1:1::120%"), 2, "between 0 and 100"),
        (("quote", "add", "宏达", "--line", "NOPE:1"), 3, "No product"),
        (("quote", "add", "宏达"), 2, "at least one line"),
        (("product", "add", "P9", "x"), 4, "manager"),
        (("contract", "add", "宏达", "--amount", "10", "--instalment", "2026-12-01=9"), 2, "add up to 9.00"),
        (("contract", "terminate", str(zhang_contract)), 4, "may not change"),
        (("contract", "list", "--ending-within", "-1"), 2, "0 or more"),
        (("contract", "edit", "C2026-000001", "--status", "draft"), 5, "is active"),
        (("payment", "plan", "--status", "late"), 2, "Unknown instalment status"),
    ]
    for args, code, message in cases:
        result = cli(*args, user="wang")
        assert result.exit_code == code, (args, result.exit_code, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.startswith("crm: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    real = crm("invoice", "add", "C2026-000001", "301", user="wang")
    assert real.exit_code == 5 and "--force" in real.stderr
    assert database_state() == before
    forced = cli("invoice", "add", "C2026-000001", "301", "--force", user="wang")
    assert forced.exit_code == 0, forced.stderr
    again = cli("invoice", "add", "C2026-000001", "1", user="wang")
    assert again.exit_code == 5 and "301.00 is already invoiced" in again.stderr
    terminated = cli("contract", "terminate", "C2026-000001", "--reason", "bankrupt", user="wang")
    assert terminated.exit_code == 0, terminated.stderr
    late = cli("payment", "add", "C2026-000001", "1", user="wang")
    assert late.exit_code == 5 and "terminated" in late.stderr
    assert Quote.select().count() == 1


def test_every_command_has_an_example(cli):
    for noun, verbs in {
        "product": ("add", "list", "show", "edit"),
        "quote": ("add", "list", "show", "edit", "send", "accept", "reject"),
        "contract": ("add", "list", "show", "edit", "terminate"),
        "payment": ("add", "list", "plan"),
        "invoice": ("add", "list", "show"),
    }.items():
        for verb in verbs:
            result = cli(noun, verb, "--help", user=None)
            assert result.exit_code == 0 and "Example: crm " + noun in result.stdout, (noun, verb)
