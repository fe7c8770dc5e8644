"""One customer in full: profile, tags, contacts, recent follow-ups, deals and the ownership history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from peewee import JOIN

from crmtui.store.customers.contacts import ContactRow, list_contacts
from crmtui.store.customers.followups import FollowupFilter, FollowupRow, list_followups
from crmtui.store.customers.records import find_customer, tags_of
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.models import Deal, OwnershipEvent, Stage, Territory, User


@dataclass
class OwnershipRow:
    at: datetime
    kind: str
    from_user: str | None
    to_user: str | None
    by: str | None
    reason: str | None


@dataclass
class DealSummary:
    id: int
    title: str
    stage: str
    amount: Decimal
    expected_close: date | None


@dataclass
class CustomerDetail:
    id: int
    name: str
    tier: str
    owner: str | None
    former_owner: str | None
    territory: str
    phone: str | None
    email: str | None
    industry: str | None
    source: str | None
    address: str | None
    locked: bool
    owned_at: datetime | None
    last_followup_at: datetime | None
    next_followup_at: datetime | None
    created_at: datetime
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    followups: list[FollowupRow] = field(default_factory=list)  # newest first
    deals: list[DealSummary] = field(default_factory=list)
    ownership: list[OwnershipRow] = field(default_factory=list)  # oldest first


def _ownership_history(customer_id: int) -> list[OwnershipRow]:
    source, target, by = User.alias(), User.alias(), User.alias()
    query = (
        OwnershipEvent.select(
            OwnershipEvent.at, OwnershipEvent.kind, source.login, target.login, by.login, OwnershipEvent.reason
        )
        .join_from(OwnershipEvent, source, JOIN.LEFT_OUTER, on=(OwnershipEvent.from_user == source.id))
        .join_from(OwnershipEvent, target, JOIN.LEFT_OUTER, on=(OwnershipEvent.to_user == target.id))
        .join_from(OwnershipEvent, by, JOIN.LEFT_OUTER, on=(OwnershipEvent.by == by.id))
        .where(OwnershipEvent.customer == customer_id)
        .order_by(OwnershipEvent.at, OwnershipEvent.id)
        .tuples()
    )
    return [OwnershipRow(*row) for row in query]


def _deals(customer_id: int) -> list[DealSummary]:
    query = (
        Deal.select(Deal.id, Deal.title, Stage.name, Deal.amount, Deal.expected_close)
        .join(Stage)
        .where(Deal.customer == customer_id, Deal.deleted_at.is_null())
        .order_by(Deal.created_at.desc(), Deal.id.desc())
    )
    return [DealSummary(d.id, d.title, d.stage.name, d.amount, d.expected_close) for d in query]


def get_customer_detail(actor: Actor, ref: str | int, recent: int = 10) -> CustomerDetail:
    """Everything about one visible customer: profile, tags, contacts, the RECENT latest follow-ups, deals and
    the ownership history."""
    customer = find_customer(actor, ref)
    logins = dict(
        User.select(User.id, User.login).where(User.id.in_([customer.owner_id, customer.former_owner_id])).tuples()
    )
    return CustomerDetail(
        id=customer.id,
        name=customer.name,
        tier=customer.tier,
        owner=logins.get(customer.owner_id),
        former_owner=logins.get(customer.former_owner_id),
        territory=Territory.get_by_id(customer.territory_id).name,
        phone=customer.phone,
        email=customer.email,
        industry=customer.industry,
        source=customer.source,
        address=customer.address,
        locked=customer.locked,
        owned_at=customer.owned_at,
        last_followup_at=customer.last_followup_at,
        next_followup_at=customer.next_followup_at,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        tags=tags_of(customer.id),
        contacts=list_contacts(actor, str(customer.id)),
        followups=list_followups(actor, FollowupFilter(customer=str(customer.id)), limit=recent),
        deals=_deals(customer.id),
        ownership=_ownership_history(customer.id),
    )
