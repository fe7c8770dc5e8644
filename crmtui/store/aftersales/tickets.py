"""After-sales tickets (售后工单): a customer's problem, its priority, who works on it, and its way to closed.

A ticket is visible to whoever sees its customer, and to whoever it is assigned to (and their managers); it is
changed by whoever may change its customer, and by its assignee (and their managers). Statuses move along
TRANSITIONS: resolving stamps resolved_at, reopening clears it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from peewee import JOIN, SQL, Expression, fn

from crmtui.store.customers.contacts import find_contact
from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_or_team, require_active, visible_customers, writable_customers
from crmtui.store.kernel.clock import now, parse_when
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import AuditLog, Contact, Customer, Ticket, User
from crmtui.store.kernel.values import TICKET_PRIORITIES, TICKET_STATUSES
from crmtui.store.org.users import find_user

TRANSITIONS = {
    "open": ("in-progress", "resolved", "closed"),
    "in-progress": ("open", "resolved", "closed"),
    "resolved": ("open", "closed"),  # back to open is a reopen
    "closed": ("open",),
}
WORKING = ("open", "in-progress")  # a ticket in one of these can be overdue


@dataclass
class TicketFilter:
    mine: bool = False  # assigned to the acting user
    status: str | None = None  # one status or several: "open,in-progress"
    priority: str | None = None  # one priority or several: "high,urgent"
    overdue: bool = False  # open or in progress with due_by passed
    customer: str | None = None  # id or name
    assignee: str | None = None  # a login or 'me'


@dataclass
class TicketRow:
    id: int
    subject: str
    customer_id: int
    customer: str
    contact: str | None
    priority: str
    status: str
    assignee: str | None
    due_by: datetime | None
    overdue: bool
    created_at: datetime
    resolved_at: datetime | None


@dataclass
class TicketEvent:
    at: datetime
    by: str | None
    action: str
    changes: str


@dataclass
class TicketDetail(TicketRow):
    history: list[TicketEvent] = field(default_factory=list)  # oldest first, from the audit trail


# --- validation --------------------------------------------------------------------------------------------


def check_priority(priority: str) -> str:
    return values.choice(priority, TICKET_PRIORITIES, "priority")


def check_status(status: str) -> str:
    return values.choice(status, TICKET_STATUSES, "status")


def _subject(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise BadInput("A ticket needs a subject.")
    return values.text(value, "subject")


def _due(text: str | None) -> datetime | None:
    return parse_when(text) if text and text.strip() else None


def _assignee(actor: Actor, ref: str) -> User:
    """An active user the actor may hand work to: admins anyone; others their team or their territories' people."""
    if ref == "me":
        if actor.id is None:
            raise BadInput("The system user cannot be assigned tickets: name a login.")
        return User.get_by_id(actor.id)
    user = require_active(find_user(ref), "be assigned tickets")
    if not actor.is_admin and user.id not in actor.team_ids and user.territory_id not in actor.territory_ids:
        raise NotPermitted(f"{actor.login} may not assign tickets to {user.login}.")
    return user


# --- scope -------------------------------------------------------------------------------------------------


def ticket_scope(actor: Actor, write: bool = False) -> Expression:
    """The WHERE clause of the tickets the actor sees (changes, with WRITE), on any query over Ticket: a live
    customer the actor sees (may change), or an assignee in the actor's team. One correlated EXISTS, a primary
    key probe per ticket."""
    customer = Customer.select(SQL("1")).where(Customer.id == Ticket.customer, Customer.deleted_at.is_null())
    if not actor.is_admin:
        reach = writable_customers(actor) if write else visible_customers(actor)
        customer = customer.where(customer_or_team(actor, Ticket.assignee, reach))
    return fn.EXISTS(customer)


def find_ticket(actor: Actor, ref: str | int, write: bool = False) -> Ticket:
    """The ticket named by REF (id, #id, or an unambiguous subject) among those the actor sees. For a WRITE, an
    existing ticket named by id that the actor may not change is NotPermitted (exit 4)."""
    text = str(ref).strip().lstrip("#")
    if write and text.isdigit():
        row = Ticket.get_or_none(Ticket.id == int(text))
        if row is None:
            raise NotFound(f"No ticket #{text}.")
    else:
        row = resolve(Ticket, ref, Ticket.subject, ticket_scope(actor), "ticket")
    if write and not Ticket.select().where(Ticket.id == row.id, ticket_scope(actor, write=True)).exists():
        raise NotPermitted(f"{actor.login or 'You'} may not change ticket #{row.id}.")
    return row


# --- changes -----------------------------------------------------------------------------------------------


def add_ticket(
    actor: Actor,
    customer_ref: str | int,
    subject: str,
    priority: str = "normal",
    contact: str | None = None,
    assignee: str | None = None,
    due_by: str | None = None,
) -> int:
    """Open a ticket on a customer the actor may change. ASSIGNEE defaults to the customer's owner (the actor for
    a pool customer); DUE_BY is a date as users type it. Returns the ticket's id."""
    row = {"subject": _subject(subject), "priority": check_priority(priority), "due_by": _due(due_by)}
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        if contact:
            row["contact"] = find_contact(actor, contact, customer.id).id
        if assignee:
            row["assignee"] = _assignee(actor, assignee).id
        else:
            row["assignee"] = customer.owner_id or actor.id
        moment = now()
        ticket_id = Ticket.insert(customer=customer.id, status="open", created_at=moment, **row).execute()
        audit.created(actor.login, "ticket", ticket_id, {"customer": customer.id, "status": "open", **row})
    return ticket_id


def _moved(ticket: Ticket, target: str) -> dict:
    """The fields that change when TICKET moves to status TARGET (Refused for a move TRANSITIONS does not allow)."""
    if target == ticket.status:
        raise Refused(f"Ticket #{ticket.id} is {ticket.status} already.")
    if target not in TRANSITIONS[ticket.status]:
        raise Refused(f"Ticket #{ticket.id} is {ticket.status}: it cannot become {target}.")
    if target == "resolved":
        resolved_at = now()
    elif target == "closed":
        resolved_at = ticket.resolved_at or now()
    else:
        resolved_at = None
    return {"status": target, "resolved_at": resolved_at}


def _save(actor: Actor, ticket: Ticket, new: dict, action: str) -> dict:
    return audit.update(actor.login, ticket, new, "ticket", action)


def edit_ticket(
    actor: Actor,
    ref: str | int,
    subject: str | None = None,
    priority: str | None = None,
    contact: str | None = None,
    due_by: str | None = None,
    status: str | None = None,
) -> dict:
    """Change the fields given (None leaves one; '' clears the contact or the due date). STATUS moves the ticket
    along TRANSITIONS. Returns the changes as {field: [old, new]}."""
    new: dict = {}
    if subject is not None:
        new["subject"] = _subject(subject)
    if priority is not None:
        new["priority"] = check_priority(priority)
    if due_by is not None:
        new["due_by"] = _due(due_by)
    target = check_status(status) if status is not None else None
    with db.atomic():
        ticket = find_ticket(actor, ref, write=True)
        if contact is not None:
            new["contact"] = find_contact(actor, contact, ticket.customer_id).id if contact.strip() else None
        if target is not None and target != ticket.status:
            new.update(_moved(ticket, target))
        return _save(actor, ticket, new, "edit")


def assign_ticket(actor: Actor, ref: str | int, assignee: str) -> dict:
    """Hand a ticket to ASSIGNEE (a login or 'me'). Returns {'assignee': [old id, new id]} (empty if unchanged)."""
    with db.atomic():
        ticket = find_ticket(actor, ref, write=True)
        return _save(actor, ticket, {"assignee": _assignee(actor, assignee).id}, "assign")


def _move(actor: Actor, ref: str | int, target: str, verb: str) -> dict:
    with db.atomic():
        ticket = find_ticket(actor, ref, write=True)
        if verb == "reopen" and ticket.status not in ("resolved", "closed"):
            raise Refused(f"Ticket #{ticket.id} is {ticket.status}: only a resolved or closed ticket can be reopened.")
        return _save(actor, ticket, _moved(ticket, target), verb)


def resolve_ticket(actor: Actor, ref: str | int) -> dict:
    """Mark an open or in-progress ticket resolved (stamps resolved_at)."""
    return _move(actor, ref, "resolved", "resolve")


def close_ticket(actor: Actor, ref: str | int) -> dict:
    """Close a ticket (resolved_at is kept, or stamped now if it was never resolved)."""
    return _move(actor, ref, "closed", "close")


def reopen_ticket(actor: Actor, ref: str | int) -> dict:
    """Put a resolved or closed ticket back to open (clears resolved_at)."""
    return _move(actor, ref, "open", "reopen")


# --- reading -----------------------------------------------------------------------------------------------


def _query(actor: Actor):
    assignee = User.alias()
    return (
        Ticket.select(
            Ticket.id,
            Ticket.subject,
            Customer.id,
            Customer.name,
            Contact.name,
            Ticket.priority,
            Ticket.status,
            assignee.login,
            Ticket.due_by,
            Ticket.created_at,
            Ticket.resolved_at,
        )
        .join_from(Ticket, Customer, JOIN.LEFT_OUTER, on=(Ticket.customer == Customer.id))
        .join_from(Ticket, Contact, JOIN.LEFT_OUTER, on=(Ticket.contact == Contact.id))
        .join_from(Ticket, assignee, JOIN.LEFT_OUTER, on=(Ticket.assignee == assignee.id))
        .where(_joined_scope(actor))
        .tuples()
    )


def _joined_scope(actor: Actor) -> Expression:
    """ticket_scope on a query that joins Customer: the same rows, tested on the joined columns (no subquery per
    ticket, about twice as fast on a long scan)."""
    where = Customer.deleted_at.is_null()
    if not actor.is_admin:
        where &= customer_or_team(actor, Ticket.assignee)
    return where


def _row(row: tuple, moment: datetime) -> TicketRow:
    (id_, subject, customer_id, customer, contact, priority, status, assignee, due_by, created_at, resolved_at) = row
    overdue = status in WORKING and due_by is not None and due_by < moment
    return TicketRow(
        id_,
        subject,
        customer_id,
        customer,
        contact,
        priority,
        status,
        assignee,
        due_by,
        overdue,
        created_at,
        resolved_at,
    )


def list_tickets(
    actor: Actor, flt: TicketFilter | None = None, limit: int | None = 50, offset: int = 0
) -> list[TicketRow]:
    """One page of the tickets the actor sees, newest first."""
    flt = flt or TicketFilter()
    values.page(limit, offset)
    moment = now()
    query = _query(actor)
    if flt.mine:
        if actor.id is None:
            raise BadInput("Say who is acting (--user) to list your own tickets.")
        query = query.where(Ticket.assignee == actor.id)
    if flt.assignee:
        query = query.where(Ticket.assignee == _assignee_id(actor, flt.assignee))
    if flt.status:
        query = query.where(Ticket.status.in_(values.choices(flt.status, TICKET_STATUSES, "status")))
    if flt.priority:
        query = query.where(Ticket.priority.in_(values.choices(flt.priority, TICKET_PRIORITIES, "priority")))
    if flt.overdue:
        query = query.where(Ticket.status.in_(list(WORKING)), Ticket.due_by < moment)
    if flt.customer:
        query = query.where(Ticket.customer == find_customer(actor, flt.customer).id)
    query = query.order_by(Ticket.id.desc()).offset(offset or None).limit(limit)
    return [_row(row, moment) for row in query]


def _assignee_id(actor: Actor, ref: str) -> int | None:
    return actor.id if ref == "me" else find_user(ref).id


def get_ticket(actor: Actor, ref: str | int) -> TicketDetail:
    """One visible ticket with its history (who opened, changed, assigned, resolved it, and when)."""
    ticket = find_ticket(actor, ref)
    row = _row(_query(actor).where(Ticket.id == ticket.id).get(), now())
    history = (
        AuditLog.select(AuditLog.at, AuditLog.actor, AuditLog.action, AuditLog.changes)
        .where(AuditLog.entity == "ticket", AuditLog.entity_id == ticket.id)
        .order_by(AuditLog.at, AuditLog.id)
        .tuples()
    )
    return TicketDetail(**vars(row), history=[TicketEvent(*event) for event in history])
