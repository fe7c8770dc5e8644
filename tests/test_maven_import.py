"""The real Maven CRM export, imported with examples/import-maven.sh: every row lands, the figures match the
CSV files, the mismatches are reported, and a second run changes nothing (both backends)."""

import csv
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from conftest import database_state
from maven import MAVEN_DIR, import_maven

from crmtui.store.kernel.models import Customer, Deal, DealStageHistory, Product, Stage, Territory, User

pytestmark = pytest.mark.skipif(not MAVEN_DIR.exists(), reason=f"no Maven data set at {MAVEN_DIR}")


def rows(name):
    with open(MAVEN_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def maven(store):
    result = import_maven(store)
    assert result.returncode == 0, result.stderr
    return result


def test_counts_and_figures_match_the_files(maven):
    """One import, checked three ways (the import takes seconds: one run serves them all)."""
    _counts_per_entity_match_the_files()
    _deal_figures_match_the_pipeline()
    _stage_history_agrees_with_the_dates()


def _counts_per_entity_match_the_files():
    teams, accounts, products, pipeline = (
        rows(n) for n in ("sales_teams.csv", "accounts.csv", "products.csv", "sales_pipeline.csv")
    )
    offices = {r["regional_office"] for r in teams}
    assert {t.name for t in Territory.select()} == offices | {"Unassigned accounts"}
    managers = {r["manager"] for r in teams}
    assert User.select().where(User.role == "manager").count() == len(managers)
    assert User.select().where(User.role == "rep").count() == len(teams)
    for team_row in teams:
        agent = User.get(User.display_name == team_row["sales_agent"])
        assert agent.manager.display_name == team_row["manager"]
        assert agent.territory.name == team_row["regional_office"]
    assert Customer.select().count() == len(accounts) + 1  # and the placeholder for deals without an account
    assert Product.select().count() == len(products)
    assert Deal.select().count() == len(pipeline) == 8800


def _deal_figures_match_the_pipeline():
    pipeline = rows("sales_pipeline.csv")
    renamed = {"Prospecting": "Lead", "Engaging": "Qualified"}
    expected = Counter(renamed.get(r["deal_stage"], r["deal_stage"]) for r in pipeline)
    got = Counter(name for (name,) in Deal.select(Stage.name).join(Stage).tuples())
    assert got == expected
    won_by_agent = defaultdict(Decimal)
    for r in pipeline:
        if r["deal_stage"] == "Won":
            won_by_agent[r["sales_agent"]] += Decimal(r["close_value"])
    query = Deal.select(User.display_name, Deal.amount).join(Stage).switch(Deal).join(User).where(Stage.name == "Won")
    imported = defaultdict(Decimal)
    for name, amount in query.tuples():
        imported[name] += amount
    assert imported == won_by_agent
    assert sum(imported.values()) == Decimal("10005534")
    sample = next(r for r in pipeline if r["opportunity_id"] == "1C1I7A6R")
    deal = Deal.get(Deal.external_id == "1C1I7A6R")
    assert (deal.customer.name, deal.title, str(deal.amount)) == (sample["account"], sample["product"], "1054.00")
    assert deal.created_at.date().isoformat() == sample["engage_date"]
    assert deal.closed_at.date().isoformat() == sample["close_date"]
    no_account = Customer.get(Customer.name == "(no account)")
    assert Deal.select().where(Deal.customer == no_account).count() == sum(1 for r in pipeline if not r["account"])


def _stage_history_agrees_with_the_dates():
    closed = Deal.select().join(Stage).where(Stage.kind != "open")
    assert DealStageHistory.select().count() == 2 * closed.count() + (8800 - closed.count())
    last = (
        DealStageHistory.select()
        .where(DealStageHistory.deal == Deal.get(Deal.external_id == "1C1I7A6R"))
        .order_by(DealStageHistory.at.desc())
        .first()
    )
    assert last.to_stage.name == "Won" and last.at.date().isoformat() == "2017-03-01"


def test_mismatches_are_reported_and_a_second_run_changes_nothing(maven, store):
    report = maven.stderr
    assert "product 'GTXPro' read as 'GTX Pro' (1480 rows)" in report
    assert "industry 'technolgy' read as 'technology' (12 rows)" in report
    assert "customer empty, set to '(no account)' (1425 rows)" in report
    assert "created_at empty, set to the time of the import (500 rows)" in report
    before = database_state()
    again = import_maven(store)
    assert again.returncode == 0, again.stderr
    assert "8800 duplicates skipped" in again.stderr
    assert database_state() == before
