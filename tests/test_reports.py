"""Every report on small fixed data (tests/reports_helpers.sales_data) whose figures are worked out by hand in the
comments, on both backends; scoping by who is acting; the output formats."""

import csv
import io
import json
from decimal import Decimal as D

import pytest
from conftest import as_user
from pool_helpers import utc_env
from reports_helpers import NOW, sales_data

from crmtui.store.insight.reports import ReportParams, run_report
from crmtui.store.kernel.errors import BadInput, NotPermitted


@pytest.fixture
def data(team, monkeypatch):
    monkeypatch.setenv("CRM_NOW", utc_env(NOW))
    return sales_data(team)


def report(name, user="root", **params):
    return run_report(as_user(user), name, ReportParams(**params))


def test_win_rate_per_rep_territory_and_month(data):
    r = report("win-rate")
    assert r.columns == ["rep", "won", "lost", "win_rate", "won_value", "avg_won_value", "avg_days_to_win"]
    # wang: won D1 (1000.00, 10 days) and D2 (500.50, 30 days), lost D3 -> 2/3; mean (10 + 30) / 2 = 20 days.
    # zhang: won D4 (3000.00, 30 days). chen: lost D7 only. Ordered by won value.
    assert r.rows == [
        ("zhang", 1, 0, D("1.0000"), D("3000.00"), D("3000.00"), D("30.0")),
        ("wang", 2, 1, D("0.6667"), D("1500.50"), D("750.25"), D("20.0")),
        ("chen", 0, 1, D("0.0000"), D("0.00"), None, None),
    ]
    # 3 won, 2 lost: 0.6; 4500.50 / 3 = 1500.1666… -> 1500.17; (10 + 30 + 30) / 3 = 23.3 days.
    assert r.totals == ("total", 3, 2, D("0.6000"), D("4500.50"), D("1500.17"), D("23.3"))
    by_territory = report("win-rate", by="territory").rows
    assert [row[:5] for row in by_territory] == [
        ("华东", 3, 1, D("0.7500"), D("4500.50")),
        ("华南", 0, 1, D("0.0000"), D("0.00")),
    ]
    # closed in January: D1 won; February: D2 won, D3 lost; March: D4 won, D7 lost.
    by_month = report("win-rate", by="month").rows
    assert [row[:5] for row in by_month] == [
        ("2026-01", 1, 0, D("1.0000"), D("1000.00")),
        ("2026-02", 1, 1, D("0.5000"), D("500.50")),
        ("2026-03", 1, 1, D("0.5000"), D("3000.00")),
    ]
    # --since/--until bound the closing day: only March.
    assert [row[0] for row in report("win-rate", since="2026-03-01", until="2026-03-31").rows] == ["zhang", "chen"]


def test_funnel_counts_stages_reached_and_conversion(data):
    r = report("funnel")
    # Now in: Lead D6 (1200), Proposal D5 (800), Won D1 D2 D4 (4500.50), Lost D3 D7 (600).
    # Furthest open stage reached: won deals all; D3 Qualified (history); D5 Proposal; D6 Lead; D7 Lead.
    # Lead 7, Qualified 3 won + D3 + D5 = 5, Proposal 3 + D5 = 4, Negotiation 3; conversions 5/7, 4/5, 3/4, 3/3.
    assert r.rows == [
        ("Lead", "open", 1, D("1200.00"), 7, D("0.7143")),
        ("Qualified", "open", 0, D("0.00"), 5, D("0.8000")),
        ("Proposal", "open", 1, D("800.00"), 4, D("0.7500")),
        ("Negotiation", "open", 0, D("0.00"), 3, D("1.0000")),
        ("Won", "won", 3, D("4500.50"), 3, None),
        ("Lost", "lost", 2, D("600.00"), 2, None),
    ]
    assert r.totals[2:4] == (7, D("7100.50"))


def test_trend_fills_months_and_compares_with_the_month_before(data):
    r = report("trend")
    # Won per closing month: Jan 1000.00, Feb 500.50, Mar 3000.00; change -499.50 (-49.95 %), +2499.50 (+499.40 %).
    assert r.rows == [
        ("2026-01", 1, D("1000.00"), None, None),
        ("2026-02", 1, D("500.50"), D("-499.50"), D("-0.4995")),
        ("2026-03", 1, D("3000.00"), D("2499.50"), D("4.9940")),
    ]
    assert r.totals[1:3] == (3, D("4500.50"))


def test_forecast_weights_open_deals_by_stage_probability(data):
    # D5 800.00 in Proposal (50 %) expected 2026-04: 400.00; D6 1200.00 in Lead (10 %) expected 2026-05: 120.00.
    assert report("forecast").rows == [
        ("2026-04", 1, D("800.00"), D("400.00")),
        ("2026-05", 1, D("1200.00"), D("120.00")),
    ]
    assert report("forecast", by="rep").rows == [
        ("zhang", 1, D("800.00"), D("400.00")),
        ("chen", 1, D("1200.00"), D("120.00")),
    ]


def test_stage_time_mean_median_and_stuck(data):
    r = report("stage-time")
    # Stays in Lead: D1 5, D2 30, D3 2, D4 20, D5 4, D6 18 (still there on 03-20), D7 10 days:
    # mean 89 / 7 = 12.7, median of 2 4 5 10 18 20 30 = 10. Qualified: D3 8. Proposal: D1 5, D5 15 (still there).
    # Negotiation: D4 10. Proposal is stuck after 10 days: D5 (15 days); Lead after 30: none.
    assert r.rows == [
        ("Lead", 7, D("12.7"), D("10.0"), 0),
        ("Qualified", 1, D("8.0"), D("8.0"), 0),
        ("Proposal", 2, D("10.0"), D("10.0"), 1),
        ("Negotiation", 1, D("10.0"), D("10.0"), 0),
    ]
    stuck = r.parts[0]
    assert [(row[0], row[3], row[4], row[5], row[6]) for row in stuck.rows] == [
        (data["d5"], "Proposal", 15, "zhang", D("800.00"))
    ]


def test_leaderboard_ranks_and_compares_with_the_previous_period(data):
    r = report("leaderboard", since="2026-03-01", until="2026-03-20")
    # 20 days; the period before: 02-09 .. 02-28. zhang won D4 (3000) now, nothing before; 1 follow-up, 2 claims.
    # wang won nothing now, D2 (500.50) before (rank 1 then, 2 now: -1); 3 follow-ups on 2 customers; 1 created.
    assert r.rows == [
        (1, "zhang", D("3000.00"), 1, 1, 1, 0, 2, D("0.00"), D("3000.00"), None),
        (2, "wang", D("0.00"), 0, 3, 2, 1, 0, D("500.50"), D("-500.50"), -1),
    ]
    assert report("leaderboard", since="2026-03-01", until="2026-03-20", by="territory").rows[0][:4] == (
        1,
        "华东",
        D("3000.00"),
        1,
    )


def test_followups_per_rep_type_and_week(data):
    r = report("followups", since="2026-03-01", until="2026-03-20")
    # wang: calls 03-02 and 03-10, a visit 03-16; zhang: WeChat 03-09; chen's e-mail of 02-20 is before the period.
    assert r.columns[:4] == ["rep", "total", "call", "visit"]
    assert r.rows == [("wang", 3, 2, 1, 0, 0, 0, 0, 0), ("zhang", 1, 0, 0, 1, 0, 0, 0, 0)]
    # weeks from 03-01: 03-02 week 0, 03-09/03-10 week 1, 03-16 week 2.
    assert r.row_series == {"wang": [1, 1, 1], "zhang": [0, 1, 0]}


def test_pool_per_territory_and_reclaims_by_rule(data):
    r = report("pool")  # the last 30 days: 02-19 .. 03-20
    # 华东: pool 池一 池二, owned 甲乙丙丁; claims 丁 池二, release 池二, reclaim 池一. 华南: pool 池三, owned 戊, assign 戊.
    assert r.rows == [("华东", 2, 4, 2, 0, 1, 1), ("华南", 1, 1, 0, 1, 0, 0)]
    assert r.parts[0].rows == [("华东", "no follow-up for 14 days (tier C)", 1)]
    assert report("pool", user="li.na").rows == [("华东", 2, 4, 2, 0, 1, 1)]  # li.na's team works in 华东 only


def test_segments_by_tier_recency_frequency_monetary(data):
    r = report("segments")
    # As of 03-20: 甲 (A) followed 03-10, won D1 + D2 = 1500.50 -> 0-30d, 2-3, <10k; 乙 (B) 03-16, no win;
    # 丁 (C) 03-09, won D4 3000 -> 1, <10k; 池三 02-01 -> 31-90d; 戊 2025-12-01 -> 91-180d; 池一 2025-06-01 -> 180d+;
    # 丙 and 池二 never followed.
    assert r.rows == [
        ("A", "0-30d", "2-3", "<10k", 1, D("1500.50")),
        ("B", "0-30d", "0", "0", 1, D("0.00")),
        ("C", "0-30d", "1", "<10k", 1, D("3000.00")),
        ("C", "31-90d", "0", "0", 1, D("0.00")),
        ("C", "91-180d", "0", "0", 1, D("0.00")),
        ("C", "180d+", "0", "0", 1, D("0.00")),
        ("C", "never", "0", "0", 2, D("0.00")),
    ]


def test_receivables_by_age(data):
    r = report("receivables")
    # K1 (甲, wang): 600 open on 02-10 (38 days overdue: 31-60), 1000 due 04-10 (not due).
    # K2 (丁, zhang): 500 due 2025-11-01 (139 days: 90+), 700 due 03-05 (15 days: 0-30).
    assert r.columns == [
        "customer",
        "not_due",
        "overdue_0_30",
        "overdue_31_60",
        "overdue_61_90",
        "overdue_90_plus",
        "total",
    ]
    c1, c4 = data["c1"], data["c4"]
    assert r.rows == [
        (f"#{c1} 甲公司", D("1000.00"), D("0.00"), D("600.00"), D("0.00"), D("0.00"), D("1600.00")),
        (f"#{c4} 丁公司", D("0.00"), D("700.00"), D("0.00"), D("0.00"), D("500.00"), D("1200.00")),
    ]
    assert [(row[0], row[-1]) for row in report("receivables", by="rep").rows] == [
        ("wang", D("1600.00")),
        ("zhang", D("1200.00")),
    ]


def test_a_rep_sees_only_their_numbers_and_a_manager_their_team(data):
    assert [row[0] for row in report("win-rate", user="wang").rows] == ["wang"]
    assert [row[0] for row in report("win-rate", user="li.na").rows] == ["zhang", "wang"]
    assert [row[0] for row in report("forecast", by="rep", user="chen").rows] == ["chen"]
    assert [row[0] for row in report("receivables", by="rep", user="zhang").rows] == ["zhang"]
    assert report("leaderboard", user="wang", since="2026-03-01", until="2026-03-20").rows[0][1] == "wang"
    assert [row[1] for row in report("funnel", user="chen").rows] == ["open", "open", "open", "open", "won", "lost"]
    assert report("funnel", user="chen").totals[2] == 2  # D6 and D7 only
    assert report("win-rate", user="li.na", rep="wang").rows[0][0] == "wang"
    with pytest.raises(NotPermitted):
        report("win-rate", user="wang", rep="zhang")
    with pytest.raises(NotPermitted):
        report("pool", user="chen", territory="华东")
    with pytest.raises(BadInput):
        report("trend", by="rep")


def test_cli_formats_carry_the_exact_columns(data, cli):
    env = {"CRM_NOW": utc_env(NOW)}
    done = cli("report", "win-rate", "--format", "csv", env=env)
    assert done.exit_code == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["rep", "won", "lost", "win_rate", "won_value", "avg_won_value", "avg_days_to_win"]
    assert rows[1] == ["zhang", "1", "0", "1.0000", "3000.00", "3000.00", "30.0"]
    as_json = json.loads(cli("report", "trend", "--format", "json", env=env).stdout)
    assert as_json[1] == {
        "month": "2026-02",
        "won": 1,
        "won_value": "500.50",
        "change": "-499.50",
        "change_pct": "-0.4995",
    }
    tsv = cli("report", "receivables", "--by", "rep", "--format", "tsv", env=env).stdout.splitlines()
    assert tsv[0].split("\t")[0] == "rep" and tsv[1].split("\t")[-1] == "1600.00"
    table = cli("report", "funnel", "--format", "table", env=env)
    assert table.exit_code == 0 and "Sales funnel" in table.stdout and "█" in table.stdout and "71.4%" in table.stdout
    listed = cli("report", "list", "--format", "csv").stdout
    assert "win-rate,rep|territory|month" in listed


@pytest.mark.parametrize(
    "name",
    [
        "funnel",
        "win-rate",
        "leaderboard",
        "followups",
        "stage-time",
        "forecast",
        "receivables",
        "pool",
        "trend",
        "segments",
    ],
)
def test_every_report_renders_in_a_table(data, cli, name):
    done = cli("report", name, "--format", "table", env={"CRM_NOW": utc_env(NOW)})
    assert done.exit_code == 0, done.stderr
    assert done.stdout.strip()


def test_cli_refusals(data, cli):
    cases = [
        (("report", "nope"), "root", 2, "Unknown report"),
        (("report", "trend", "--by", "rep"), "root", 2, "groups --by month"),
        (("report", "win-rate", "--rep", "zhang"), "wang", 4, "may not see the numbers of zhang"),
        (("report", "win-rate", "--since", "2026-03-02", "--until", "2026-03-01"), "root", 2, "after --until"),
        (("report", "win-rate", "--rep", "nobody"), "root", 3, "nobody"),
    ]
    for args, user, code, message in cases:
        done = cli(*args, user=user)
        assert (done.exit_code, done.stdout) == (code, ""), (args, done.stderr)
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_layers_stay_apart():
    """The store's reports and agenda import no front end; the renderers import rich and no typer, textual or
    peewee (the TUI mounts the very renderables the CLI prints)."""
    from test_boundaries import modules_after_import

    for module in ("crmtui.store.insight.reports", "crmtui.store.insight.agenda"):
        assert not {"typer", "textual", "rich"} & {m.split(".")[0] for m in modules_after_import(module)}, module
    loaded = {m.split(".")[0] for m in modules_after_import("crmtui.render")}
    assert "rich" in loaded and not {"typer", "textual", "peewee"} & loaded


def test_renderables_align_chinese_names_and_draw_charts(data):
    from rich.console import Console

    from crmtui.render import render_report

    console = Console(width=120, record=True, color_system=None)
    console.print(render_report(report("receivables")))
    lines = console.export_text().splitlines()
    rows = [line for line in lines if "甲公司" in line or "丁公司" in line]
    assert len(rows) == 2
    # the cells after the Chinese names start at the same screen column: Rich measures CJK as two cells each
    from rich.cells import cell_len

    assert len({cell_len(line.split("│")[0]) for line in rows}) == 1
    assert "█" in rows[0]  # the bigger balance has the full bar
    console.print(render_report(report("trend")))
    # 1000.00, 500.50, 3000.00 on eight levels: round(1000 / 3000 × 7) = 2 -> ▃, round(500.5 / 3000 × 7) = 1 -> ▂
    assert "won value ▃▂█" in console.export_text()
