"""Deals (商机): opportunities moving through the stages of their pipeline, every move kept with who and when.

A deal is visible when its customer is, and may be changed when its customer may be (access.py). The two rules
others rely on live here once each: `stuck_condition` (SQL: an open deal past its stage's stuck limit) and
`time_in_stage` (how long a deal stayed, or has so far stayed, in a stage; the current stage counts until now).
The reports, agenda and TUI import `stuck_condition`, `list_deals` and `board` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from peewee import JOIN, Case, Expression, fn

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, may_give_to, require_active, visible_customers, writable_customers
from crmtui.store.kernel.clock import now, parse_date
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import days_before, locked
from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Customer, Deal, DealStageHistory, Pipeline, Stage, User, from_cents
from crmtui.store.kernel.settings import currency
from crmtui.store.kernel.values import CENT, STAGE_KINDS
from crmtui.store.org.users import find_user
from crmtui.store.sales.pipelines import find_pipeline, find_stage, first_stage_of_kind, stages_of


@dataclass
class DealFilter:
    customer: str | None = None
    owner: str | None = None  # 'me' or a login
    pipeline: str | None = None
    stage: str | None = None  # a stage of PIPELINE; without one, that stage name in any pipeline
    kind: str | None = None  # open, won or lost
    stuck: bool = False
    closing_after: str | None = None  # expected close on or after this date (as users type it)
    closing_before: str | None = None  # expected close on or before this date
    text: str | None = None  # part of the title
    deleted: bool = False  # soft-deleted deals instead of live ones


@dataclass
class DealRow:
    id: int
    title: str
    customer_id: int
    customer: str
    owner: str | None
    pipeline: str
    stage: str
    stage_kind: str
    probability: int
    amount: Decimal
    expected_close: date | None
    created_at: datetime
    stage_entered_at: datetime
    days_in_stage: int
    stuck: bool
    closed_at: datetime | None
    lost_reason: str | None


@dataclass
class StageSpan:
    """One stay in a stage: entered AT (moved from FROM_STAGE by BY), left at LEFT_AT (None: still there)."""

    stage: str
    kind: str
    from_stage: str | None
    entered_at: datetime
    left_at: datetime | None
    by: str | None
    days: float


@dataclass
class StageTime:
    stage: str
    visits: int
    days: float


@dataclass
class DealDetail(DealRow):
    history: list[StageSpan] = field(default_factory=list)  # oldest first
    time_in_stages: list[StageTime] = field(default_factory=list)  # in the order first entered


@dataclass
class BoardColumn:
    stage_id: int
    stage: str
    kind: str
    probability: int
    count: int
    value: Decimal
    weighted: Decimal  # value x probability
    deals: list[DealRow]  # the first per_stage deals


# --- the two rules -----------------------------------------------------------------------------------------


def time_in_stage(entered_at: datetime, left_at: datetime | None = None, as_of: datetime | None = None) -> timedelta:
    """How long a deal stayed in a stage it entered at ENTERED_AT: until LEFT_AT, or, for the stage it is in now,
    until AS_OF (default: now). Never negative, even when CRM_NOW replays the past."""
    end = left_at or as_of or now()
    return max(end - entered_at, timedelta(0))


def _days(span: timedelta) -> float:
    return round(span.total_seconds() / 86400, 1)


def stuck_condition(as_of: datetime) -> Expression:
    """TRUE for a live open deal whose stage has a stuck limit (Stage.stuck_days) and which entered that stage
    before AS_OF minus that many days. The query must join Deal to Stage."""
    return (
        (Stage.kind == "open")
        & Stage.stuck_days.is_null(False)
        & Deal.deleted_at.is_null()
        & (Deal.stage_entered_at < days_before(as_of, Stage.stuck_days))
    )


# --- validation --------------------------------------------------------------------------------------------


def _check_kind(kind: str) -> str:
    return values.choice(kind, STAGE_KINDS, "deal kind")


def _owner_id(actor: Actor, ref: str | None, customer: Customer) -> int | None:
    """'me', a login (active, and in the actor's team unless an admin), or by default the customer's owner, else
    the actor."""
    if ref is None:
        return customer.owner_id or actor.id
    if ref == "me":
        if actor.id is None:
            raise BadInput("The system user cannot own deals: name an owner with --owner.")
        return actor.id
    return may_give_to(actor, require_active(find_user(ref), "own deals"), "deals").id


# --- finding -----------------------------------------------------------------------------------------------


def _visible_customer_ids(actor: Actor):
    return Customer.select(Customer.id).where(visible_customers(actor), Customer.deleted_at.is_null())


def deal_scope(actor: Actor) -> Expression:
    """The deals the actor sees, as a condition on Deal alone (no join): those of live customers in sight. An
    admin's is "not a deleted customer's" (deleted customers are few); anyone else's is "one of my customers'", which
    lets the database start from the actor's customers: much faster than joining Customer (docs/PERFORMANCE.md)."""
    if actor.is_admin:
        return Deal.customer.not_in(Customer.select(Customer.id).where(Customer.deleted_at.is_null(False)))
    return Deal.customer.in_(_visible_customer_ids(actor))


def find_deal(actor: Actor, ref: str | int, write: bool = False, deleted: bool = False) -> Deal:
    """The deal named by REF (id or unambiguous title) among those whose customer the actor sees. For a write, a
    deal the actor may not change is NotPermitted (exit 4) when named by id; one they cannot see stays NotFound
    (exit 3). DELETED looks among soft-deleted deals (for restore)."""
    alive = Deal.deleted_at.is_null(False) if deleted else Deal.deleted_at.is_null()
    label = "deleted deal" if deleted else "deal"
    text = str(ref).strip().lstrip("#")
    if write and text.isdigit():
        row = Deal.select().join(Customer).where(Deal.id == int(text), alive, Customer.deleted_at.is_null()).first()
        if row is None:
            raise NotFound(f"No {label} #{text}.")
    else:
        row = resolve(Deal, ref, Deal.title, alive & deal_scope(actor), label)
    if write and not Customer.select().where(Customer.id == row.customer_id, writable_customers(actor)).exists():
        raise NotPermitted(f"{actor.login or 'You'} may not change deal #{row.id}.")
    return row


def _locked(deal: Deal) -> Deal:
    """The deal re-read, held until the transaction ends (dialect.locked)."""
    return locked(Deal.select().where(Deal.id == deal.id)).get()


# --- listing -----------------------------------------------------------------------------------------------

SORTS = {
    "id": Deal.id,
    "created": Deal.created_at,
    "title": Deal.title,
    "amount": Deal.amount,
    "close": Deal.expected_close,
    "entered": Deal.stage_entered_at,
    "stage": Stage.position,
    "customer": Customer.name,
}
NULLABLE_SORTS = ("close",)


def _order(sort: str | None) -> list:
    sort = sort or "-id"
    key = sort.lstrip("-")
    if key not in SORTS:
        raise BadInput(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)} (prefix - to reverse).")
    nulls = "LAST" if key in NULLABLE_SORTS else None
    column = SORTS[key].desc(nulls=nulls) if sort.startswith("-") else SORTS[key].asc(nulls=nulls)
    return [column] if key == "id" else [column, Deal.id.desc() if sort.startswith("-") else Deal.id]


def _stage_ids(flt: DealFilter) -> list[int]:
    """The stages --stage names: within --pipeline when given, else that name (or id) in any pipeline."""
    if flt.pipeline:
        return [find_stage(find_pipeline(flt.pipeline).id, flt.stage).id]
    text = flt.stage.strip().lstrip("#")
    named = Stage.id == int(text) if text.isdigit() else fn.LOWER(Stage.name) == text.lower()
    ids = [i for (i,) in Stage.select(Stage.id).where(named).tuples()]
    if not ids:
        raise NotFound(f"No stage {flt.stage.strip()!r}: `crm stage list` shows them.")
    return ids


def _conditions(actor: Actor, flt: DealFilter, as_of: datetime, joined: bool = False) -> Expression:
    """The WHERE of a deal query; it needs a join to Stage when _needs_stage(flt). JOINED: the query joins
    Customer, and a page of rows checks each deal's customer by key (fast for a first page); otherwise (counts,
    totals) the scope is deal_scope's subquery, which lets the database start from the actor's customers."""
    where = visible_customers(actor) & Customer.deleted_at.is_null() if joined else deal_scope(actor)
    where &= Deal.deleted_at.is_null(False) if flt.deleted else Deal.deleted_at.is_null()
    if flt.customer:
        where &= Deal.customer == find_customer(actor, flt.customer).id
    if flt.owner:
        if flt.owner == "me":
            where &= Deal.owner == actor.id if actor.id is not None else Deal.owner.is_null()
        else:
            where &= Deal.owner == find_user(flt.owner).id
    if flt.pipeline:
        where &= Deal.pipeline == find_pipeline(flt.pipeline).id
    if flt.stage:
        ids = _stage_ids(flt)
        where &= Deal.stage == ids[0] if len(ids) == 1 else Deal.stage.in_(ids)
    if flt.kind:
        where &= Stage.kind == _check_kind(flt.kind)
    if flt.stuck:
        where &= stuck_condition(as_of)
    if flt.closing_after:
        where &= Deal.expected_close >= parse_date(flt.closing_after)
    if flt.closing_before:
        where &= Deal.expected_close <= parse_date(flt.closing_before)
    if flt.text:
        where &= Deal.title.contains(flt.text.strip())
    return where


def _needs_stage(flt: DealFilter) -> bool:
    return bool(flt.kind or flt.stuck)


def _with_stage(query):
    # A LEFT join (every deal has a stage) keeps the deal the outer loop, so a page walks an index of deal.
    return query.join_from(Deal, Stage, JOIN.LEFT_OUTER, on=(Deal.stage == Stage.id))


def _rows(where: Expression, as_of: datetime, sort: str | None, limit: int | None, offset: int) -> list[DealRow]:
    """A page of rows in two steps: the ids (filter, sort and page over narrow rows: sorting deals by amount is
    much faster without the text columns), then the columns of just those deals."""
    order = _order(sort)
    page = (
        _with_stage(Deal.select(Deal.id))
        .join_from(Deal, Customer, JOIN.LEFT_OUTER, on=(Deal.customer == Customer.id))
        .where(where)
        .order_by(*order)
        .offset(offset or None)
        .limit(limit)
    )
    ids = [i for (i,) in page.tuples()]
    if not ids:
        return []
    owner = User.alias("deal_owner")
    query = (
        _with_stage(
            Deal.select(
                Deal.id,
                Deal.title,
                Deal.customer,
                Customer.name,
                owner.login,
                Pipeline.name,
                Stage.name,
                Stage.kind,
                Stage.probability,
                Deal.amount,
                Deal.expected_close,
                Deal.created_at,
                Deal.stage_entered_at,
                Case(None, [(stuck_condition(as_of), 1)], 0),
                Deal.closed_at,
                Deal.lost_reason,
            )
        )
        .join_from(Deal, Customer, JOIN.LEFT_OUTER, on=(Deal.customer == Customer.id))
        .join_from(Deal, Pipeline, JOIN.LEFT_OUTER, on=(Deal.pipeline == Pipeline.id))
        .join_from(Deal, owner, JOIN.LEFT_OUTER, on=(Deal.owner == owner.id))
        .where(Deal.id.in_(ids))
        .tuples()
    )
    found = {r[0]: r for r in query}
    return [
        DealRow(*r[:13], time_in_stage(r[12], as_of=as_of).days, bool(r[13]), *r[14:]) for r in (found[i] for i in ids)
    ]


def list_deals(
    actor: Actor, flt: DealFilter | None = None, sort: str | None = None, limit: int | None = 50, offset: int = 0
) -> list[DealRow]:
    """One page of the deals the actor sees. SORT is a key of SORTS, prefix '-' to reverse (default '-id':
    newest first)."""
    flt = flt or DealFilter()
    values.page(limit, offset)
    as_of = now()
    return _rows(_conditions(actor, flt, as_of, joined=True), as_of, sort, limit, offset)


def count_deals(actor: Actor, flt: DealFilter | None = None) -> int:
    flt = flt or DealFilter()
    query = _with_stage(Deal.select()) if _needs_stage(flt) else Deal.select()
    return query.where(_conditions(actor, flt, now())).count()


def board(
    actor: Actor,
    pipeline: str | int | None = None,
    flt: DealFilter | None = None,
    per_stage: int = 50,
    sort: str | None = None,
) -> list[BoardColumn]:
    """The pipeline board: per stage of PIPELINE (default: FLT's pipeline, else the default one), in order, the
    number and total value of the matching deals (one GROUP BY) and the first PER_STAGE of them."""
    flt = flt or DealFilter()
    values.page(per_stage, 0)
    chosen = find_pipeline(pipeline if pipeline is not None else flt.pipeline)
    as_of = now()
    flt = replace(flt, pipeline=None)
    in_pipeline = Deal.pipeline == chosen.id
    totals_query = Deal.select(Deal.stage, fn.COUNT(Deal.id), fn.SUM(Deal.amount).coerce(False))
    totals_query = _with_stage(totals_query) if _needs_stage(flt) else totals_query
    totals_query = totals_query.where(_conditions(actor, flt, as_of) & in_pipeline)
    where = _conditions(actor, flt, as_of, joined=True) & in_pipeline
    totals = {s: (n, total) for s, n, total in totals_query.group_by(Deal.stage).tuples()}
    columns = []
    for stage in stages_of(chosen.id):
        count, cents = totals.get(stage.id, (0, 0))
        value = from_cents(int(cents or 0))
        deals = _rows(where & (Deal.stage == stage.id), as_of, sort, per_stage, 0) if count and per_stage else []
        weighted = (value * stage.probability / 100).quantize(CENT)
        columns.append(BoardColumn(stage.id, stage.name, stage.kind, stage.probability, count, value, weighted, deals))
    return columns


# --- one deal in full --------------------------------------------------------------------------------------


def _history(deal: Deal, as_of: datetime) -> list[StageSpan]:
    source, target, by = Stage.alias("from_stage"), Stage.alias("to_stage"), User.alias("mover")
    query = (
        DealStageHistory.select(target.name, target.kind, source.name, DealStageHistory.at, by.login)
        .join_from(DealStageHistory, target, JOIN.LEFT_OUTER, on=(DealStageHistory.to_stage == target.id))
        .join_from(DealStageHistory, source, JOIN.LEFT_OUTER, on=(DealStageHistory.from_stage == source.id))
        .join_from(DealStageHistory, by, JOIN.LEFT_OUTER, on=(DealStageHistory.by == by.id))
        .where(DealStageHistory.deal == deal.id)
        .order_by(DealStageHistory.at, DealStageHistory.id)
        .tuples()
    )
    moves = list(query)
    if not moves:  # a deal written without history (bulk seeding): its current stay is all that is known
        stage = Stage.get_by_id(deal.stage_id)
        moves = [(stage.name, stage.kind, None, deal.stage_entered_at, None)]
    spans = []
    for index, (stage, kind, source_name, at, mover) in enumerate(moves):
        left = moves[index + 1][3] if index + 1 < len(moves) else None
        spans.append(StageSpan(stage, kind, source_name, at, left, mover, _days(time_in_stage(at, left, as_of))))
    return spans


def _stage_totals(spans: list[StageSpan], as_of: datetime) -> list[StageTime]:
    totals: dict[str, list] = {}
    for span in spans:
        entry = totals.setdefault(span.stage, [0, timedelta(0)])
        entry[0] += 1
        entry[1] += time_in_stage(span.entered_at, span.left_at, as_of)
    return [StageTime(stage, visits, _days(spent)) for stage, (visits, spent) in totals.items()]


def get_deal_detail(actor: Actor, ref: str | int) -> DealDetail:
    """One visible deal: its row, every stage it went through (from, to, when, by whom) with the time spent in each
    (the current stage counts until now), and the total time per stage."""
    deal = find_deal(actor, ref)
    as_of = now()
    row = _rows(Deal.id == deal.id, as_of, None, 1, 0)[0]
    spans = _history(deal, as_of)
    return DealDetail(**vars(row), history=spans, time_in_stages=_stage_totals(spans, as_of))


# --- adding and changing -----------------------------------------------------------------------------------


def add_deal(
    actor: Actor,
    customer_ref: str | int,
    title: str,
    amount: str | int | Decimal,
    stage: str | int | None = None,
    close: str | None = None,
    owner: str | None = None,
    pipeline: str | int | None = None,
) -> int:
    """A new deal on a customer the actor may change, in STAGE of PIPELINE (default: the default pipeline's first
    open stage). CLOSE is the expected close date as users type it. Returns the deal's id."""
    row = dict(
        title=values.handle(title, "deal", "title"),
        amount=values.money(amount, "Amount", currency()),
        expected_close=values.optional_day(close),
    )
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        chosen = find_pipeline(pipeline)
        target = find_stage(chosen.id, stage) if stage is not None else first_stage_of_kind(chosen.id, "open")
        if target.kind == "lost":
            raise BadInput("A deal cannot start lost: add it, then `crm deal lost DEAL --reason TEXT`.")
        moment = now()
        row.update(
            customer=customer.id,
            pipeline=chosen.id,
            stage=target.id,
            owner=_owner_id(actor, owner, customer),
            created_at=moment,
            stage_entered_at=moment,
            closed_at=moment if target.kind == "won" else None,
        )
        deal_id = Deal.insert(**row).execute()
        DealStageHistory.insert(deal=deal_id, from_stage=None, to_stage=target.id, at=moment, by=actor.id).execute()
        shown = {**row, "pipeline": chosen.name, "stage": target.name}
        del shown["created_at"]
        audit.created(actor.login, "deal", deal_id, shown)
    return deal_id


def _move(actor: Actor, deal: Deal, target: Stage, reason: str | None, action: str) -> dict:
    """Move DEAL (locked, inside the caller's transaction) into TARGET: history, stage_entered_at, and closing
    (won/lost: closed_at set) or reopening (open: closed_at and the lost reason cleared)."""
    current = Stage.get_by_id(deal.stage_id)
    if target.id == current.id:
        raise Refused(f"Deal #{deal.id} is in stage {target.name!r} already.")
    if target.kind == "lost" and not (reason and reason.strip()):
        raise BadInput("Say why the deal was lost: --reason TEXT.")
    moment = now()
    if target.kind == "open":
        closed_at = None
    elif current.kind == target.kind and deal.closed_at is not None:
        closed_at = deal.closed_at  # from one won stage to another: it closed when it first did
    else:
        closed_at = moment
    new = {
        "stage": target.id,
        "stage_entered_at": moment,
        "closed_at": closed_at,
        "lost_reason": reason.strip() if target.kind == "lost" else None,
    }
    Deal.update(**new).where(Deal.id == deal.id).execute()
    DealStageHistory.insert(deal=deal.id, from_stage=current.id, to_stage=target.id, at=moment, by=actor.id).execute()
    old = {
        "stage": current.name,
        "stage_entered_at": deal.stage_entered_at,
        "closed_at": deal.closed_at,
        "lost_reason": deal.lost_reason,
    }
    diff = audit.changes(old, {**new, "stage": target.name})
    audit.record(actor.login, "deal", deal.id, action, diff)
    return diff


def move_deal(actor: Actor, ref: str | int, stage: str | int, reason: str | None = None) -> dict:
    """Move a deal forward or back to STAGE of its own pipeline; into a lost stage it needs REASON. Returns the
    changes as {field: [old, new]}."""
    with db.atomic():
        deal = _locked(find_deal(actor, ref, write=True))
        return _move(actor, deal, find_stage(deal.pipeline_id, stage), reason, "move")


def win_deal(actor: Actor, ref: str | int) -> dict:
    """Close a deal as won: into the first won stage of its pipeline."""
    with db.atomic():
        deal = _locked(find_deal(actor, ref, write=True))
        target = first_stage_of_kind(deal.pipeline_id, "won")
        if Stage.get_by_id(deal.stage_id).kind == "won":
            raise Refused(f"Deal #{deal.id} is won already.")
        return _move(actor, deal, target, None, "won")


def lose_deal(actor: Actor, ref: str | int, reason: str) -> dict:
    """Close a deal as lost, with the REASON (required): into the first lost stage of its pipeline."""
    if not (reason and reason.strip()):
        raise BadInput("Say why the deal was lost: --reason TEXT.")
    with db.atomic():
        deal = _locked(find_deal(actor, ref, write=True))
        target = first_stage_of_kind(deal.pipeline_id, "lost")
        if Stage.get_by_id(deal.stage_id).kind == "lost":
            raise Refused(f"Deal #{deal.id} is lost already.")
        return _move(actor, deal, target, reason, "lost")


def edit_deal(
    actor: Actor,
    ref: str | int,
    title: str | None = None,
    amount: str | int | Decimal | None = None,
    close: str | None = None,
    owner: str | None = None,
) -> dict:
    """Change the title, amount, expected close ('' clears it) or owner of a deal. Returns {field: [old, new]}."""
    new: dict = {}
    if title is not None:
        new["title"] = values.handle(title, "deal", "title")
    if amount is not None:
        new["amount"] = values.money(amount, "Amount", currency())
    if close is not None:
        new["expected_close"] = values.optional_day(close)
    with db.atomic():
        deal = _locked(find_deal(actor, ref, write=True))
        if owner is not None:
            new["owner"] = _owner_id(actor, owner, Customer.get_by_id(deal.customer_id))
        return audit.update(actor.login, deal, new, "deal")


def _set_deleted(actor: Actor, ref: str | int, deleted: bool) -> int:
    with db.atomic():
        return audit.set_deleted(actor.login, find_deal(actor, ref, write=True, deleted=not deleted), "deal", deleted)


def delete_deal(actor: Actor, ref: str | int) -> int:
    """Soft-delete a deal: gone from lists, boards and reports until restored. Returns its id."""
    return _set_deleted(actor, ref, True)


def restore_deal(actor: Actor, ref: str | int) -> int:
    return _set_deleted(actor, ref, False)


def deal_of_customer(deal_ref: str | int | None, customer_id: int) -> int | None:
    """The id of the live deal of the customer that DEAL_REF names (a quote's or a contract's deal); None for none."""
    if deal_ref is None or str(deal_ref).strip() == "":
        return None
    scope = (Deal.customer == customer_id) & Deal.deleted_at.is_null()
    return resolve(Deal, deal_ref, Deal.title, scope, "deal of this customer").id
