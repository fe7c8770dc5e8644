"""Ownership changes for many customers at once (assign, reclaim): a temporary table holds the batch (customer,
from, to, reason); the customer UPDATE, the ownership events and the audit rows are then one statement each,
inside the caller's transaction, so a batch is written whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime

from peewee import SQL, Expression, SelectQuery

from crmtui.store.customers import ownership
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.bulk import write_rows
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import generic_plans, is_postgres
from crmtui.store.kernel.models import Customer

BATCH = "crm_ownership_batch"
COLUMNS = ("customer_id", "territory_id", "from_user_id", "to_user_id", "reason")
_NO_USER = SQL("CAST(NULL AS BIGINT)")  # a to_user_id of nobody (a bare NULL is text to PostgreSQL)


@contextmanager
def batch_table():
    """An empty batch table for the length of the caller's transaction."""
    generic_plans()  # the foreign-key checks, one per row and key here, would each be planned afresh
    db.execute_sql(f"DROP TABLE IF EXISTS {BATCH}")
    db.execute_sql(
        f"CREATE TEMPORARY TABLE {BATCH} (customer_id BIGINT PRIMARY KEY, territory_id BIGINT, from_user_id BIGINT, to_user_id BIGINT, reason TEXT)"
    )
    yield
    # After a failure the transaction's rollback takes the table (PostgreSQL refuses statements until then).
    db.execute_sql(f"DROP TABLE IF EXISTS {BATCH}")


def fill_rows(rows: Iterable[Sequence]) -> None:
    """Add (customer_id, territory_id, from_user_id, to_user_id, reason) rows computed in Python (an assignment plan)."""
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
        changes = ownership.to_pool(moment)
        still_there = Customer.owner == SQL(batched.format("b.from_user_id"))
    else:
        changes = ownership.to_owner(SQL(batched.format("b.to_user_id")), moment)
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
    ownership.log_table(actor, kind, BATCH, moment)


def fill_by_moving_to_pool(where: Expression, reason: Expression, moment: datetime) -> int:
    """PostgreSQL: move the customers WHERE picks to the pool and make the moved ones the batch, in one pass over
    the customers where selecting them first and then moving them takes two. REASON may read only columns the move
    leaves as they were. A row another transaction changed meanwhile is checked against WHERE again (as any
    UPDATE's rows are). Returns how many moved."""
    update = Customer.update(ownership.to_pool(moment)).where(where)
    sql, params = update.returning(Customer.id, Customer.territory, Customer.former_owner, _NO_USER, reason).sql()
    return db.execute_sql(
        f"WITH moved AS ({sql}) INSERT INTO {BATCH} ({', '.join(COLUMNS)}) SELECT * FROM moved", params
    ).rowcount


def batch_size() -> int:
    return db.execute_sql(f"SELECT COUNT(*) FROM {BATCH}").fetchone()[0]
