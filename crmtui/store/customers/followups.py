"""Follow-ups (跟进记录): logging one also moves its customer's last and next follow-up, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import JOIN

from crmtui.store.customers.contacts import find_contact
from crmtui.store.customers.records import due_condition, find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_or_team
from crmtui.store.kernel.clock import day_start, now, parse_date, parse_when
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import locked
from crmtui.store.kernel.errors import BadInput, Invalid
from crmtui.store.kernel.models import Contact, Customer, Followup, User
from crmtui.store.kernel.values import FOLLOWUP_TYPES
from crmtui.store.org.users import find_user


@dataclass
class FollowupFilter:
    customer: str | None = None
    user: str | None = None  # 'me' or a login
    type: str | None = None
    since: str | None = None  # dates as users type them, both inclusive
    until: str | None = None
    due: str | None = None  # the follow-up's next date: 'today', 'overdue' or 'week'


@dataclass
class FollowupRow:
    id: int
    at: datetime
    customer_id: int
    customer: str
    user: str
    contact: str | None
    type: str
    note: str
    next_at: datetime | None


def check_type(kind: str) -> str:
    return values.choice(kind, FOLLOWUP_TYPES, "follow-up type")


def check_times(at: datetime, planned: datetime | None, moment: datetime) -> None:
    """A follow-up is logged once it happened (reclaim counts from it), and plans its next one after it: for
    `followup log` and for every imported follow-up alike."""
    if at > moment:
        raise Invalid(
            "A follow-up cannot be logged in the future: use --next to plan one.",
            "at is in the future: a follow-up is logged once it happened",
        )
    if planned is not None and planned <= at:
        raise Invalid("The next follow-up must come after this one.", "next_at is not after at")


def next_followup(old_last: datetime | None, old_next: datetime | None, at: datetime, planned: datetime | None):
    """The customer's next follow-up after one logged AT. The latest follow-up sets it (to PLANNED, or, without a
    plan, clears a due date it has met); a back-dated one only fills an empty next date."""
    if old_last is not None and at < old_last:
        return old_next if old_next is not None else planned
    if planned is not None:
        return planned
    return None if old_next is not None and old_next <= at else old_next


def log_followup(
    actor: Actor,
    customer_ref: str | int,
    type: str = "call",
    note: str = "",
    at: str | None = None,
    next: str | None = None,
    contact: str | None = None,
) -> int:
    """Log a follow-up on a customer the actor may change (a rep: their own; a manager: their team's). AT and NEXT
    are dates as users type them (AT defaults to now). Returns the follow-up's id."""
    if actor.id is None:
        raise BadInput("Follow-ups are logged by a user: say who is acting with --user.")
    kind = check_type(type)
    moment = now()
    when = parse_when(at) if at else moment
    planned = parse_when(next) if next else None
    check_times(when, planned, moment)
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        customer = locked(Customer.select().where(Customer.id == customer.id)).get()  # its last and next follow-up
        contact_id = find_contact(actor, contact, customer.id).id if contact else None
        followup_id = Followup.insert(
            customer=customer.id,
            contact=contact_id,
            user=actor.id,
            type=kind,
            at=when,
            note=note or "",
            next_at=planned,
            created_at=moment,
        ).execute()
        old = {"last_followup_at": customer.last_followup_at, "next_followup_at": customer.next_followup_at}
        new = {
            "last_followup_at": max(when, old["last_followup_at"] or when),
            "next_followup_at": next_followup(old["last_followup_at"], old["next_followup_at"], when, planned),
        }
        Customer.update(**new).where(Customer.id == customer.id).execute()
        audit.record(
            actor.login,
            "followup",
            followup_id,
            "create",
            audit.changes(
                {}, {"customer": customer.id, "type": kind, "at": when, "next_at": planned, "contact": contact_id}
            ),
        )
        audit.record(actor.login, "customer", customer.id, "followup", audit.changes(old, new))
    return followup_id


def list_followups(
    actor: Actor, flt: FollowupFilter | None = None, limit: int | None = 50, offset: int = 0
) -> list[FollowupRow]:
    """Follow-ups on customers the actor sees, and those written by the actor's team, newest first."""
    flt = flt or FollowupFilter()
    where = Customer.deleted_at.is_null()
    if not actor.is_admin:
        where &= customer_or_team(actor, Followup.user)
    if flt.customer:
        where &= Followup.customer == find_customer(actor, flt.customer).id
    if flt.user:
        where &= Followup.user == (actor.id if flt.user == "me" else find_user(flt.user).id)
    if flt.type:
        where &= Followup.type == check_type(flt.type)
    if flt.since:
        where &= Followup.at >= day_start(parse_date(flt.since))
    if flt.until:  # inclusive: the whole of that day
        where &= Followup.at < day_start(parse_date(flt.until) + timedelta(days=1))
    if flt.due:
        where &= due_condition(Followup.next_at, flt.due)
    query = (
        Followup.select(
            Followup.id,
            Followup.at,
            Customer.id,
            Customer.name,
            User.login,
            Contact.name,
            Followup.type,
            Followup.note,
            Followup.next_at,
        )
        # LEFT joins (every follow-up has both) keep SQLite walking the `at` index instead of first building a
        # bloom filter over every customer.
        .join_from(Followup, Customer, JOIN.LEFT_OUTER)
        .join_from(Followup, User, JOIN.LEFT_OUTER)
        .join_from(Followup, Contact, JOIN.LEFT_OUTER)
        .where(where)
        .order_by(Followup.at.desc(), Followup.id.desc())
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    return [FollowupRow(*row) for row in query]
