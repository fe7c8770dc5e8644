"""The audit trail: every mutation writes who, when, what, old -> new, inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from peewee import ForeignKeyField, Model

from crmtui.store.kernel.clock import now
from crmtui.store.kernel.models import AuditLog


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [old, new]}."""
    return {k: [_plain(old.get(k)), _plain(v)] for k, v in new.items() if _plain(old.get(k)) != _plain(v)}


def record(actor_login: str | None, entity: str, entity_id: int | None, action: str, diff: dict) -> None:
    AuditLog.insert(
        actor=actor_login,
        at=now(),
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=json.dumps(diff, ensure_ascii=False, default=str),
    ).execute()


def created(actor_login: str | None, entity: str, entity_id: int, values: dict[str, Any]) -> None:
    """Audit a new row: each of its VALUES as [None, value] (None values left out)."""
    record(actor_login, entity, entity_id, "create", changes({}, values))


def current(row: Model, name: str) -> Any:
    """ROW's stored value of the field NAME: the id, for a foreign key (as changes compare it)."""
    field = row._meta.fields[name]
    return getattr(row, field.object_id_name if isinstance(field, ForeignKeyField) else name)


def update(actor_login: str | None, row: Model, new: dict[str, Any], entity: str, action: str = "edit", **also) -> dict:
    """Write the fields of NEW whose value differs from ROW's (and ALSO along with them, such as updated_at) and
    audit them old -> new, inside the caller's transaction, after the caller found ROW within the actor's reach.
    Returns the changes as {field: [old, new]}, empty when nothing differed (then nothing is written)."""
    diff = changes({name: current(row, name) for name in new}, new)
    if diff:
        model = type(row)
        model.update(**{name: new[name] for name in diff}, **also).where(model.id == row.id).execute()
        record(actor_login, entity, row.id, action, diff)
    return diff


def set_deleted(actor_login: str | None, row, entity: str, deleted: bool, **also) -> int:
    """Soft-delete ROW (stamp deleted_at) or restore it (clear it), with ALSO set too, and audit old -> new; inside
    the caller's transaction, after the caller found ROW within the actor's reach. Returns ROW's id."""
    model = type(row)
    stamp = now() if deleted else None
    model.update(deleted_at=stamp, **also).where(model.id == row.id).execute()
    diff = changes({"deleted_at": row.deleted_at}, {"deleted_at": stamp})
    record(actor_login, entity, row.id, "delete" if deleted else "restore", diff)
    return row.id
