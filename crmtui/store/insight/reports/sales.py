"""The pipeline's reports: funnel, win-rate, leaderboard, stage-time, forecast, trend. A deal counts for its
owner (the rep); won and lost deals count on the day they closed."""

from __future__ import annotations

from datetime import date

from peewee import JOIN, fn

from crmtui.store.insight.reports.base import (
    Period,
    Report,
    ReportParams,
    by_person,
    group_columns,
    mean_money,
    money,
    month_of,
    people_filter,
    period_of,
    person_key,
    ratio,
    tenths,
    when,
)
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import add_months, now
from crmtui.store.kernel.dialect import days_between, floor_of
from crmtui.store.kernel.models import Customer, Deal, DealStageHistory, Followup, OwnershipEvent, Pipeline, Stage, User
from crmtui.store.sales.deals import stuck_condition

LEADERBOARD_DAYS = 30  # the default period of the leaderboard (and the one before it is compared with)
LEADER_FIGURES = ("cents", "won", "before", "followups", "customers", "created", "claims")


def _deals(actor: Actor, params: ReportParams):
    """The live deals the actor may count, narrowed by --rep/--territory."""
    return Deal.deleted_at.is_null() & people_filter(actor, params, Deal.owner)


def _keyed(query, by: str, month_column=None, is_date: bool = False):
    """QUERY grouped by BY: the deal owner's login or territory, or the month of MONTH_COLUMN."""
    if by == "month":
        key = month_of(month_column, is_date)
        return query, key
    return by_person(query, Deal, Deal.owner, by)


# --- funnel ------------------------------------------------------------------------------------------------


def funnel(actor: Actor, params: ReportParams) -> Report:
    """Per stage: the deals in it now and their value; how many deals reached it (the furthest open stage a
    deal's history shows, every open stage for a won deal), and the share of those that reached the next stage
    (for the last open stage: won). Deals created in the period."""
    period = period_of(params)
    deals = _deals(actor, params) & period.where(Deal.created_at)
    now_in = (
        Deal.select(Deal.stage, fn.COUNT(Deal.id), fn.SUM(Deal.amount).coerce(False))
        .where(deals)
        .group_by(Deal.stage)
        .tuples()
    )
    current = {stage: (count, cents) for stage, count, cents in now_in}
    # The furthest open stage each deal reached, then how many deals got that far (a handful of groups).
    reached_open = fn.MAX(when(Stage.kind == "open", Stage.position, 0))
    per_deal = (
        Deal.select(Deal.pipeline, Deal.stage, reached_open.alias("furthest"))
        .join(DealStageHistory, JOIN.LEFT_OUTER, on=(DealStageHistory.deal == Deal.id))
        .join(Stage, JOIN.LEFT_OUTER, on=(DealStageHistory.to_stage == Stage.id))
        .where(deals)
        .group_by(Deal.id, Deal.pipeline, Deal.stage)
    ).alias("per_deal")
    stage = Stage.alias("current_stage")
    furthest = when(
        stage.kind == "won",
        1_000_000,
        when((stage.kind == "open") & (stage.position > per_deal.c.furthest), stage.position, per_deal.c.furthest),
    )
    counts = (
        stage.select(per_deal.c.pipeline_id, furthest, fn.COUNT(1))
        .from_(per_deal)
        .join(stage, on=(per_deal.c.stage_id == stage.id))
        .group_by(*group_columns(2))
        .tuples()
    )
    reached_at: dict[int, list[tuple[int, int]]] = {}
    for pipeline_id, position, count in counts:
        reached_at.setdefault(pipeline_id, []).append((position, count))
    stages = list(
        Stage.select(Stage.id, Pipeline.id, Pipeline.name, Stage.name, Stage.kind, Stage.position)
        .join(Pipeline)
        .order_by(Pipeline.is_default.desc(), Pipeline.name, Stage.position)
        .tuples()
    )
    if len({s[1] for s in stages if s[0] in current}) <= 1:  # one pipeline in use: show only that one
        used = {s[1] for s in stages if s[0] in current} or {s[1] for s in stages[:1]}
        stages = [s for s in stages if s[1] in used]
    several = len({s[1] for s in stages}) > 1

    def reached(stage_id: int, pipeline_id: int, position: int, kind: str) -> int:
        if kind == "lost":
            return current.get(stage_id, (0, 0))[0]
        floor = 1_000_000 if kind == "won" else position
        return sum(count for at, count in reached_at.get(pipeline_id, ()) if at >= floor)

    rows = []
    for index, (stage_id, pipeline_id, pipeline, name, kind, position) in enumerate(stages):
        count, cents = current.get(stage_id, (0, 0))
        here = reached(stage_id, pipeline_id, position, kind)
        following = next((s for s in stages[index + 1 :] if s[1] == pipeline_id and s[4] in ("open", "won")), None)
        conversion = (
            ratio(reached(following[0], pipeline_id, following[5], following[4]), here)
            if kind == "open" and following
            else None
        )
        row = (name, kind, count, money(cents), here, conversion)
        rows.append((pipeline, *row) if several else row)
    columns = ["stage", "kind", "deals", "value", "reached", "conversion"]
    totals = ("total", "", sum(r[-4] for r in rows), sum((r[-3] for r in rows), money(0)), None, None)
    return Report(
        "funnel",
        "Sales funnel",
        (["pipeline"] if several else []) + columns,
        rows,
        totals=(("", *totals) if several else totals),
        bar="reached",
        ratios=("conversion",),
        notes=[f"deals created: {period.label()}"],
    )


# --- win rate ----------------------------------------------------------------------------------------------


def _closed(actor: Actor, params: ReportParams, period: Period):
    """Deals won or lost in the period, joined to their stage."""
    return (
        Deal.select()
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(_deals(actor, params), Stage.kind.in_(["won", "lost"]), period.where(Deal.closed_at))
    )


def win_rate(actor: Actor, params: ReportParams) -> Report:
    """Per rep (territory, month of closing): won, lost, won / (won + lost), the won value, its mean, and the
    mean days from a deal's creation to its win. Deals closed in the period."""
    by = params.by or "rep"
    period = period_of(params)
    won = Stage.kind == "won"
    query, key = _keyed(_closed(actor, params, period), by, Deal.closed_at)
    query = query.select(
        key,
        fn.SUM(when(won, 1)),
        fn.SUM(when(~won, 1)),
        fn.SUM(when(won, Deal.amount)).coerce(False),
        fn.SUM(when(won, days_between(Deal.closed_at, Deal.created_at))),
    ).group_by(*group_columns(1))
    groups = [
        (person_key(k) if by != "month" else k, int(w), int(lost), int(cents or 0), days or 0.0)
        for k, w, lost, cents, days in query.tuples()
    ]

    def row(key, won, lost, cents, days):
        return (
            key,
            won,
            lost,
            ratio(won, won + lost),
            money(cents),
            mean_money(cents, won),
            tenths(days / won) if won else None,
        )

    rows = [row(*g) for g in groups]
    rows.sort(key=(lambda r: r[0]) if by == "month" else (lambda r: (-r[4], r[0])))
    totals = row("total", *(sum(g[i] for g in groups) for i in range(1, 5)))
    return Report(
        "win-rate",
        f"Win rate by {by}",
        [by, "won", "lost", "win_rate", "won_value", "avg_won_value", "avg_days_to_win"],
        rows,
        totals=totals,
        bar="win_rate",
        ratios=("win_rate",),
        notes=[f"deals closed: {period.label()}"],
    )


# --- trend -------------------------------------------------------------------------------------------------


def _month_range(first: str, last: str) -> list[str]:
    day, end, months = date.fromisoformat(first + "-01"), date.fromisoformat(last + "-01"), []
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = add_months(day, 1)
    return months


def trend(actor: Actor, params: ReportParams) -> Report:
    """Won value and count per month of closing (months without a win show 0), with the change on the month
    before."""
    period = period_of(params)
    key = month_of(Deal.closed_at)
    query = (
        Deal.select(key, fn.COUNT(Deal.id), fn.SUM(Deal.amount).coerce(False))
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(_deals(actor, params), Stage.kind == "won", period.where(Deal.closed_at))
        .group_by(*group_columns(1))
        .tuples()
    )
    found = {month: (count, money(cents)) for month, count, cents in query}
    rows, before = [], None
    for month in _month_range(min(found), max(found)) if found else []:
        count, value = found.get(month, (0, money(0)))
        change = None if before is None else value - before
        rows.append((month, count, value, change, ratio_of_change(value, before)))
        before = value
    totals = ("total", sum(r[1] for r in rows), sum((r[2] for r in rows), money(0)), None, None)
    return Report(
        "trend",
        "Won deals per month",
        ["month", "won", "won_value", "change", "change_pct"],
        rows,
        totals=totals,
        spark="won_value",
        bar="won_value",
        ratios=("change_pct",),
        notes=[f"deals won: {period.label()}"],
    )


def ratio_of_change(value, before):
    """(VALUE - BEFORE) / BEFORE as a fraction; None without a base to compare with."""
    if not before:
        return None
    return ratio(int((value - before) * 100), int(before * 100))


# --- forecast ----------------------------------------------------------------------------------------------


def forecast(actor: Actor, params: ReportParams) -> Report:
    """Open deals by expected close month (or rep, territory): their value and the value weighted by each
    stage's probability. --since/--until bound the expected close date."""
    by = params.by or "month"
    period = period_of(params)
    query = Deal.select().join(Stage, on=(Deal.stage == Stage.id)).where(_deals(actor, params), Stage.kind == "open")
    if period.since or period.until:
        query = query.where(period.where_date(Deal.expected_close))
    query, key = _keyed(query, by, Deal.expected_close, is_date=True)
    query = query.select(
        key, fn.COUNT(Deal.id), fn.SUM(Deal.amount).coerce(False), fn.SUM(Deal.amount * Stage.probability).coerce(False)
    ).group_by(*group_columns(1))
    rows = []
    for k, count, cents, weighted in query.tuples():
        label = (k or "(no date)") if by == "month" else person_key(k)
        rows.append((label, count, money(cents), money(round_half_up(int(weighted or 0), 100))))
    rows.sort(key=(lambda r: (r[0] == "(no date)", r[0])) if by == "month" else (lambda r: (-r[3], r[0])))
    totals = (
        "total",
        sum(r[1] for r in rows),
        sum((r[2] for r in rows), money(0)),
        sum((r[3] for r in rows), money(0)),
    )
    return Report(
        "forecast",
        f"Forecast by {'expected close month' if by == 'month' else by}",
        [by, "deals", "value", "weighted"],
        rows,
        totals=totals,
        bar="weighted",
        notes=["open deals, value × stage probability"],
    )


def round_half_up(numerator: int, denominator: int) -> int:
    """NUMERATOR / DENOMINATOR (positive) rounded half up, in integers."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- leaderboard -------------------------------------------------------------------------------------------


def leaderboard(actor: Actor, params: ReportParams) -> Report:
    """Reps (or territories) ranked by won value in the period (default: the last 30 days), with deals won,
    follow-ups, customers followed, new customers and claims, and the change on the period before."""
    by = params.by or "rep"
    period = period_of(params, LEADERBOARD_DAYS)
    before = period.previous()
    in_now = period.where(Deal.closed_at)
    won, key = by_person(
        Deal.select()
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(_deals(actor, params), Stage.kind == "won", Deal.closed_at >= before.start, Deal.closed_at < period.end),
        Deal,
        Deal.owner,
        by,
    )
    won = won.select(
        key,
        fn.SUM(when(in_now, Deal.amount)).coerce(False),
        fn.SUM(when(in_now, 1)),
        fn.SUM(when(~in_now, Deal.amount)).coerce(False),
    ).group_by(*group_columns(1))
    followed, key = by_person(
        Followup.select().where(people_filter(actor, params, Followup.user, by_index=False), period.where(Followup.at)),
        Followup,
        Followup.user,
        by,
    )
    followed = followed.select(key, fn.COUNT(Followup.id), fn.COUNT(Followup.customer.distinct())).group_by(
        *group_columns(1)
    )
    events, key = by_person(
        OwnershipEvent.select().where(
            people_filter(actor, params, OwnershipEvent.to_user),
            OwnershipEvent.kind.in_(["create", "claim"]),
            period.where(OwnershipEvent.at),
        ),
        OwnershipEvent,
        OwnershipEvent.to_user,
        by,
    )
    events = events.select(
        key, fn.SUM(when(OwnershipEvent.kind == "create", 1)), fn.SUM(when(OwnershipEvent.kind == "claim", 1))
    ).group_by(*group_columns(1))
    figures: dict[str, dict[str, int]] = {}

    def put(k, **values):
        figures.setdefault(person_key(k), dict.fromkeys(LEADER_FIGURES, 0)).update(
            {n: int(v or 0) for n, v in values.items()}
        )

    for k, cents, count, before_cents in won.tuples():
        put(k, cents=cents, won=count, before=before_cents)
    for k, count, customers in followed.tuples():
        put(k, followups=count, customers=customers)
    for k, created, claims in events.tuples():
        put(k, created=created, claims=claims)
    ranked = sorted(figures.items(), key=lambda item: (-item[1]["cents"], -item[1]["won"], item[0]))
    before_rank = {
        k: i for i, (k, _) in enumerate(sorted(figures.items(), key=lambda item: (-item[1]["before"], item[0])), 1)
    }
    rows = []
    for rank, (k, f) in enumerate(ranked, 1):
        rows.append(
            (
                rank,
                k,
                money(f["cents"]),
                f["won"],
                f["followups"],
                f["customers"],
                f["created"],
                f["claims"],
                money(f["before"]),
                money(f["cents"] - f["before"]),
                before_rank[k] - rank if f["before"] else None,
            )
        )
    return Report(
        "leaderboard",
        f"Leaderboard by {by}",
        [
            "rank",
            by,
            "won_value",
            "deals_won",
            "followups",
            "customers_followed",
            "new_customers",
            "claims",
            "prev_won_value",
            "change",
            "rank_change",
        ],
        rows,
        bar="won_value",
        notes=[f"period: {period.label()}; compared with {before.label()}"],
    )


# --- stage time --------------------------------------------------------------------------------------------

STUCK_LIST = 50  # the stuck deals listed under stage-time (all are counted)


def stage_time(actor: Actor, params: ReportParams) -> Report:
    """Mean and median days deals spend in each open stage (a stay ends when the deal moves on; a deal still
    there counts until now), stays begun in the period; and the deals stuck in a stage now."""
    period = period_of(params)
    moment = now()
    history = DealStageHistory
    open_stages = [i for (i,) in Stage.select(Stage.id).where(Stage.kind == "open").tuples()]
    left = fn.LEAD(history.at).over(partition_by=[history.deal], order_by=[history.at, history.id])
    stays = (
        history.select(
            history.to_stage.alias("stage_id"),
            history.at.alias("entered"),
            days_between(fn.COALESCE(left, moment), history.at).alias("days"),
        )
        .join(Deal, on=(history.deal == Deal.id))
        .where(_deals(actor, params))
    ).alias("stays")  # each stay's length, computed once; the next level ranks them within their stage
    # Stays counted per stage and tenth of a day (a few thousand groups): the mean from the exact sums, the
    # median from the counts (exact to the tenth shown; a window ranking every stay took twice as long at 1M).
    tenth = stays.c.days * 10 + 0.5
    bucket = floor_of(tenth)
    counted = (
        Stage.select(stays.c.stage_id, bucket, fn.COUNT(1), fn.SUM(stays.c.days))
        .from_(stays)
        .where(stays.c.stage_id.in_(open_stages), period.where(stays.c.entered))
        .group_by(*group_columns(2))
        .tuples()
    )
    histogram: dict[int, list[tuple[int, int]]] = {}
    sums: dict[int, float] = {}
    for stage_id, tenths_of_day, count, total in counted:
        histogram.setdefault(stage_id, []).append((int(tenths_of_day), count))
        sums[stage_id] = sums.get(stage_id, 0.0) + float(total)
    figures = {}
    for stage_id, buckets in histogram.items():
        count = sum(n for _, n in buckets)
        figures[stage_id] = (count, sums[stage_id] / count, _median(sorted(buckets), count) / 10)
    stuck_counts, stuck_rows = _stuck(actor, params, moment)
    stages = list(
        Stage.select(Stage.id, Pipeline.name, Stage.name)
        .join(Pipeline)
        .where(Stage.kind == "open")
        .order_by(Pipeline.is_default.desc(), Pipeline.name, Stage.position)
        .tuples()
    )
    several = len({s[1] for s in stages}) > 1
    rows = []
    for stage_id, pipeline, name in stages:
        count, mean, median = figures.get(stage_id, (0, None, None))
        row = (name, count, tenths(mean), tenths(median), stuck_counts.get(stage_id, 0))
        rows.append((pipeline, *row) if several else row)
    stuck = Report(
        "stuck-deals",
        "Stuck deals",
        ["id", "deal", "customer", "stage", "days_in_stage", "owner", "amount"],
        stuck_rows,
        notes=[f"the {STUCK_LIST} longest stuck of {sum(stuck_counts.values())}"]
        if sum(stuck_counts.values()) > STUCK_LIST
        else [],
    )
    return Report(
        "stage-time",
        "Days in stage",
        (["pipeline"] if several else []) + ["stage", "stays", "mean_days", "median_days", "stuck"],
        rows,
        bar="mean_days",
        parts=[stuck],
        notes=[f"stays begun: {period.label()}"],
    )


def _median(buckets: list[tuple[int, int]], count: int) -> float:
    """The median of COUNT values given as (value, how many) pairs in ascending order."""
    middle = sorted({(count + 1) // 2, (count + 2) // 2})  # the 1-based rank(s) of the middle value(s)
    values, seen = [], 0
    for value, n in buckets:
        seen += n
        while middle and middle[0] <= seen:
            values.append(value)
            middle.pop(0)
    return sum(values) / len(values)


def _stuck(actor: Actor, params: ReportParams, moment) -> tuple[dict[int, int], list[tuple]]:
    """The deals stuck now (deals.stuck_condition, the one rule): counts per stage, and the longest stuck."""
    base = Deal.select().join(Stage, on=(Deal.stage == Stage.id)).where(_deals(actor, params), stuck_condition(moment))
    counts = dict(base.select(Deal.stage, fn.COUNT(Deal.id)).group_by(Deal.stage).tuples())
    longest = [i for (i,) in base.select(Deal.id).order_by(Deal.stage_entered_at, Deal.id).limit(STUCK_LIST).tuples()]
    rows = (  # names for those only: a join before the LIMIT would look up every stuck deal's customer
        Deal.select(
            Deal.id,
            Deal.title,
            Customer.name,
            Stage.name,
            days_between(moment, Deal.stage_entered_at),
            User.login,
            Deal.amount,
        )
        .join(Stage, on=(Deal.stage == Stage.id))
        .join_from(Deal, Customer, on=(Deal.customer == Customer.id))
        .join_from(Deal, User, JOIN.LEFT_OUTER, on=(Deal.owner == User.id))
        .where(Deal.id.in_(longest))
        .order_by(Deal.stage_entered_at, Deal.id)
        .tuples()
    )
    return counts, [(i, t, c, s, int(d), o, a) for i, t, c, s, d, o, a in rows]
