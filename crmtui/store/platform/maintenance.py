"""`crm db`: what database this is, and the explicit purge of soft-deleted rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from peewee import Model, Select

from crmtui.store.kernel import audit, dialect
from crmtui.store.kernel.access import Actor, require_admin
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.models import Contact, Contract, Customer, Deal
from crmtui.store.platform.schema import status

# The tables that soft-delete (deleted_at), purged parents first so their dependents go with them.
SOFT_DELETED = (Customer, Deal, Contract, Contact)


@dataclass
class DatabaseStatus:
    backend: str
    schema_version: int
    pending_migrations: int
    customers: int
    in_pool: int
    soft_deleted: int


def database_status() -> DatabaseStatus:
    state = status()
    live = Customer.select().where(Customer.deleted_at.is_null())
    return DatabaseStatus(
        backend=dialect.name(),
        schema_version=state.version,
        pending_migrations=len(state.pending),
        customers=live.count(),
        in_pool=live.where(Customer.owner.is_null()).count(),
        soft_deleted=Customer.select().where(Customer.deleted_at.is_null(False)).count(),
    )


def _delete_with_dependents(model: type[Model], ids: Select) -> int:
    """Delete the rows of MODEL whose id is in IDS and, first, every row that references them (set-based)."""
    for field, child in model._meta.backrefs.items():
        if child is not model:
            _delete_with_dependents(child, child.select(child._meta.primary_key).where(field.in_(ids)))
    return model.delete().where(model._meta.primary_key.in_(ids)).execute()


def purge(actor: Actor, older_than_days: int = 30, dry_run: bool = False) -> dict[str, int]:
    """Remove for good what was soft-deleted more than N days ago, with everything hanging off it."""
    require_admin(actor, "purge deleted records")
    cutoff = now() - timedelta(days=older_than_days)
    counts = {}
    with db.atomic() as transaction:
        for model in SOFT_DELETED:
            doomed = model.select(model.id).where(model.deleted_at.is_null(False), model.deleted_at < cutoff)
            counts[model._meta.table_name] = doomed.count()
            if counts[model._meta.table_name]:
                _delete_with_dependents(model, doomed)
        if dry_run:
            transaction.rollback()
        elif any(counts.values()):
            audit.record(actor.login, "database", None, "purge", {k: [v, 0] for k, v in counts.items() if v})
    return counts
