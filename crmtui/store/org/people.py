"""Users and territories (战区): who sells where, and under whom."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, IntegrityError, fn

from crmtui.store.kernel import audit
from crmtui.store.kernel.access import SYSTEM, Actor, require_admin
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import ROLES, TIERS, Customer, PoolRules, Territory, TierRule, User

DEFAULT_NO_FOLLOWUP_DAYS = {"A": 30, "B": 21, "C": 14, "D": 10, "E": 7}


@dataclass
class UserRow:
    id: int
    login: str
    display_name: str
    role: str
    manager: str | None
    territory: str | None
    active: bool
    owned: int


@dataclass
class TerritoryRow:
    id: int
    name: str
    reps: int
    in_pool: int
    owned: int


def find_territory(ref: str | int) -> Territory:
    return resolve(Territory, ref, Territory.name, Territory.id.is_null(False), "territory")


def find_user(ref: str | int) -> User:
    return resolve(User, ref, User.login, User.id.is_null(False), "user")


def add_territory(actor: Actor, name: str) -> int:
    require_admin(actor, "add a territory")
    name = name.strip()
    if not name:
        raise BadInput("A territory needs a name.")
    with db.atomic():
        if Territory.select().where(Territory.name == name).exists():
            raise Refused(f"Territory {name!r} exists already.")
        territory = Territory.create(name=name)
        PoolRules.create(territory=territory)
        TierRule.insert_many(
            [{"territory": territory.id, "tier": t, "no_followup_days": DEFAULT_NO_FOLLOWUP_DAYS[t]} for t in TIERS]
        ).execute()
        audit.record(actor.login, "territory", territory.id, "create", {"name": [None, name]})
    return territory.id


def list_territories(actor: Actor) -> list[TerritoryRow]:
    counts = (
        Customer.select(
            Customer.territory,
            fn.SUM(Customer.owner.is_null().cast("integer")).alias("in_pool"),
            fn.COUNT(Customer.id).alias("total"),
        )
        .where(Customer.deleted_at.is_null())
        .group_by(Customer.territory)
        .alias("counts")
    )
    reps = (
        User.select(User.territory, fn.COUNT(User.id).alias("n"))
        .where(User.role == "rep", User.active)
        .group_by(User.territory)
        .alias("reps")
    )
    query = (
        Territory.select(Territory.id, Territory.name, reps.c.n, counts.c.in_pool, counts.c.total)
        .join_from(Territory, reps, JOIN.LEFT_OUTER, on=(reps.c.territory_id == Territory.id))
        .join_from(Territory, counts, JOIN.LEFT_OUTER, on=(counts.c.territory_id == Territory.id))
        .order_by(Territory.name)
        .tuples()
    )
    return [
        TerritoryRow(tid, name, n or 0, int(pool or 0), int(total or 0) - int(pool or 0))
        for tid, name, n, pool, total in query
    ]


def _validate_role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    return role


def add_user(
    actor: Actor,
    login: str,
    role: str,
    display_name: str | None = None,
    territory: str | None = None,
    manager: str | None = None,
    email: str | None = None,
) -> int:
    if actor is not SYSTEM:
        require_admin(actor, "add users")
    login = login.strip()
    if not login or any(c.isspace() for c in login):
        raise BadInput("A login is one word without spaces.")
    _validate_role(role)
    with db.atomic():
        values = dict(
            login=login,
            display_name=display_name or login,
            role=role,
            territory=find_territory(territory).id if territory else None,
            manager=find_user(manager).id if manager else None,
            email=email,
        )
        if User.select().where(User.login == login).exists():
            raise Refused(f"User {login!r} exists already.")
        try:
            user = User.create(**values)
        except IntegrityError as exc:
            raise BadInput(f"Cannot add user {login!r}: {exc}.") from None
        audit.record(actor.login, "user", user.id, "create", audit.changes({}, values))
    return user.id


def edit_user(actor: Actor, ref: str, **changes) -> None:
    """Change a user's display name, role, territory, manager, email or active flag (None leaves a field)."""
    require_admin(actor, "edit users")
    with db.atomic():
        user = find_user(ref)
        new = {}
        for key, value in changes.items():
            if value is None:
                continue
            if key == "role":
                value = _validate_role(value)
            elif key == "territory":
                value = find_territory(value).id if value != "none" else None
            elif key == "manager":
                value = find_user(value).id if value != "none" else None
                if value is not None and value == user.id:
                    raise BadInput("A user cannot manage themselves.")
            new[key] = value
        old = {k: getattr(user, k + "_id" if k in ("territory", "manager") else k) for k in new}
        diff = audit.changes(old, new)
        if diff:
            User.update(**new).where(User.id == user.id).execute()
            audit.record(actor.login, "user", user.id, "edit", diff)


def list_users(actor: Actor, include_inactive: bool = False) -> list[UserRow]:
    manager = User.alias()
    owned = (
        Customer.select(Customer.owner, fn.COUNT(Customer.id).alias("n"))
        .where(Customer.deleted_at.is_null(), Customer.owner.is_null(False))
        .group_by(Customer.owner)
        .alias("owned")
    )
    query = (
        User.select(User, manager.login.alias("manager_login"), Territory.name.alias("territory_name"), owned.c.n)
        .join_from(User, manager, JOIN.LEFT_OUTER, on=(User.manager == manager.id))
        .join_from(User, Territory, JOIN.LEFT_OUTER)
        .join_from(User, owned, JOIN.LEFT_OUTER, on=(owned.c.owner_id == User.id))
        .order_by(User.login)
    )
    if not include_inactive:
        query = query.where(User.active)
    return [
        UserRow(u.id, u.login, u.display_name, u.role, u.manager_login, u.territory_name, u.active, u.n or 0)
        for u in query.objects()
    ]
