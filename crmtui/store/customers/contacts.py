"""Contacts: the people at a customer. Seen and changed through their customer's scope (access.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from peewee import JOIN

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, visible_customers
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Contact, Customer

CONTACT_FIELDS = ("name", "title", "phone", "email", "wechat", "birthday")


@dataclass
class ContactRow:
    id: int
    customer_id: int
    customer: str
    name: str
    title: str | None
    phone: str | None
    email: str | None
    wechat: str | None
    birthday: date | None


def _checked(fields: dict) -> dict:
    """Validated values of the fields given (None leaves a field, '' clears an optional one)."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise BadInput(f"Cannot edit {', '.join(sorted(unknown))}.")
    readers = {
        "name": lambda v: values.name(v, "contact"),
        "phone": values.phone,
        "email": values.email,
        "birthday": values.optional_day,
    }
    return {k: readers.get(k, lambda v, k=k: values.text(v, k))(v) for k, v in fields.items() if v is not None}


def add_contact(actor: Actor, customer_ref: str | int, name: str, **fields) -> int:
    """Add a contact to a customer the actor may change; FIELDS are title, phone, email, wechat, birthday (a date
    as the user types it). Returns the contact's id."""
    row = _checked({"name": name, **fields})
    with db.atomic():
        customer = find_customer(actor, customer_ref, write=True)
        contact_id = Contact.insert(customer=customer.id, **row).execute()
        audit.created(actor.login, "contact", contact_id, {"customer": customer.id, **row})
    return contact_id


def find_contact(actor: Actor, ref: str | int, customer_id: int | None = None) -> Contact:
    """A live contact by id or unambiguous name, among the customers the actor sees (or of one customer)."""
    scope = Contact.deleted_at.is_null() & Contact.customer.in_(
        Customer.select(Customer.id).where(visible_customers(actor), Customer.deleted_at.is_null())
    )
    if customer_id is not None:
        scope &= Contact.customer == customer_id
    return resolve(Contact, ref, Contact.name, scope, "contact")


def edit_contact(actor: Actor, ref: str | int, **fields) -> dict:
    """Change a contact's fields; returns {field: [old, new]}."""
    new = _checked(fields)
    with db.atomic():
        contact = find_contact(actor, ref)
        find_customer(actor, contact.customer_id, write=True)
        return audit.update(actor.login, contact, new, "contact")


def list_contacts(
    actor: Actor, customer_ref: str | int | None = None, limit: int | None = None, offset: int = 0
) -> list[ContactRow]:
    """The live contacts of the customers the actor sees (or of one customer), newest first."""
    where = Customer.deleted_at.is_null() & Contact.deleted_at.is_null()
    if not actor.is_admin:  # (an admin's "id IS NOT NULL" would turn the LEFT join back into a bloom-filtered one)
        where &= visible_customers(actor)
    if customer_ref is not None:
        where &= Contact.customer == find_customer(actor, customer_ref).id
    query = (
        Contact.select(
            Contact.id,
            Customer.id,
            Customer.name,
            Contact.name,
            Contact.title,
            Contact.phone,
            Contact.email,
            Contact.wechat,
            Contact.birthday,
        )
        # A LEFT join (every contact has a customer) and newest first: SQLite walks contacts backwards and checks
        # each one's customer, instead of collecting and sorting everything a manager can see.
        .join(Customer, JOIN.LEFT_OUTER)
        .where(where)
        .order_by(Contact.id.desc())
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    return [ContactRow(*row) for row in query]
