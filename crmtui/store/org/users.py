"""Users: who sells, in which territory, under whom, in which role."""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, IntegrityError, fn

from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import SYSTEM, Actor, require_admin
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, NotPermitted, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Customer, Territory, User
from crmtui.store.kernel.values import ROLES
from crmtui.store.org.territories import find_territory


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


def find_user(ref: str | int) -> User:
    return resolve(User, ref, User.login, User.id.is_null(False), "user")


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
    login = values.text(login, "login", required=True)
    if any(c.isspace() for c in login):
        raise BadInput("A login is one word without spaces.")
    role = values.choice(role, ROLES, "role")
    with db.atomic():
        row = dict(
            login=login,
            display_name=values.text(display_name, "display name") or login,
            role=role,
            territory=find_territory(territory).id if territory else None,
            manager=find_user(manager).id if manager else None,
            email=values.email(email),
        )
        if User.select().where(User.login == login).exists():
            raise Refused(f"User {login!r} exists already.")
        try:
            user = User.create(**row)
        except IntegrityError as exc:
            raise BadInput(f"Cannot add user {login!r}: {exc}.") from None
        audit.created(actor.login, "user", user.id, row)
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
                value = values.choice(value, ROLES, "role")
            elif key == "display_name":
                value = values.text(value, "display name", required=True)
            elif key == "email":
                value = values.email(value)
            elif key == "active":
                value = values.yes_no(value)
            elif key == "territory":
                value = find_territory(value).id if value != "none" else None
            elif key == "manager":
                value = find_user(value).id if value != "none" else None
                if value is not None and value == user.id:
                    raise BadInput("A user cannot manage themselves.")
            new[key] = value
        audit.update(actor.login, user, new, "user")


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


def login_of(user_id: int | None) -> str | None:
    return None if user_id is None else User.select(User.login).where(User.id == user_id).scalar()


def seen_user(actor: Actor, ref: str, what: str) -> User:
    """The user named by REF whose WHAT (customers, agenda, numbers) the actor asks for: themselves or one in their
    team (admins: anyone)."""
    target = find_user(ref)
    if target.id != actor.id and not actor.is_admin and target.id not in actor.team_ids:
        raise NotPermitted(f"{actor.login} may not see the {what} of {target.login}.")
    return target


def whose(actor: Actor, ref: str | None, what: str) -> tuple[int, str]:
    """(id, login) of seen_user, or of the actor for REF None or 'me'."""
    if ref is None or ref == "me":
        if actor.id is None:
            raise BadInput(f"Say whose {what}: --user LOGIN.")
        return actor.id, actor.login
    target = seen_user(actor, ref, what)
    return target.id, target.login
