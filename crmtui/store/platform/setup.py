"""`crm init`: the schema, the first admin, and a default sales pipeline."""

from __future__ import annotations

from pathlib import Path

from crmtui.store.kernel.access import SYSTEM
from crmtui.store.kernel.db import db
from crmtui.store.kernel.models import Pipeline, Stage, User
from crmtui.store.org.people import add_user
from crmtui.store.platform.schema import upgrade

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


def initialize(sqlite_file: str | None, admin: str | None) -> tuple[list[str], Path | None, bool]:
    """Create or upgrade the schema and seed what a team needs; idempotent. Returns the migrations applied,
    the backup made and whether an admin was created."""
    applied, saved = upgrade(sqlite_file)
    ensure_default_pipeline()
    created = False
    if admin and not User.select().where(User.login == admin).exists():
        add_user(SYSTEM, admin, "admin")
        created = True
    return applied, saved, created
