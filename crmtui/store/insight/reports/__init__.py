"""Reports (`crm report NAME`): each one a few aggregate queries, scoped by who is acting, returning a Report of
plain rows that every output format and the one Rich renderer (crmtui/render) share.

    from crmtui.store.insight.reports import ReportParams, run_report, REPORTS
    report = run_report(actor, "win-rate", ReportParams(since="2017-01-01", by="territory"))
    report.columns, report.rows          # exact Decimal money, ints, dates

Every report is a function (actor, ReportParams) -> Report registered in REPORTS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crmtui.store.insight.reports import activity, money, sales
from crmtui.store.insight.reports.base import Report, ReportParams, forget_logins
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.errors import BadInput

__all__ = ["REPORTS", "Report", "ReportInfo", "ReportParams", "run_report"]


@dataclass(frozen=True)
class ReportInfo:
    name: str
    function: Callable[[Actor, ReportParams], Report]
    summary: str
    by: tuple[str, ...]  # the --by values it accepts; the first is the default


_INFOS = [
    ReportInfo("funnel", sales.funnel, "deals and value per stage, and the conversion to the next stage", ("stage",)),
    ReportInfo(
        "win-rate", sales.win_rate, "won, lost, win rate, won value and days to win", ("rep", "territory", "month")
    ),
    ReportInfo(
        "leaderboard",
        sales.leaderboard,
        "reps ranked by won value, with activity and the change on the previous period",
        ("rep", "territory"),
    ),
    ReportInfo("followups", activity.followups, "follow-ups per rep and type, and per week", ("rep", "territory")),
    ReportInfo("stage-time", sales.stage_time, "mean and median days in each stage; the stuck deals", ("stage",)),
    ReportInfo(
        "forecast",
        sales.forecast,
        "open deals' value weighted by stage probability, by expected close month",
        ("month", "rep", "territory"),
    ),
    ReportInfo(
        "receivables",
        money.receivables,
        "open balances by days overdue, by customer or rep",
        ("customer", "rep", "territory"),
    ),
    ReportInfo(
        "pool", activity.pool, "per territory: in the pool, owned, claimed, assigned and reclaimed", ("territory",)
    ),
    ReportInfo("trend", sales.trend, "won value and count per month, with the change on the month before", ("month",)),
    ReportInfo("segments", activity.segments, "customers by tier and recency / frequency / monetary bands", ("tier",)),
]


REPORTS: dict[str, ReportInfo] = {info.name: info for info in _INFOS}


def run_report(actor: Actor, name: str, params: ReportParams | None = None) -> Report:
    """The report NAME for ACTOR; BadInput for an unknown name or a --by the report does not offer."""
    info = REPORTS.get(name.strip().lower())
    if info is None:
        raise BadInput(f"Unknown report {name!r}: use one of {', '.join(REPORTS)}.")
    params = params or ReportParams()
    forget_logins()  # a long-lived TUI sees renamed and new users
    if params.by is not None and params.by not in info.by:
        raise BadInput(f"Report {info.name} groups --by {' or '.join(info.by)}, not {params.by!r}.")
    return info.function(actor, params)
