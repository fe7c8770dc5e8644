"""`crm init`: the schema, the first admin, and a default sales pipeline."""

from __future__ import annotations

from pathlib import Path

from crmtui.store.kernel.access import SYSTEM
from crmtui.store.kernel.models import User
from crmtui.store.org.users import add_user
from crmtui.store.platform.schema import upgrade
from crmtui.store.sales.pipelines import ensure_default_pipeline


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
