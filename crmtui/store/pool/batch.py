"""Ownership changes for many customers at once (assign, reclaim): a temporary table holds the batch (customer,
from, to, reason); the customer UPDATE, the ownership events and the audit rows are then one statement each,
inside the caller's transaction, so a batch is written whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime

from peewee import SQL, Expression, SelectQuery

from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.db import db, is_postgres
from crmtui.store.kernel.models import AuditLog, Customer, OwnershipEvent

BATCH = "crm_ownership_batch"
COLUMNS = ("customer_id", "territory_id", "from_user_id", "to_user_id", "reason")
_NO_USER = SQL("CAST(NULL AS BIGINT)")  # a to_user_id of nobody (a bare NULL is text to PostgreSQL)


@contextmanager
def batch_table():
    """An empty batch table for the length of the caller's transaction."""
    if is_postgres():
        # The connection forces custom plans (for searches); the foreign-key checks, one per row and key here,
        # would then be planned afresh each time: 3x slower. Back to the default until the transaction ends.
        db.execute_sql("SET LOCAL plan_cache_mode = auto")
    db.execute_sql(f"DROP TABLE IF EXISTS {BATCH}")
    db.execute_sql(
        f"CREATE TEMPORARY TABLE {BATCH} (customer_id BIGINT PRIMARY KEY, territory_id BIGINT, from_user_id BIGINT, to_user_id BIGINT, reason TEXT)"
    )
    yield
    # After a failure the transaction's rollback takes the table (PostgreSQL refuses statements until then).
    db.execute_sql(f"DROP TABLE IF EXISTS {BATCH}")


def fill_rows(rows: Iterable[Sequence]) -> None:
    """Add (customer_id, territory_id, from_user_id, to_user_id, reason) rows computed in Python (an assignment plan)."""
    from crmtui.store.kernel.bulk import write_rows  # the imports package is heavy; only assignment needs this

    write_rows(BATCH, COLUMNS, rows)


def fill_from(query: SelectQuery) -> None:
    """Add the rows QUERY selects, in COLUMNS order."""
    sql, params = query.sql()
    db.execute_sql(f"INSERT INTO {BATCH} ({', '.join(COLUMNS)}) {sql}", params)


def counts_by_target() -> list[tuple]:
    """(territory_id, from_user_id, to_user_id, customers) of the batch, for summaries."""
    sql = f"SELECT territory_id, from_user_id, to_user_id, COUNT(*) FROM {BATCH} GROUP BY territory_id, from_user_id, to_user_id"
    return list(db.execute_sql(sql).fetchall())


def apply(actor: Actor, kind: str, moment: datetime, to_pool: bool) -> int:
    """Move every customer of the batch from its from_user to its to_user (TO_POOL: to nobody), if it is still
    where the batch found it; write an ownership event and an audit row for each one moved. Returns how many."""
    p = db.obj.param
    # Row by row through the batch's key (an UPDATE ... FROM made SQLite scan the whole customer table).
    batched = f"(SELECT {{}} FROM {BATCH} b WHERE b.customer_id = customer.id)"
    in_batch = Customer.id.in_(SQL(f"(SELECT customer_id FROM {BATCH})"))
    if to_pool:
        changes = pool_move(moment)
        still_there = Customer.owner == SQL(batched.format("b.from_user_id"))
    else:
        changes = {Customer.owner: SQL(batched.format("b.to_user_id")), Customer.owned_at: moment,
                   Customer.pooled_at: None, Customer.updated_at: moment}  # fmt: skip
        still_there = Customer.owner.is_null()
    moved = Customer.update(changes).where(in_batch & still_there).execute()
    if is_postgres() and moved != batch_size():  # a concurrent claim took one; SQLite's IMMEDIATE rules it out
        db.execute_sql(
            f"DELETE FROM {BATCH} b USING customer c WHERE c.id = b.customer_id"
            f" AND (c.owner_id IS DISTINCT FROM b.to_user_id OR c.updated_at <> {p})",
            (moment,),
        )
    log(actor, kind, moment)
    return moved


def log(actor: Actor, kind: str, moment: datetime) -> None:
    """An ownership event and an audit row for every customer of the batch."""
    p = db.obj.param
    db.execute_sql(
        f"INSERT INTO {OwnershipEvent._meta.table_name} (customer_id, from_user_id, to_user_id, kind, reason, at, by_id)"
        f" SELECT customer_id, from_user_id, to_user_id, {p}, reason, {p}, {p} FROM {BATCH}",
        (kind, moment, actor.id),
    )
    owner_change = (
        "'{\"owner\": [' || COALESCE(CAST(from_user_id AS TEXT), 'null') || ', '"
        " || COALESCE(CAST(to_user_id AS TEXT), 'null') || ']}'"
    )
    db.execute_sql(
        f"INSERT INTO {AuditLog._meta.table_name} (actor, at, entity, entity_id, action, changes)"
        f" SELECT {p}, {p}, 'customer', customer_id, {p}, {owner_change} FROM {BATCH}",
        (actor.login, moment, kind),
    )


def pool_move(moment: datetime) -> dict:
    """What going back to the pool at MOMENT sets on a customer: no owner, the owner it had as former owner."""
    return {
        Customer.owner: None, Customer.former_owner: Customer.owner, Customer.owned_at: None,
        Customer.pooled_at: moment, Customer.updated_at: moment,
    }  # fmt: skip


def fill_by_moving_to_pool(where: Expression, reason: Expression, moment: datetime) -> int:
    """PostgreSQL: move the customers WHERE picks to the pool and make the moved ones the batch, in one pass over
    the customers where selecting them first and then moving them takes two. REASON may read only columns the move
    leaves as they were. A row another transaction changed meanwhile is checked against WHERE again (as any
    UPDATE's rows are). Returns how many moved."""
    update = Customer.update(pool_move(moment)).where(where)
    sql, params = update.returning(Customer.id, Customer.territory, Customer.former_owner, _NO_USER, reason).sql()
    return db.execute_sql(
        f"WITH moved AS ({sql}) INSERT INTO {BATCH} ({', '.join(COLUMNS)}) SELECT * FROM moved", params
    ).rowcount


def batch_size() -> int:
    return db.execute_sql(f"SELECT COUNT(*) FROM {BATCH}").fetchone()[0]
