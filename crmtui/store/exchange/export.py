"""Export: any entity as columns and a stream of rows, scoped to what the actor may see, in constant memory.

Values leave the database already as text (money `12.50`, times ISO-8601 UTC `2026-03-01T09:30:00Z`, flags
`yes`/`no`, references by name), so a writer can pass the cursor's tuples straight through: a per-cell Python
conversion would cost more than the CSV writing itself (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from peewee import JOIN, Case, Field, Select, fn

from crmtui.store.customers.records import CustomerFilter, _conditions, find_customer
from crmtui.store.exchange.csvtext import csv_text, line_writer
from crmtui.store.kernel import bulk, dialect
from crmtui.store.kernel.access import Actor, require_admin
from crmtui.store.kernel.bulk import stream
from crmtui.store.kernel.clock import parse_when
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import cents_as_text, date_text, is_postgres, utc_text
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import (
    AuditLog,
    Contact,
    Contract,
    Customer,
    CustomerTag,
    Deal,
    DealStageHistory,
    Followup,
    Invoice,
    OwnershipEvent,
    Payment,
    Pipeline,
    Product,
    Quote,
    Stage,
    Territory,
    Ticket,
    User,
)

SQLITE_FETCH = 2000  # lines per round trip of the CSV text path
COPY_CHUNK = 1 << 20  # bytes of PostgreSQL's CSV handed on at once
UNIT, RECORD = "\x1f", "\x1e"  # SQLite's separators of cells and rows in the CSV text path: data practically never
# holds them (ASCII's unit and record separators)


@dataclass(frozen=True)
class ExportFilters:
    """The filters of the list commands; each entity applies those that make sense for it."""

    owner: str | None = None  # a login, "me" or "pool"
    territory: str | None = None
    tier: str | None = None  # one, or several: "A,B"
    tag: str | None = None
    stale_days: int | None = None  # customers without a follow-up for this many days
    due: str | None = None  # next follow-up: today, overdue or week
    text: str | None = None  # customer search text
    stage: str | None = None
    status: str | None = None
    customer: str | None = None
    since: str | None = None  # created (or happened) on or after
    until: str | None = None  # ... before
    include_deleted: bool = False


# -- values as text, computed by the database --------------------------------------------------------------


def flag(field: Field):
    return Case(None, [(field, "yes")], "no")


def tag_lists():
    """Each customer's tags as one `;`-separated cell, aggregated once and joined (a correlated subquery per
    customer costs PostgreSQL much of the export's time)."""
    return (
        CustomerTag.select(
            CustomerTag.customer.alias("customer_id"), dialect.joined(CustomerTag.tag, ";").alias("tags")
        )
        .group_by(CustomerTag.customer)
        .alias("tag_list")
    )


# -- the entities ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    label: str
    build: Callable[[Actor, ExportFilters], tuple[Select, dict[str, Any]]]  # query, columns name -> expression


def _customer_filters(actor: Actor, query: Select, filters: ExportFilters) -> Select:
    """The customer list's own filters (one rule in one place), plus one customer by id or name."""
    chosen = CustomerFilter(
        owner=filters.owner,
        tier=filters.tier,
        tag=filters.tag,
        territory=filters.territory,
        stale_days=filters.stale_days,
        due=filters.due,
        text=filters.text,
        include_deleted=filters.include_deleted,
    )
    query = query.where(_conditions(actor, chosen))
    if filters.customer:
        query = query.where(Customer.id == find_customer(actor, filters.customer).id)
    return query


def _period(query: Select, field: Field, filters: ExportFilters) -> Select:
    if filters.since:
        query = query.where(field >= parse_when(filters.since))
    if filters.until:
        query = query.where(field < parse_when(filters.until))
    return query


def _customers(actor: Actor, filters: ExportFilters):
    owner, former, tags = User.alias("owner"), User.alias("former"), tag_lists()
    columns = {
        "id": Customer.id,
        "name": Customer.name,
        "tier": Customer.tier,
        "phone": Customer.phone,
        "email": Customer.email,
        "industry": Customer.industry,
        "source": Customer.source,
        "address": Customer.address,
        "external_id": Customer.external_id,
        "territory": Territory.name,
        "owner": owner.login,
        "former_owner": former.login,
        "tags": tags.c.tags,
        "owned_at": utc_text(Customer.owned_at),
        "pooled_at": utc_text(Customer.pooled_at),
        "last_followup_at": utc_text(Customer.last_followup_at),
        "next_followup_at": utc_text(Customer.next_followup_at),
        "locked": flag(Customer.locked),
        "created_at": utc_text(Customer.created_at),
        "updated_at": utc_text(Customer.updated_at),
        "deleted_at": utc_text(Customer.deleted_at),
    }
    query = (
        Customer.select()
        .join_from(Customer, Territory)
        .join_from(Customer, owner, on=(Customer.owner == owner.id), join_type=JOIN.LEFT_OUTER)
        .join_from(Customer, former, on=(Customer.former_owner == former.id), join_type=JOIN.LEFT_OUTER)
        .join_from(Customer, tags, on=(tags.c.customer_id == Customer.id), join_type=JOIN.LEFT_OUTER)
    )
    query = _period(_customer_filters(actor, query, filters), Customer.created_at, filters)
    return query.order_by(Customer.id), columns


def _child_of_customer(model, actor: Actor, filters: ExportFilters, columns: dict, when: Field, extra=None):
    """A table hanging off customers: scoped and filtered through its customer."""
    query = model.select().join_from(model, Customer, on=(model.customer == Customer.id))
    for join in extra or ():
        query = join(query)
    query = _period(_customer_filters(actor, query, filters), when, filters)
    return query.order_by(model.id), {"id": model.id, "customer": Customer.name, **columns}


def _contacts(actor, filters):
    return _child_of_customer(
        Contact,
        actor,
        filters,
        {
            "name": Contact.name,
            "title": Contact.title,
            "phone": Contact.phone,
            "email": Contact.email,
            "wechat": Contact.wechat,
            "birthday": date_text(Contact.birthday),
            "created_at": utc_text(Contact.created_at),
        },
        Contact.created_at,
    )


def _followups(actor, filters):
    return _child_of_customer(
        Followup,
        actor,
        filters,
        {
            "user": User.login,
            "type": Followup.type,
            "at": utc_text(Followup.at),
            "note": Followup.note,
            "next_at": utc_text(Followup.next_at),
            "created_at": utc_text(Followup.created_at),
        },
        Followup.at,
        [lambda q: q.join_from(Followup, User, on=(Followup.user == User.id))],
    )


def _deals(actor, filters):
    owner = User.alias("deal_owner")
    joins = [
        lambda q: q.join_from(Deal, Pipeline),
        lambda q: q.join_from(Deal, Stage),
        lambda q: q.join_from(Deal, owner, on=(Deal.owner == owner.id), join_type=JOIN.LEFT_OUTER),
    ]
    query, columns = _child_of_customer(
        Deal,
        actor,
        filters,
        {
            "title": Deal.title,
            "pipeline": Pipeline.name,
            "stage": Stage.name,
            "amount": cents_as_text(Deal.amount),
            "expected_close": date_text(Deal.expected_close),
            "owner": owner.login,
            "external_id": Deal.external_id,
            "created_at": utc_text(Deal.created_at),
            "stage_entered_at": utc_text(Deal.stage_entered_at),
            "closed_at": utc_text(Deal.closed_at),
            "lost_reason": Deal.lost_reason,
        },
        Deal.created_at,
        joins,
    )
    if filters.stage:
        query = query.where(Stage.name == filters.stage)
    if not filters.include_deleted:
        query = query.where(Deal.deleted_at.is_null())
    return query, columns


def _stage_history(actor, filters):
    from_stage, to_stage, by = Stage.alias("from_stage"), Stage.alias("to_stage"), User.alias("by_user")
    columns = {
        "id": DealStageHistory.id,
        "deal": Deal.id,
        "deal_external_id": Deal.external_id,
        "customer": Customer.name,
        "from_stage": from_stage.name,
        "to_stage": to_stage.name,
        "at": utc_text(DealStageHistory.at),
        "by": by.login,
    }
    query = (
        DealStageHistory.select()
        .join_from(DealStageHistory, Deal)
        .join_from(Deal, Customer)
        .join_from(
            DealStageHistory, from_stage, on=(DealStageHistory.from_stage == from_stage.id), join_type=JOIN.LEFT_OUTER
        )
        .join_from(DealStageHistory, to_stage, on=(DealStageHistory.to_stage == to_stage.id))
        .join_from(DealStageHistory, by, on=(DealStageHistory.by == by.id), join_type=JOIN.LEFT_OUTER)
    )
    query = _period(_customer_filters(actor, query, filters), DealStageHistory.at, filters)
    return query.order_by(DealStageHistory.id), columns


def _products(actor, filters):
    del actor, filters
    columns = {
        "id": Product.id,
        "code": Product.code,
        "name": Product.name,
        "unit": Product.unit,
        "unit_price": cents_as_text(Product.unit_price),
        "active": flag(Product.active),
    }
    return Product.select().order_by(Product.id), columns


def _quotes(actor, filters):
    by = User.alias("quote_by")
    query, columns = _child_of_customer(
        Quote,
        actor,
        filters,
        {
            "number": Quote.number,
            "deal": Quote.deal,
            "status": Quote.status,
            "valid_until": date_text(Quote.valid_until),
            "total": cents_as_text(Quote.total),
            "created_by": by.login,
            "created_at": utc_text(Quote.created_at),
        },
        Quote.created_at,
        [lambda q: q.join_from(Quote, by, on=(Quote.created_by == by.id), join_type=JOIN.LEFT_OUTER)],
    )
    return _status(query, Quote, filters), columns


def _contracts(actor, filters):
    owner = User.alias("contract_owner")
    query, columns = _child_of_customer(
        Contract,
        actor,
        filters,
        {
            "number": Contract.number,
            "deal": Contract.deal,
            "owner": owner.login,
            "signed_on": date_text(Contract.signed_on),
            "start_on": date_text(Contract.start_on),
            "end_on": date_text(Contract.end_on),
            "amount": cents_as_text(Contract.amount),
            "status": Contract.status,
            "created_at": utc_text(Contract.created_at),
        },
        Contract.created_at,
        [lambda q: q.join_from(Contract, owner, on=(Contract.owner == owner.id), join_type=JOIN.LEFT_OUTER)],
    )
    return _status(query, Contract, filters), columns


def _of_contract(model, actor, filters, columns: dict, when: Field):
    query = model.select().join_from(model, Contract).join_from(Contract, Customer)
    query = _period(_customer_filters(actor, query, filters), when, filters)
    return query.order_by(model.id), {"id": model.id, "contract": Contract.number, "customer": Customer.name, **columns}


def _payments(actor, filters):
    by = User.alias("paid_by")
    query, columns = _of_contract(
        Payment,
        actor,
        filters,
        {
            "amount": cents_as_text(Payment.amount),
            "paid_on": date_text(Payment.paid_on),
            "by": by.login,
            "note": Payment.note,
            "created_at": utc_text(Payment.created_at),
        },
        Payment.paid_on,
    )
    return query.join_from(Payment, by, on=(Payment.by == by.id), join_type=JOIN.LEFT_OUTER), columns


def _invoices(actor, filters):
    return _of_contract(
        Invoice,
        actor,
        filters,
        {
            "number": Invoice.number,
            "amount": cents_as_text(Invoice.amount),
            "issued_on": date_text(Invoice.issued_on),
            "type": Invoice.type,
            "buyer_tax_id": Invoice.buyer_tax_id,
            "created_at": utc_text(Invoice.created_at),
        },
        Invoice.issued_on,
    )


def _tickets(actor, filters):
    assignee = User.alias("assignee")
    query, columns = _child_of_customer(
        Ticket,
        actor,
        filters,
        {
            "subject": Ticket.subject,
            "priority": Ticket.priority,
            "status": Ticket.status,
            "assignee": assignee.login,
            "due_by": utc_text(Ticket.due_by),
            "created_at": utc_text(Ticket.created_at),
            "resolved_at": utc_text(Ticket.resolved_at),
        },
        Ticket.created_at,
        [lambda q: q.join_from(Ticket, assignee, on=(Ticket.assignee == assignee.id), join_type=JOIN.LEFT_OUTER)],
    )
    return _status(query, Ticket, filters), columns


def _status(query: Select, model, filters: ExportFilters) -> Select:
    return query.where(model.status == filters.status) if filters.status else query


def _territories(actor, filters):
    del actor, filters
    columns = {"id": Territory.id, "name": Territory.name, "created_at": utc_text(Territory.created_at)}
    return Territory.select().order_by(Territory.id), columns


def _users(actor, filters):
    del actor
    manager = User.alias("manager")
    columns = {
        "id": User.id,
        "login": User.login,
        "display_name": User.display_name,
        "role": User.role,
        "manager": manager.login,
        "territory": Territory.name,
        "active": flag(User.active),
        "email": User.email,
        "created_at": utc_text(User.created_at),
    }
    query = (
        User.select()
        .join_from(User, manager, on=(User.manager == manager.id), join_type=JOIN.LEFT_OUTER)
        .join_from(User, Territory, join_type=JOIN.LEFT_OUTER)
    )
    if filters.territory:
        query = query.where(Territory.name == filters.territory)
    if not filters.include_deleted:
        query = query.where(User.active)
    return query.order_by(User.id), columns


def _ownership(actor, filters):
    from_user, to_user, by = User.alias("from_user"), User.alias("to_user"), User.alias("event_by")
    columns = {
        "id": OwnershipEvent.id,
        "customer_id": Customer.id,
        "customer": Customer.name,
        "kind": OwnershipEvent.kind,
        "from_user": from_user.login,
        "to_user": to_user.login,
        "reason": OwnershipEvent.reason,
        "at": utc_text(OwnershipEvent.at),
        "by": by.login,
    }
    query = OwnershipEvent.select().join_from(OwnershipEvent, Customer)
    for alias, field in (
        (from_user, OwnershipEvent.from_user),
        (to_user, OwnershipEvent.to_user),
        (by, OwnershipEvent.by),
    ):
        query = query.join_from(OwnershipEvent, alias, on=(field == alias.id), join_type=JOIN.LEFT_OUTER)
    query = _period(_customer_filters(actor, query, filters), OwnershipEvent.at, filters)
    return query.order_by(OwnershipEvent.id), columns


def _audit(actor, filters):
    require_admin(actor, "export the audit log")
    columns = {
        "id": AuditLog.id,
        "at": utc_text(AuditLog.at),
        "actor": AuditLog.actor,
        "entity": AuditLog.entity,
        "entity_id": AuditLog.entity_id,
        "action": AuditLog.action,
        "changes": AuditLog.changes,
    }
    return _period(AuditLog.select(), AuditLog.at, filters).order_by(AuditLog.id), columns


ENTITIES: dict[str, Entity] = {
    "customers": Entity("customer", _customers),
    "contacts": Entity("contact", _contacts),
    "followups": Entity("follow-up", _followups),
    "deals": Entity("deal", _deals),
    "stage-history": Entity("stage change", _stage_history),
    "products": Entity("product", _products),
    "quotes": Entity("quote", _quotes),
    "contracts": Entity("contract", _contracts),
    "payments": Entity("payment", _payments),
    "invoices": Entity("invoice", _invoices),
    "tickets": Entity("ticket", _tickets),
    "territories": Entity("territory", _territories),
    "users": Entity("user", _users),
    "ownership": Entity("ownership event", _ownership),
    "audit": Entity("audit row", _audit),
}
ALIASES = {"follow-ups": "followups", "history": "stage-history", "ownership-events": "ownership", "audit-log": "audit"}


def entity_name(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in ENTITIES and key + "s" in ENTITIES:
        key += "s"
    if key not in ENTITIES:
        raise BadInput(f"Cannot export {name!r}: choose one of {', '.join(ENTITIES)}.")
    return key


def export(
    actor: Actor, entity: str, columns: list[str] | None = None, filters: ExportFilters | None = None
) -> tuple[list[str], Iterator[tuple]]:
    """The column names and a lazy stream of rows (tuples of text, numbers and None) of ENTITY as ACTOR sees it.
    Iterate the stream to the end (or close it) before the next query on this connection."""
    query, chosen, cells = selection(actor, entity, columns, filters)
    return chosen, stream(query.select(*[cell.alias(name) for name, cell in zip(chosen, cells)]))


def export_csv(
    actor: Actor,
    entity: str,
    columns: list[str] | None = None,
    filters: ExportFilters | None = None,
    delimiter: str = ",",
) -> tuple[list[str], Iterator[tuple[str, int]]]:
    """export()'s rows as CSV text the database writes: the column names and a lazy stream of (text, rows in it),
    byte for byte what csvtext.csv_text writes of export()'s rows, with no Python work per cell (that work would
    cost more than the writing). Iterate it to the end before the next query on this connection."""
    if delimiter not in (",", "\t"):
        raise BadInput(f"A CSV delimiter is a comma or a tab, not {delimiter!r}.")
    query, chosen, cells = selection(actor, entity, columns, filters)
    if not is_postgres():
        return chosen, _sqlite_lines(query, cells, delimiter)
    if len(cells) > 1:
        return chosen, _copied(query, cells, delimiter)
    # One column: COPY would quote a lone `\.` and leave an empty cell unquoted; csv_text does neither.
    return chosen, _written(stream(query.select(*cells)), delimiter)


def selection(actor: Actor, entity: str, columns: list[str] | None, filters: ExportFilters | None):
    """ENTITY's scoped, filtered, ordered query, the chosen column names and their expressions."""
    query, available = ENTITIES[entity_name(entity)].build(actor, filters or ExportFilters())
    chosen = columns or list(available)
    unknown = [c for c in chosen if c not in available]
    if unknown:
        raise BadInput(f"No column {', '.join(unknown)} in {entity}: choose from {', '.join(available)}.")
    return query, chosen, [available[c] for c in chosen]


def _sqlite_lines(query: Select, cells: list, delimiter: str) -> Iterator[tuple[str, int]]:
    """SQLite makes each row one string (cells joined by UNIT, ended by RECORD); Python works on whole batches:
    each record that needs quoting (a delimiter, quote, CR or LF inside) is found by a search in C and written by
    csv.writer, then UNIT becomes the delimiter and RECORD a line end. A batch where a cell holds UNIT or RECORD
    itself, or a one-column export (a lone empty cell is quoted), goes row by row."""
    width = len(cells)
    cursor = db.execute_sql(*records(query, cells).sql())
    special = re.compile(f'[{re.escape(delimiter)}"\r\n]').search
    line = line_writer(delimiter)

    def plain(piece: str) -> str:  # records that need no quoting, as lines
        return piece.replace(UNIT, delimiter).replace(RECORD, "\n")

    while rows := cursor.fetchmany(SQLITE_FETCH):
        text = "".join(map(itemgetter(0), rows))
        if width == 1 or text.count(UNIT) != (width - 1) * len(rows) or text.count(RECORD) != len(rows):
            yield "".join(_record_line(query, cells, record, key, line) for record, key in rows), len(rows)
            continue
        parts, done = [], 0
        while found := special(text, done):
            start = text.rfind(RECORD, 0, found.start()) + 1
            end = text.index(RECORD, found.start())
            parts += [plain(text[done:start]), line(text[start:end].split(UNIT))]
            done = end + 1
        parts.append(plain(text[done:]))
        yield "".join(parts), len(rows)


def records(query: Select, cells: list) -> Select:
    """QUERY's rows on SQLite as one string each (the cells joined by UNIT, ended by RECORD), and the row's key."""
    return query.select(fn.printf(UNIT.join(["%s"] * len(cells)) + RECORD, *cells), query.model._meta.primary_key)


def _record_line(query: Select, cells: list, record: str, key: int, line: Callable) -> str:
    """One row's CSV line from its SQLite record, or from its cells read again when a cell holds UNIT or RECORD."""
    if record.count(UNIT) == len(cells) - 1 and record.count(RECORD) == 1:
        return line(record[:-1].split(UNIT))
    return line(next(stream(query.select(*cells).where(query.model._meta.primary_key == key))))


def _copied(query: Select, cells: list, delimiter: str) -> Iterator[tuple[str, int]]:
    """PostgreSQL writes the CSV itself (COPY … TO STDOUT). COPY quotes an empty string to tell it from NULL and
    csv_text writes both bare, so empty strings go out as NULL. The row count comes last, from COPY's status."""
    text = [fn.NULLIF(cell.cast("text"), "") for cell in cells]
    sql, params = query.select(*text).sql()
    options = "FORMAT csv" + (", DELIMITER E'\\t'" if delimiter == "\t" else "")
    with db.atomic():
        cursor = db.connection().cursor()
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH ({options})", params) as copy:
            buffer = bytearray()
            for data in copy:  # one message per row, so the buffer always ends on a whole row
                buffer += data
                if len(buffer) >= COPY_CHUNK:
                    yield buffer.decode(), 0
                    buffer.clear()
            yield buffer.decode(), 0
        yield "", cursor.rowcount


def _written(rows: Iterator[tuple], delimiter: str) -> Iterator[tuple[str, int]]:
    """ROWS as csv_text writes them, in batches."""
    while batch := list(itertools.islice(rows, bulk.PG_FETCH)):
        yield csv_text(batch, delimiter), len(batch)
