"""Pipelines and their stages: a team may run several pipelines (new business, renewals), one of them the default.

A stage has a name, a position (1, 2, … within its pipeline), a win probability in percent, a kind
(open|won|lost) and optionally a "stuck after N days" limit (see deals.stuck_condition). Managers and admins
shape pipelines; everyone may read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, fn

from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, require_manager
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, NotFound, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Deal, Pipeline, Stage
from crmtui.store.kernel.values import STAGE_KINDS


@dataclass
class PipelineRow:
    id: int
    name: str
    is_default: bool
    stages: int
    open_deals: int


@dataclass
class StageRow:
    id: int
    pipeline: str
    position: int
    name: str
    probability: int
    kind: str
    stuck_days: int | None
    deals: int  # live deals in the stage now


# --- a new database's pipeline ------------------------------------------------------------------------

# name, probability %, kind: the stages a new team starts with (editable with `crm stage`).
DEFAULT_STAGES = [
    ("Lead", 10, "open"),
    ("Qualified", 25, "open"),
    ("Proposal", 50, "open"),
    ("Negotiation", 75, "open"),
    ("Won", 100, "won"),
    ("Lost", 0, "lost"),
]


def ensure_default_pipeline() -> None:
    """The pipeline a new database starts with (`crm init`, the demo), unless it has one."""
    with db.atomic():
        if Pipeline.select().exists():
            return
        pipeline = Pipeline.create(name="Default", is_default=True)
        Stage.insert_many(
            [
                {"pipeline": pipeline.id, "name": n, "position": i, "probability": p, "kind": k}
                for i, (n, p, k) in enumerate(DEFAULT_STAGES, start=1)
            ]
        ).execute()


# --- finding -----------------------------------------------------------------------------------------------


def default_pipeline() -> Pipeline:
    """The default pipeline (the first one made when none is marked)."""
    row = Pipeline.select().order_by(Pipeline.is_default.desc(), Pipeline.id).first()
    if row is None:
        raise NotFound("There is no pipeline yet: run `crm init`.")
    return row


def find_pipeline(ref: str | int | None) -> Pipeline:
    """The pipeline named by REF (id or unambiguous name); None is the default pipeline."""
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return default_pipeline()
    return resolve(Pipeline, ref, Pipeline.name, Pipeline.id.is_null(False), "pipeline")


def find_stage(pipeline_id: int, ref: str | int) -> Stage:
    """The stage of pipeline PIPELINE_ID named by REF (id, or unambiguous name within that pipeline). A stage that
    exists only in another pipeline is Refused: deals never cross pipelines."""
    try:
        return resolve(Stage, ref, Stage.name, Stage.pipeline == pipeline_id, "stage")
    except NotFound:
        text = str(ref).strip().lstrip("#")
        named = Stage.id == int(text) if text.isdigit() else fn.LOWER(Stage.name) == text.lower()
        elsewhere = Stage.select(Stage, Pipeline).join(Pipeline).where(named, Stage.pipeline != pipeline_id).first()
        here = Pipeline.get_by_id(pipeline_id).name
        if elsewhere is not None:
            raise Refused(
                f"Stage #{elsewhere.id} {elsewhere.name!r} belongs to pipeline {elsewhere.pipeline.name!r}, not {here!r}:"
                " deals stay in their pipeline."
            ) from None
        raise NotFound(f"No stage {str(ref).strip()!r} in pipeline {here!r}: `crm stage list` shows them.") from None


def stages_of(pipeline_id: int) -> list[Stage]:
    return list(Stage.select().where(Stage.pipeline == pipeline_id).order_by(Stage.position, Stage.id))


def first_stage_of_kind(pipeline_id: int, kind: str) -> Stage:
    stage = Stage.select().where(Stage.pipeline == pipeline_id, Stage.kind == kind).order_by(Stage.position).first()
    if stage is None:
        name = Pipeline.get_by_id(pipeline_id).name
        raise Refused(f"Pipeline {name!r} has no {kind} stage: add one with `crm stage add --kind {kind}`.")
    return stage


# --- listing -----------------------------------------------------------------------------------------------


def list_pipelines(actor: Actor) -> list[PipelineRow]:
    """Every pipeline with its number of stages and of open (live) deals; the default first."""
    stages = Stage.select(fn.COUNT(Stage.id)).where(Stage.pipeline == Pipeline.id)
    open_deals = (
        Deal.select(fn.COUNT(Deal.id))
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Deal.pipeline == Pipeline.id, Stage.kind == "open", Deal.deleted_at.is_null())
    )
    query = Pipeline.select(Pipeline.id, Pipeline.name, Pipeline.is_default, stages, open_deals).order_by(
        Pipeline.is_default.desc(), Pipeline.name
    )
    return [PipelineRow(*row) for row in query.tuples()]


def list_stages(actor: Actor, pipeline: str | int | None = None) -> list[StageRow]:
    """The stages of PIPELINE (default: the default pipeline) in order, with how many live deals each holds."""
    chosen = find_pipeline(pipeline)
    counts = (
        Deal.select(Deal.stage, fn.COUNT(Deal.id).alias("n"))
        .where(Deal.pipeline == chosen.id, Deal.deleted_at.is_null())
        .group_by(Deal.stage)
        .alias("counts")
    )
    query = (
        Stage.select(
            Stage.id,
            Stage.position,
            Stage.name,
            Stage.probability,
            Stage.kind,
            Stage.stuck_days,
            fn.COALESCE(counts.c.n, 0),
        )
        .join(counts, JOIN.LEFT_OUTER, on=(counts.c.stage_id == Stage.id))
        .where(Stage.pipeline == chosen.id)
        .order_by(Stage.position, Stage.id)
        .tuples()
    )
    return [StageRow(row[0], chosen.name, *row[1:]) for row in query]


# --- validation --------------------------------------------------------------------------------------------


def _check_probability(probability: int) -> int:
    if probability is None or not 0 <= int(probability) <= 100:
        raise BadInput(f"Probability {probability!r} is not a percentage from 0 to 100.")
    return int(probability)


def _check_kind(kind: str) -> str:
    return values.choice(kind or "", STAGE_KINDS, "stage kind")


def _check_stuck_days(days: int | None) -> int | None:
    """None or 0 means no limit."""
    if days is None or days == 0:
        return None
    if days < 0:
        raise BadInput("--stuck-days takes a number of days, 1 or more (0 removes the limit).")
    return int(days)


def _name_free(pipeline_id: int, name: str, except_id: int | None = None) -> None:
    clash = Stage.select().where(Stage.pipeline == pipeline_id, fn.LOWER(Stage.name) == name.lower())
    if except_id is not None:
        clash = clash.where(Stage.id != except_id)
    if clash.exists():
        raise Refused(f"Pipeline {Pipeline.get_by_id(pipeline_id).name!r} has a stage {name!r} already.")


def _renumber(pipeline_id: int, order: list[int]) -> None:
    """Give the stages ids ORDER the positions 1..n (a pipeline holds a handful of stages)."""
    for position, stage_id in enumerate(order, start=1):
        Stage.update(position=position).where(Stage.id == stage_id, Stage.position != position).execute()


def _place(order: list[int], stage_id: int, position: int | None, kind: str) -> list[int]:
    """ORDER with STAGE_ID put at POSITION (1-based, clamped); without one, an open stage goes after the last open
    stage and a closed one at the end."""
    others = [s for s in order if s != stage_id]
    if position is None:
        if kind == "open":
            open_ids = {s for (s,) in Stage.select(Stage.id).where(Stage.id.in_(others), Stage.kind == "open").tuples()}
            index = max((i + 1 for i, s in enumerate(others) if s in open_ids), default=0)
        else:
            index = len(others)
    else:
        if position < 1:
            raise BadInput("--position counts from 1.")
        index = min(position, len(others) + 1) - 1
    return others[:index] + [stage_id] + others[index:]


def _stage_values(stage: Stage) -> dict:
    return {k: getattr(stage, k) for k in ("name", "position", "probability", "kind", "stuck_days")}


# --- changing ----------------------------------------------------------------------------------------------


def add_pipeline(actor: Actor, name: str, copy_stages_from: str | int | None = None) -> int:
    """A new pipeline (managers and admins), empty or with a copy of another pipeline's stages. Returns its id."""
    require_manager(actor, "add a pipeline")
    name = values.handle(name, "pipeline")
    with db.atomic():
        if Pipeline.select().where(fn.LOWER(Pipeline.name) == name.lower()).exists():
            raise Refused(f"Pipeline {name!r} exists already.")
        source = find_pipeline(copy_stages_from) if copy_stages_from is not None else None
        is_default = not Pipeline.select().exists()
        pipeline_id = Pipeline.insert(name=name, is_default=is_default).execute()
        copied = []
        if source is not None:
            copied = [{**_stage_values(s), "pipeline": pipeline_id} for s in stages_of(source.id)]
            if copied:
                Stage.insert_many(copied).execute()
        audit.created(
            actor.login,
            "pipeline",
            pipeline_id,
            {"name": name, "is_default": is_default, "stages": [s["name"] for s in copied]},
        )
    return pipeline_id


def add_stage(
    actor: Actor,
    name: str,
    probability: int,
    kind: str = "open",
    position: int | None = None,
    stuck_days: int | None = None,
    pipeline: str | int | None = None,
) -> int:
    """Add a stage to PIPELINE (default: the default one) at POSITION (default: after the last open stage for an
    open stage, at the end otherwise). Returns its id."""
    require_manager(actor, "change pipeline stages")
    row = dict(
        name=values.handle(name, "stage"),
        probability=_check_probability(probability),
        kind=_check_kind(kind),
        stuck_days=_check_stuck_days(stuck_days),
    )
    with db.atomic():
        chosen = find_pipeline(pipeline)
        _name_free(chosen.id, row["name"])
        order = [s.id for s in stages_of(chosen.id)]
        stage_id = Stage.insert(pipeline=chosen.id, position=len(order) + 1, **row).execute()
        _renumber(chosen.id, _place(order + [stage_id], stage_id, position, row["kind"]))
        placed = Stage.get_by_id(stage_id)
        audit.created(actor.login, "stage", stage_id, {"pipeline": chosen.name, **_stage_values(placed)})
    return stage_id


def edit_stage(
    actor: Actor,
    ref: str | int,
    pipeline: str | int | None = None,
    name: str | None = None,
    probability: int | None = None,
    kind: str | None = None,
    position: int | None = None,
    stuck_days: int | None = None,
) -> dict:
    """Rename, re-weigh, re-kind, move (POSITION, 1-based; the others shift) or set the stuck limit of a stage
    (STUCK_DAYS 0 removes it). A stage holding live deals keeps its kind: open/closed is what those deals are.
    Returns the changes as {field: [old, new]}."""
    require_manager(actor, "change pipeline stages")
    new: dict = {}
    if name is not None:
        new["name"] = values.handle(name, "stage")
    if probability is not None:
        new["probability"] = _check_probability(probability)
    if kind is not None:
        new["kind"] = _check_kind(kind)
    if stuck_days is not None:
        new["stuck_days"] = _check_stuck_days(stuck_days)
    with db.atomic():
        chosen = find_pipeline(pipeline)
        stage = find_stage(chosen.id, ref)
        old = _stage_values(stage)
        if "name" in new and new["name"] != stage.name:
            _name_free(chosen.id, new["name"], stage.id)
        if new.get("kind", stage.kind) != stage.kind:
            held = Deal.select().where(Deal.stage == stage.id, Deal.deleted_at.is_null()).count()
            if held:
                raise Refused(f"Stage {stage.name!r} holds {held} deal(s): move them before changing its kind.")
        if new:
            Stage.update(**new).where(Stage.id == stage.id).execute()
        if position is not None:
            order = [s.id for s in stages_of(chosen.id)]
            _renumber(chosen.id, _place(order, stage.id, position, new.get("kind", stage.kind)))
        diff = audit.changes(old, _stage_values(Stage.get_by_id(stage.id)))
        if diff:
            audit.record(actor.login, "stage", stage.id, "edit", diff)
    return diff
