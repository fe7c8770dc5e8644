"""The reports on the real Maven CRM export (imported with examples/import-maven.sh) give the figures the CSV files
give, computed here with the csv module, independently of the store (both backends)."""

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from maven import MAVEN_DIR, PINNED_NOW, import_maven

from crmtui.store.insight.reports import ReportParams, run_report
from crmtui.store.kernel.access import actor_for
from crmtui.store.kernel.models import User

pytestmark = pytest.mark.skipif(not MAVEN_DIR.exists(), reason=f"no Maven data set at {MAVEN_DIR}")


def pipeline():
    with open(MAVEN_DIR / "sales_pipeline.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def offices():
    with open(MAVEN_DIR / "sales_teams.csv", newline="", encoding="utf-8") as f:
        return {r["sales_agent"]: r["regional_office"] for r in csv.DictReader(f)}


@pytest.fixture
def maven(store, monkeypatch):
    result = import_maven(store)
    assert result.returncode == 0, result.stderr
    monkeypatch.setenv("CRM_NOW", PINNED_NOW)
    return actor_for("root")


def test_reports_match_the_csv_files(maven):
    """One import (it takes seconds), checked against the files report by report."""
    rows = pipeline()
    logins = dict(User.select(User.display_name, User.login).tuples())
    won, lost, won_value, days = defaultdict(int), defaultdict(int), defaultdict(Decimal), defaultdict(int)
    per_month, count_month = defaultdict(Decimal), defaultdict(int)
    for r in rows:
        agent = logins[r["sales_agent"]]
        if r["deal_stage"] == "Won":
            won[agent] += 1
            won_value[agent] += Decimal(r["close_value"])
            days[agent] += (date.fromisoformat(r["close_date"]) - date.fromisoformat(r["engage_date"])).days
            per_month[r["close_date"][:7]] += Decimal(r["close_value"])
            count_month[r["close_date"][:7]] += 1
        elif r["deal_stage"] == "Lost":
            lost[agent] += 1

    # win-rate per agent: won, lost, won / (won + lost), won value, mean won value, mean days engage -> close
    report = run_report(maven, "win-rate", ReportParams())
    got = {row[0]: row for row in report.rows}
    assert set(got) == set(won) | set(lost)
    for agent in got:
        w, n = won[agent], won[agent] + lost[agent]
        assert got[agent][1:3] == (w, lost[agent])
        assert got[agent][3] == (Decimal(w) / n).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        assert got[agent][4] == won_value[agent]
        assert got[agent][5] == (won_value[agent] / w).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert got[agent][6] == (Decimal(days[agent]) / w).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert report.totals[4] == sum(won_value.values()) == Decimal("10005534")

    # win-rate per territory: the agents' regional offices
    by_office = defaultdict(Decimal)
    office_of = offices()
    for agent_name, login in logins.items():
        if agent_name in office_of:
            by_office[office_of[agent_name]] += won_value.get(login, Decimal(0))
    assert {row[0]: row[4] for row in run_report(maven, "win-rate", ReportParams(by="territory")).rows} == by_office

    # trend: won value and count per close month
    trend = run_report(maven, "trend", ReportParams()).rows
    assert {row[0]: row[2] for row in trend} == per_month
    assert {row[0]: row[1] for row in trend} == count_month

    # leaderboard over the whole export (2016-10 .. 2017-12): won value and deals won per agent, ranked
    board = run_report(maven, "leaderboard", ReportParams(since="2016-01-01", until="2017-12-31")).rows
    assert {row[1]: (row[2], row[3]) for row in board if row[3]} == {a: (won_value[a], won[a]) for a in won}
    assert [row[1] for row in board[:3]] == sorted(won, key=lambda a: -won_value[a])[:3]

    # funnel: deals now in each stage (Prospecting -> Lead, Engaging -> Qualified as the import maps them)
    renamed = {"Prospecting": "Lead", "Engaging": "Qualified"}
    stage_counts = defaultdict(int)
    for r in rows:
        stage_counts[renamed.get(r["deal_stage"], r["deal_stage"])] += 1
    funnel = run_report(maven, "funnel", ReportParams()).rows
    assert {row[0]: row[2] for row in funnel if row[2]} == stage_counts
    assert next(row for row in funnel if row[0] == "Won")[3] == Decimal("10005534")
    assert funnel[0][4] == len(rows)  # every deal reached the first stage
