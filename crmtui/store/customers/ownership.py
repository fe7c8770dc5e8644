"""Who owns a customer: the one move (to an owner, back to the pool), what counts towards an owner's cap, and the
ownership history.

The history: every change of a customer's owner (create, claim, release, assign, reclaim, transfer,
merge, import) leaves an OwnershipEvent and an audit row {"owner": [from, to]}, written in the caller's transaction.
This module is their one writer, in two shapes: moves listed in Python (log) and the moves held in a table (log_table,
for the pool's batches of thousands). A caller that audits the change in its own words passes audited=False."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from peewee import Expression, fn

from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.bulk import db_value, write_rows
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import lock_rows
from crmtui.store.kernel.errors import Refused
from crmtui.store.kernel.models import AuditLog, Customer, Deal, OwnershipEvent, PoolRules, Stage, Territory, User
from crmtui.store.org.territories import rules_for

Move = tuple[int, int | None, int | None, str | None]  # customer id, from user id, to user id, reason

EVENT_COLUMNS = ("customer_id", "from_user_id", "to_user_id", "kind", "reason", "at", "by_id")
AUDIT_COLUMNS = ("actor", "at", "entity", "entity_id", "action", "changes")


def owner_change(from_user: int | None, to_user: int | None) -> str:
    """The audit row's changes for a move, as the SQL of log_table builds them too."""
    return f'{{"owner": [{_json(from_user)}, {_json(to_user)}]}}'


def _json(user_id: int | None) -> str:
    return "null" if user_id is None else str(int(user_id))


def log(actor: Actor, kind: str, moves: Iterable[Move], at: datetime, audited: bool = True) -> None:
    """An event (and, AUDITED, an audit row) for each of MOVES, made by ACTOR AT that time."""
    moves = list(moves)
    if not moves:
        return
    stamp = db_value(at)
    write_rows(
        OwnershipEvent._meta.table_name,
        EVENT_COLUMNS,
        [(customer, old, new, kind, reason, stamp, actor.id) for customer, old, new, reason in moves],
    )
    if audited:
        write_rows(
            AuditLog._meta.table_name,
            AUDIT_COLUMNS,
            [
                (actor.login, stamp, "customer", customer, kind, owner_change(old, new))
                for customer, old, new, _ in moves
            ],
        )


def log_table(actor: Actor, kind: str, table: str, at: datetime) -> None:
    """An event and an audit row for each move of TABLE (customer_id, from_user_id, to_user_id, reason)."""
    p = db.obj.param
    db.execute_sql(
        f"INSERT INTO {OwnershipEvent._meta.table_name} ({', '.join(EVENT_COLUMNS)})"
        f" SELECT customer_id, from_user_id, to_user_id, {p}, reason, {p}, {p} FROM {table}",
        (kind, at, actor.id),
    )
    changes = (
        "'{\"owner\": [' || COALESCE(CAST(from_user_id AS TEXT), 'null') || ', '"
        " || COALESCE(CAST(to_user_id AS TEXT), 'null') || ']}'"
    )
    db.execute_sql(
        f"INSERT INTO {AuditLog._meta.table_name} ({', '.join(AUDIT_COLUMNS)})"
        f" SELECT {p}, {p}, 'customer', customer_id, {p}, {changes} FROM {table}",
        (actor.login, at, kind),
    )


# --- the move ----------------------------------------------------------------------------------------------------


def to_owner(user_id: int, moment) -> dict:
    """What a customer's row gets when USER_ID comes to own it at MOMENT."""
    return {Customer.owner: user_id, Customer.owned_at: moment, Customer.pooled_at: None, Customer.updated_at: moment}


def to_pool(moment) -> dict:
    """What going back to the pool at MOMENT sets: no owner, and the one it had as former owner."""
    return {
        Customer.owner: None,
        Customer.former_owner: Customer.owner,
        Customer.owned_at: None,
        Customer.pooled_at: moment,
        Customer.updated_at: moment,
    }


# --- what counts towards the owned cap --------------------------------------------------------------------------


def won_deal(customer_id_column) -> Expression:
    """EXISTS a live won deal of the customer in CUSTOMER_ID_COLUMN."""
    return fn.EXISTS(
        Deal.select(Deal.id)
        .join(Stage, on=(Deal.stage == Stage.id))
        .where(Deal.customer == customer_id_column, Stage.kind == "won", Deal.deleted_at.is_null())
    )


def owned_counts(user_ids: list[int], rules: PoolRules) -> dict[int, int]:
    """{user id: what counts towards their owned cap under RULES}: their live customers, without the won ones if
    the rules say so. Users who own none are left out."""
    query = Customer.select(Customer.owner, fn.COUNT(Customer.id)).where(
        Customer.owner.in_(user_ids), Customer.deleted_at.is_null()
    )
    if not rules.cap_counts_won:
        query = query.where(~won_deal(Customer.id))
    return dict(query.group_by(Customer.owner).tuples())


def owned_count(user_id: int, rules: PoolRules) -> int:
    return owned_counts([user_id], rules).get(user_id, 0)


def check_room(user: User, territory: Territory, adding: int = 1) -> None:
    """USER may come to own ADDING more customers under TERRITORY's owned cap, or it is Refused (exit 5)."""
    rules = rules_for(territory.id)
    owned = owned_count(user.id, rules)
    if owned + adding > rules.owned_cap:
        raise Refused(f"{user.login} owns {owned} customers: the cap is {rules.owned_cap} in {territory.name}.")


def hold_owners(user_ids: list[int]) -> None:
    """Serialise the ownership moves of these users until the transaction ends, so the caps counted next stay true
    (dialect.lock_rows: their rows on PostgreSQL; SQLite's writer lock already holds everything)."""
    lock_rows(User, sorted(set(user_ids)))
