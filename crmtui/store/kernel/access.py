"""Who sees what. Every read and write of customers (and of what hangs off them) is scoped here, in one place:
an admin sees everything; a manager, the customers owned by anyone in their subtree and the pools of the
territories that subtree works in; a rep, their own customers and their territory's pool."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import Expression

from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted
from crmtui.store.kernel.models import Customer, User


@dataclass(frozen=True)
class Actor:
    id: int | None
    login: str | None
    role: str
    territory_id: int | None
    team_ids: frozenset[int]  # the actor and everyone below them
    territory_ids: frozenset[int]  # territories whose pool the actor sees

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role in ("admin", "manager")


# Acting before any user exists (crm init, crm demo on an empty database): full rights, audited as "system".
SYSTEM = Actor(None, None, "admin", None, frozenset(), frozenset())


def team_of(user_id: int) -> frozenset[int]:
    """The user and everyone below them, through a recursive query."""
    base = User.select(User.id).where(User.id == user_id).cte("team", recursive=True, columns=("id",))
    below = User.alias()
    recursive = below.select(below.id).join(base, on=(below.manager == base.c.id))
    cte = base.union(recursive)
    return frozenset(row[0] for row in cte.select_from(cte.c.id).tuples())


def actor_for(login: str | None) -> Actor:
    """The acting user by login. Without one, the system actor while no user exists; afterwards it is bad usage."""
    if not login:
        if User.select().exists():
            raise BadInput("Say who is acting: --user NAME, CRM_USER, or `user` in the config file.")
        return SYSTEM
    user = User.get_or_none(User.login == login)
    if user is None:
        if not User.select().exists():
            return SYSTEM
        raise NotFound(f"No user {login!r}: `crm user list` shows who exists.")
    if not user.active:
        raise NotPermitted(f"User {login!r} is deactivated.")
    if user.role == "admin":
        return Actor(user.id, user.login, "admin", user.territory_id, frozenset(), frozenset())
    team = team_of(user.id) if user.role == "manager" else frozenset({user.id})
    territories = (
        frozenset(
            t
            for (t,) in User.select(User.territory)
            .where(User.id.in_(list(team)), User.territory.is_null(False))
            .tuples()
        )
        if user.role == "manager"
        else frozenset({user.territory_id} if user.territory_id else ())
    )
    return Actor(user.id, user.login, user.role, user.territory_id, team, territories)


def visible_customers(actor: Actor, model=Customer, owner_index: bool = True) -> Expression:
    """The WHERE clause of the customers an actor may see (model may be an alias of Customer). OWNER_INDEX=False
    compares `owner_id + 0`, which no index serves: the planner then walks the index of a list's sort order,
    testing each customer, instead of gathering every visible one on the owner index (customers.list_customers)."""
    if actor.is_admin:
        return model.id.is_null(False)
    owner = model.owner if owner_index else model.owner + 0
    in_pool = owner.is_null() & model.territory.in_(list(actor.territory_ids))
    return owner.in_(list(actor.team_ids)) | in_pool


def writable_customers(actor: Actor, model=Customer) -> Expression:
    """The customers an actor may change: admins all; managers their team's and their territories' pools;
    reps only their own (a pool customer must be claimed first)."""
    if actor.is_admin:
        return model.id.is_null(False)
    if actor.role == "manager":
        return visible_customers(actor, model)
    return model.owner == actor.id


def customer_or_team(actor: Actor, person, customers: Expression | None = None) -> Expression:
    """What hangs off a customer and names a person (a follow-up's writer, a visit's visitor, a ticket's assignee)
    is within the actor's reach when its customer is (CUSTOMERS, default the visible ones; Customer must be joined)
    or that person is in the actor's team."""
    return (visible_customers(actor) if customers is None else customers) | person.in_(list(actor.team_ids))


def check_customer_write(actor: Actor, customer_id: int) -> None:
    """Raise NotFound for a customer that does not exist and NotPermitted for one out of the actor's reach."""
    exists = Customer.select().where(Customer.id == customer_id, Customer.deleted_at.is_null())
    if not exists.exists():
        raise NotFound(f"No customer #{customer_id}.")
    if not exists.where(writable_customers(actor)).exists():
        raise NotPermitted(f"{actor.login or 'You'} may not change customer #{customer_id}.")


def require_active(user: User, doing: str = "own customers") -> User:
    """A deactivated user keeps their history but takes on nothing new."""
    if not user.active:
        raise BadInput(f"User {user.login!r} is deactivated and cannot {doing}.")
    return user


def gives_to(actor: Actor, user_id: int) -> bool:
    """Whom an actor may hand customers or deals: anyone for an admin, else themselves and their team."""
    return actor.is_admin or user_id in actor.team_ids


def may_give_to(actor: Actor, user: User, what: str = "customers") -> User:
    """USER, if the actor may hand them WHAT (gives_to)."""
    if not gives_to(actor, user.id):
        raise NotPermitted(f"{actor.login} may not give {what} to {user.login}.")
    return user


def require_manager(actor: Actor, what: str) -> None:
    if not actor.is_manager:
        raise NotPermitted(f"Only a manager or an admin may {what}.")


def require_admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise NotPermitted(f"Only an admin may {what}.")


def customer_scoped(actor: Actor, model, write: bool = False) -> Expression:
    """The WHERE clause of rows hanging off a customer (deals, contracts, invoices' contracts...) the actor may see,
    or change with WRITE: those whose customer is visible (writable). The query must join MODEL to Customer."""
    if actor.is_admin:
        return Customer.deleted_at.is_null()
    scope = writable_customers(actor) if write else visible_customers(actor)
    return scope & Customer.deleted_at.is_null()


def find_customer_scoped(actor: Actor, query, model, ref: str | int, number_field, label: str, write: bool = False):
    """The row of QUERY (MODEL joined to Customer) named by REF: an id (`12`, `#12`) or its exact NUMBER_FIELD.
    Like find_customer: out of sight is NotFound (exit 3), except a WRITE by id to an existing row the actor may not
    change, which is NotPermitted (exit 4), as is a visible row that is not writable."""
    text = str(ref).strip()
    if not text:
        raise BadInput(f"Name a {label} by id or number.")
    by_id = text.lstrip("#").isdigit()
    named = (model.id == int(text.lstrip("#"))) if by_id else (number_field == text)
    shown = f"#{text.lstrip('#')}" if by_id else text
    alive = Customer.deleted_at.is_null()
    row = query.where(named, alive if (write and by_id) else customer_scoped(actor, model)).first()
    if row is None and by_id:  # a number made only of digits
        row = query.where(number_field == text, customer_scoped(actor, model)).first()
    if row is None:
        raise NotFound(f"No {label} {shown}.")
    if write and not query.where(model.id == row.id, customer_scoped(actor, model, True)).exists():
        raise NotPermitted(f"{actor.login or 'You'} may not change {label} {getattr(row, number_field.name)}.")
    return row
