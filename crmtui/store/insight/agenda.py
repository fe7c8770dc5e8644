"""The agenda (我的秘书): one user's day, in sections — follow-ups due and overdue, customers reclaim will take soon,
deals stuck in a stage, contracts ending, instalments due or overdue, open tickets, contacts' birthdays, and
customers due to buy again or at risk. Each section is one query (the rules come from pool, deals, contracts,
payments and lifecycle: one rule in one place); the renderers leave empty sections out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from peewee import fn

from crmtui.store.customers import lifecycle
from crmtui.store.kernel import dialect
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import day_start, local_today, now, to_local
from crmtui.store.kernel.models import Contact, Contract, Customer, Deal, Instalment, Stage, Ticket
from crmtui.store.money.contracts import ending_condition
from crmtui.store.money.payments import instalment_status, open_amount
from crmtui.store.org.users import whose
from crmtui.store.pool.warnings import warn
from crmtui.store.sales.deals import stuck_condition

CONTRACT_DAYS = 30  # contracts ending within this many days
INSTALMENT_DAYS = 7  # instalments falling due within this many days (overdue ones always)
BIRTHDAY_DAYS = 7  # birthdays today and in the next 7 days
SECTION_LIMIT = 200  # rows per section at most (a rep owns a few hundred customers)

SECTIONS = {
    "followups": "Follow-ups due today and overdue",
    "reclaim": "Customers reclaim will take soon",
    "stuck_deals": "Deals stuck in a stage",
    "contracts": "Contracts ending soon",
    "instalments": "Instalments due or overdue",
    "tickets": "Open tickets",
    "birthdays": "Birthdays",
    "buy_again": "Due to buy again",
    "at_risk": "At risk",
}


@dataclass
class AgendaItem:
    id: int
    subject: str  # the customer, deal, contract or ticket it is about
    when: datetime | date | None  # when it is due (datetimes are stored UTC)
    detail: str
    amount: Decimal | None = None
    customer_id: int | None = None


@dataclass
class AgendaSection:
    key: str
    title: str
    items: list[AgendaItem]


@dataclass
class Agenda:
    user: str
    day: date
    sections: list[AgendaSection] = field(default_factory=list)

    def nonempty(self) -> list[AgendaSection]:
        return [s for s in self.sections if s.items]

    def section(self, key: str) -> AgendaSection:
        return next(s for s in self.sections if s.key == key)


def agenda(actor: Actor, user: str | None = None, day: date | None = None) -> Agenda:
    """USER's (default: the actor's) agenda for DAY (default: today, local)."""
    user_id, login = whose(actor, user, "agenda")
    day = day or local_today()
    moment = now() if day == local_today() else day_start(day)
    end_of_day = day_start(day + timedelta(days=1))
    found = {
        "followups": _followups(user_id, end_of_day),
        "reclaim": _reclaim(actor, login, moment),
        "stuck_deals": _stuck(user_id, moment),
        "contracts": _contracts(user_id, day),
        "instalments": _instalments(user_id, day),
        "tickets": _tickets(user_id),
        "birthdays": _birthdays(user_id, day),
        "buy_again": _lifecycle(user_id, "due_to_buy_again", moment),
        "at_risk": _lifecycle(user_id, "at_risk", moment),
    }
    return Agenda(login, day, [AgendaSection(key, SECTIONS[key], items) for key, items in found.items()])


def _owned(user_id: int):
    return (Customer.owner == user_id) & Customer.deleted_at.is_null()


def _followups(user_id: int, end_of_day: datetime) -> list[AgendaItem]:
    query = (
        Customer.select(Customer.id, Customer.name, Customer.next_followup_at, Customer.phone)
        .where(_owned(user_id), Customer.next_followup_at < end_of_day)
        .order_by(Customer.next_followup_at, Customer.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    today = to_local(end_of_day - timedelta(seconds=1)).date()
    items = []
    for cid, name, at, phone in query:
        late = (today - to_local(at).date()).days
        detail = f"overdue {late} day{'s' if late != 1 else ''}" if late > 0 else f"today {to_local(at):%H:%M}"
        items.append(AgendaItem(cid, name, at, detail + (f"; {phone}" if phone else ""), customer_id=cid))
    return items


def _reclaim(actor: Actor, login: str, moment: datetime) -> list[AgendaItem]:
    return [
        AgendaItem(
            r.id,
            r.name,
            r.due_at,
            f"{r.rule}; {r.days_left} day{'s' if r.days_left != 1 else ''} left",
            customer_id=r.id,
        )
        for r in warn(actor, login)[:SECTION_LIMIT]
    ]


def _stuck(user_id: int, moment: datetime) -> list[AgendaItem]:
    query = (
        Deal.select(Deal.id, Deal.title, Customer.name, Stage.name, Deal.stage_entered_at, Deal.amount, Customer.id)
        .join(Stage, on=(Deal.stage == Stage.id))
        .join_from(Deal, Customer, on=(Deal.customer == Customer.id))
        .where(Deal.owner == user_id, stuck_condition(moment))
        .order_by(Deal.stage_entered_at, Deal.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    return [
        AgendaItem(i, f"{title} ({customer})", entered, f"in {stage} for {(moment - entered).days} days", amount, cid)
        for i, title, customer, stage, entered, amount, cid in query
    ]


def _their_contracts(user_id: int):
    """Contracts the user answers for: theirs, or, without an owner, their customer's."""
    return (Contract.owner == user_id) | (Contract.owner.is_null() & (Customer.owner == user_id))


def _contracts(user_id: int, day: date) -> list[AgendaItem]:
    query = (
        Contract.select(Contract.id, Contract.number, Customer.name, Contract.end_on, Contract.amount, Customer.id)
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(_their_contracts(user_id), ending_condition(day, CONTRACT_DAYS))
        .order_by(Contract.end_on, Contract.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    return [
        AgendaItem(i, f"{number} ({customer})", end, f"ends in {(end - day).days} days", amount, cid)
        for i, number, customer, end, amount, cid in query
    ]


def _instalments(user_id: int, day: date) -> list[AgendaItem]:
    status = instalment_status(day)
    query = (
        Instalment.select(
            Instalment.id,
            Contract.number,
            Customer.name,
            Instalment.seq,
            Instalment.due_on,
            status,
            open_amount(),
            Customer.id,
        )
        .join(Contract, on=(Instalment.contract == Contract.id))
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(
            _their_contracts(user_id),
            Contract.deleted_at.is_null(),
            status != "paid",
            Instalment.due_on <= day + timedelta(days=INSTALMENT_DAYS),
        )
        .order_by(Instalment.due_on, Instalment.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    return [
        AgendaItem(i, f"{number} #{seq} ({customer})", due, state, owed, cid)
        for i, number, customer, seq, due, state, owed, cid in query
    ]


def _tickets(user_id: int) -> list[AgendaItem]:
    query = (
        Ticket.select(
            Ticket.id, Ticket.subject, Customer.name, Ticket.due_by, Ticket.priority, Ticket.status, Customer.id
        )
        .join(Customer, on=(Ticket.customer == Customer.id))
        .where(Ticket.assignee == user_id, Ticket.status.in_(["open", "in-progress"]))
        .order_by(Ticket.due_by.is_null(), Ticket.due_by, Ticket.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    return [
        AgendaItem(i, f"{subject} ({customer})", due, f"{priority}, {status}", customer_id=cid)
        for i, subject, customer, due, priority, status, cid in query
    ]


def _birthdays(user_id: int, day: date) -> list[AgendaItem]:
    days = [day + timedelta(days=n) for n in range(BIRTHDAY_DAYS + 1)]
    month_days = {d.strftime("%m-%d"): d for d in days}
    for d in days:  # born on 29 February: celebrated on the 28th when the year has no 29th
        if d.month == 2 and d.day == 28 and (d + timedelta(days=1)).month == 3:
            month_days["02-29"] = d
    month_day = dialect.month_day(Contact.birthday)
    query = (
        Contact.select(Contact.id, Contact.name, Customer.name, Contact.birthday, Contact.phone, Customer.id)
        .join(Customer, on=(Contact.customer == Customer.id))
        .where(_owned(user_id), Contact.deleted_at.is_null(), month_day.in_(list(month_days)))
        .tuples()
    )
    items = []
    for i, name, customer, born, phone, cid in query:
        when = month_days[born.strftime("%m-%d")]
        ahead = (when - day).days
        detail = ("today" if ahead == 0 else f"in {ahead} day{'s' if ahead != 1 else ''}") + (
            f"; {phone}" if phone else ""
        )
        items.append(AgendaItem(i, f"{name} ({customer})", when, detail, customer_id=cid))
    return sorted(items, key=lambda item: (item.when, item.id))


def _lifecycle(user_id: int, rule: str, moment: datetime) -> list[AgendaItem]:
    condition = getattr(lifecycle, rule)(moment)
    last_contract = Contract.select(fn.MAX(Contract.signed_on)).where(
        Contract.customer == Customer.id, Contract.deleted_at.is_null()
    )
    query = (
        Customer.select(Customer.id, Customer.name, Customer.last_followup_at, last_contract)
        .where(_owned(user_id), condition)
        .order_by(Customer.last_followup_at.is_null(False), Customer.last_followup_at, Customer.id)
        .limit(SECTION_LIMIT)
        .tuples()
    )
    items = []
    for cid, name, last, signed in query:
        parts = [f"last follow-up {to_local(last):%Y-%m-%d}" if last else "never followed up"]
        if signed:
            parts.append(f"last contract {signed}")
        items.append(AgendaItem(cid, name, None, "; ".join(parts), customer_id=cid))
    return items


__all__ = ["Agenda", "AgendaItem", "AgendaSection", "SECTIONS", "agenda"]
