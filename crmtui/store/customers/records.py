"""Customers: add, find, list (filtered, sorted, paged), show, edit, soft delete and restore, scoped by access.py.

list_customers/count_customers are also what the TUI pages with; they build one query whatever the filter, so a
page of 20 costs the same on 1M customers as on 100 (ORDER BY an indexed column, LIMIT/OFFSET). A page of a search
ranked best first is chosen by search.ranked_ids (tiers read from the indexes that stop once the page is full), then
read by id; count_customers(at_most=N) stops counting past N (a common search term matches most customers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import JOIN, SQL, Expression, NodeList, fn

from crmtui.store.customers import ownership, search
from crmtui.store.customers.lifecycle import lifecycle_condition
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, may_give_to, require_active, visible_customers, writable_customers
from crmtui.store.kernel.clock import day_start, local_today, now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import BadInput, NotFound, NotPermitted
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Customer, CustomerTag, Territory, User
from crmtui.store.org.territories import check_territory_access, find_territory
from crmtui.store.org.users import find_user

DUE_WINDOWS = ("today", "overdue", "week")
EDITABLE = ("name", "tier", "phone", "email", "industry", "source", "address")


@dataclass
class CustomerFilter:
    owner: str | None = None  # 'me', a login, or 'pool'
    tier: str | None = None  # one tier or several: "A,B"
    tag: str | None = None
    territory: str | None = None
    stale_days: int | None = None  # no follow-up for at least this many days
    due: str | None = None  # next follow-up: 'today', 'overdue' (before today) or 'week' (the next 7 days)
    text: str | None = None  # search, as search_customers
    include_deleted: bool = False
    lifecycle: str | None = None  # 'due-to-buy' or 'at-risk' (store/lifecycle.py, as of now)
    ids: list[int] | None = None  # the customers a search already chose (search.ranked_ids); TEXT then only ranks


@dataclass
class CustomerRow:
    id: int
    name: str
    tier: str
    owner: str | None
    territory: str
    phone: str | None
    email: str | None
    industry: str | None
    tags: str
    last_followup_at: datetime | None
    next_followup_at: datetime | None
    created_at: datetime
    deleted_at: datetime | None


# --- validation --------------------------------------------------------------------------------------------


def _checked(fields: dict) -> dict:
    """The EDITABLE fields given (None leaves one as it is; '' clears an optional one), read by kernel/values."""
    readers = {
        "name": lambda v: values.name(v, "customer"),
        "tier": values.tier,
        "phone": values.phone,
        "email": values.email,
    }
    return {k: readers.get(k, lambda v, k=k: values.text(v, k))(v) for k, v in fields.items() if v is not None}


def _territory_for(actor: Actor, ref: str | None, owner: User | None) -> int:
    """The territory named, else the owner's, else the actor's; non-admins only work in their own territories."""
    if ref:
        territory = find_territory(ref)
    elif owner is not None and owner.territory_id:
        territory = Territory.get_by_id(owner.territory_id)
    elif actor.territory_id:
        territory = Territory.get_by_id(actor.territory_id)
    else:
        raise BadInput("Say which territory the customer belongs to: --territory T.")
    check_territory_access(actor, territory, manage=False)
    return territory.id


def _owner_for(actor: Actor, ref: str | None) -> User | None:
    """'pool' is nobody; 'me' the actor; a login must be active and in the actor's team. By default a rep owns
    what they add, and what a manager or admin adds goes to the pool."""
    if ref is None:
        ref = "pool" if actor.is_manager else "me"
    if ref == "pool":
        return None
    if ref == "me":
        if actor.id is None:
            raise BadInput("The system user cannot own customers: name an owner or 'pool'.")
        return User.get_by_id(actor.id)
    return may_give_to(actor, require_active(find_user(ref)))


# --- finding -----------------------------------------------------------------------------------------------


def find_customer(actor: Actor, ref: str | int, write: bool = False, deleted: bool = False) -> Customer:
    """The customer named by REF (id or unambiguous name) among those the actor sees. For a write, one the actor
    may not change is NotPermitted (exit 4) when named by id; what they cannot even see stays NotFound (exit 3).
    DELETED looks among soft-deleted customers instead (for restore)."""
    alive = Customer.deleted_at.is_null(False) if deleted else Customer.deleted_at.is_null()
    label = "deleted customer" if deleted else "customer"
    text = str(ref).strip().lstrip("#")
    if write and text.isdigit():
        row = Customer.select().where(Customer.id == int(text), alive).first()
        if row is None:
            raise NotFound(f"No {label} #{text}.")
    else:
        row = resolve(Customer, ref, Customer.name, visible_customers(actor) & alive, label)
    if write and not Customer.select().where(Customer.id == row.id, writable_customers(actor)).exists():
        raise NotPermitted(f"{actor.login or 'You'} may not change customer #{row.id}.")
    return row


# --- adding, editing, deleting -----------------------------------------------------------------------------


def _replace_tags(customer_id: int, tags: list[str]) -> None:
    CustomerTag.delete().where(CustomerTag.customer == customer_id).execute()
    if tags:
        CustomerTag.insert_many([{"customer": customer_id, "tag": t} for t in tags]).execute()


def tags_of(customer_id: int) -> list[str]:
    return [
        t
        for (t,) in CustomerTag.select(CustomerTag.tag)
        .where(CustomerTag.customer == customer_id)
        .order_by(CustomerTag.tag)
        .tuples()
    ]


def add_customer(
    actor: Actor,
    name: str,
    territory: str | None = None,
    owner: str | None = None,
    tier: str = "C",
    phone: str | None = None,
    email: str | None = None,
    industry: str | None = None,
    source: str | None = None,
    address: str | None = None,
    tags=(),
) -> int:
    """Add a customer; returns its id. OWNER is 'me', a login or 'pool' (default: see _owner_for)."""
    row = _checked(
        dict(name=name, tier=tier, phone=phone, email=email, industry=industry, source=source, address=address)
    )
    clean_tags = values.tags(tags)
    with db.atomic():
        owner_user = _owner_for(actor, owner)
        territory_id = _territory_for(actor, territory, owner_user)
        if owner_user:  # the owned cap holds for a customer added with an owner as for one claimed
            ownership.hold_owners([owner_user.id])
            ownership.check_room(owner_user, Territory.get_by_id(territory_id))
        moment = now()
        row.update(
            territory=territory_id,
            owner=owner_user.id if owner_user else None,
            owned_at=moment if owner_user else None,
            pooled_at=None if owner_user else moment,
            created_at=moment,
            updated_at=moment,
        )
        customer_id = Customer.insert(**row).execute()
        search.save_keys([(customer_id, search.customer_key(row["name"], row.get("phone"), row.get("email")))])
        _replace_tags(customer_id, clean_tags)
        if owner_user:
            ownership.log(actor, "create", [(customer_id, None, owner_user.id, None)], moment, audited=False)
        shown = {k: v for k, v in row.items() if k not in ("created_at", "updated_at")}
        audit.created(actor.login, "customer", customer_id, {**shown, "tags": clean_tags})
    return customer_id


def edit_customer(
    actor: Actor, ref: str | int, territory: str | None = None, add_tags=(), remove_tags=(), **fields
) -> dict:
    """Change the fields given (EDITABLE; None leaves a field, '' clears an optional one), the territory and the
    tags. Returns the changes as {field: [old, new]} (empty when nothing changed)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise BadInput(f"Cannot edit {', '.join(sorted(unknown))}.")
    new = _checked(fields)
    adding, removing = values.tags(add_tags), values.tags(remove_tags)
    with db.atomic():
        customer = find_customer(actor, ref, write=True)
        if territory is not None:
            new["territory"] = _territory_for(actor, territory, None)
        old = {k: getattr(customer, k + "_id" if k == "territory" else k) for k in new}
        diff = audit.changes(old, new)
        old_tags = tags_of(customer.id)
        new_tags = sorted(set(old_tags) - set(removing) | set(adding))
        if new_tags != old_tags:
            diff["tags"] = [old_tags, new_tags]
            _replace_tags(customer.id, new_tags)
        if not diff:
            return {}
        update = {k: new[k] for k in diff if k != "tags"}
        Customer.update(**update, updated_at=now()).where(Customer.id == customer.id).execute()
        if {"name", "phone", "email"} & set(update):
            merged = {k: update.get(k, getattr(customer, k)) for k in ("name", "phone", "email")}
            search.save_keys([(customer.id, search.customer_key(**merged))])
        audit.record(actor.login, "customer", customer.id, "edit", diff)
    return diff


def _set_deleted(actor: Actor, ref: str | int, deleted: bool) -> int:
    with db.atomic():
        customer = find_customer(actor, ref, write=True, deleted=not deleted)
        return audit.set_deleted(actor.login, customer, "customer", deleted, updated_at=now())


def delete_customer(actor: Actor, ref: str | int) -> int:
    """Soft-delete: the customer disappears from lists and searches until restored. Returns its id."""
    return _set_deleted(actor, ref, True)


def restore_customer(actor: Actor, ref: str | int) -> int:
    return _set_deleted(actor, ref, False)


# --- listing -----------------------------------------------------------------------------------------------

SORTS = {
    "name": Customer.name,
    "id": Customer.id,
    "tier": Customer.tier,
    "created": Customer.created_at,
    "updated": Customer.updated_at,
    "last_followup": Customer.last_followup_at,
    "next_followup": Customer.next_followup_at,
}
NULLABLE_SORTS = ("last_followup", "next_followup")
INDEXED_SORTS = ("name", "id")  # an index serves them either way round (not next_followup: its NULLS LAST)


def due_condition(column, due: str) -> Expression:
    """COLUMN (a UTC time) falls in the window DUE names, in local calendar days."""
    today = local_today()
    start, tomorrow, week = day_start(today), day_start(today + timedelta(days=1)), day_start(today + timedelta(days=7))
    windows = {
        "today": (column >= start) & (column < tomorrow),
        "overdue": column < start,
        "week": (column >= start) & (column < week),
    }
    if due not in windows:
        raise BadInput(f"Unknown due window {due!r}: use one of {', '.join(DUE_WINDOWS)}.")
    return windows[due]


def _conditions(actor: Actor, flt: CustomerFilter, text: bool = True, owner_index: bool = True) -> Expression:
    """The WHERE clause of FLT for ACTOR; TEXT=False leaves out the search (list_customers' tiers read it);
    OWNER_INDEX=False keeps the planner off the owner index (see _page_plan)."""
    where = visible_customers(actor, owner_index=owner_index)
    if not flt.include_deleted:
        where &= Customer.deleted_at.is_null()
    if flt.owner == "pool":
        where &= Customer.owner.is_null()
    elif flt.owner == "me":
        where &= Customer.owner == actor.id
    elif flt.owner:
        where &= Customer.owner == find_user(flt.owner).id
    if flt.tier:
        where &= Customer.tier.in_(values.tiers(flt.tier))
    if flt.tag:
        tagged = CustomerTag.select(CustomerTag.customer).where(CustomerTag.tag == flt.tag.strip().lower())
        where &= Customer.id.in_(tagged)
    if flt.territory:
        where &= Customer.territory == find_territory(flt.territory).id
    if flt.stale_days is not None:
        if flt.stale_days < 0:
            raise BadInput("--stale takes a number of days, 0 or more.")
        since = fn.COALESCE(Customer.last_followup_at, Customer.owned_at, Customer.created_at)
        where &= since < now() - timedelta(days=flt.stale_days)
    if flt.due:
        where &= due_condition(Customer.next_followup_at, flt.due)
    if flt.lifecycle:
        where &= lifecycle_condition(flt.lifecycle, now())
    if flt.ids is not None:
        where &= Customer.id.in_(flt.ids)
    elif flt.text is not None and text:
        where &= search.matches(flt.text)
    return where


def _order(sort: str | None, text: str | None, sort_index: bool = True) -> list:
    """The ORDER BY of SORT; SORT_INDEX=False orders by `+column` (SQLite), which no index serves (_page_plan)."""
    if sort is None:
        sort = "rank" if text else "name"
    if sort == "rank":
        if not text:
            raise BadInput("Sorting by rank needs a search text.")
        return search.ranked_order(text)
    key = sort.lstrip("-")
    if key not in SORTS:
        raise BadInput(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)} (prefix - to reverse).")
    nulls = "LAST" if key in NULLABLE_SORTS else None
    key_column = SORTS[key] if sort_index else NodeList((SQL("+"), SORTS[key]))
    column = key_column.desc(nulls=nulls) if sort.startswith("-") else key_column.asc(nulls=nulls)
    return [column, Customer.id]


def _page_plan(actor: Actor, flt: CustomerFilter, sort: str | None, offset: int, limit: int | None) -> str | None:
    """How SQLite should find a page of the actor's unfiltered list in an indexed order: "walk" the index of the
    sort, testing each customer, or "gather" every customer the actor sees on the owner index and sort them;
    None leaves it to the planner. Its planner cannot tell: sqlite_stat1 gives every owner the average number of
    customers and misses how large a territory's pool is, so it gathered every customer a rep sees (own and pool)
    to show 20, and read every row in id order for a rep who sees none (docs/PERFORMANCE.md).
    A walk reads about (offset + limit) * total / visible rows, a gathering the visible ones: walk when the
    visible are at least sqrt((offset + limit) * total), counted on the owner index up to that bound.
    PostgreSQL's statistics (the owner's null fraction and most common values) make its planner choose right by
    itself (EXPLAIN: it walks for a rep, gathers for one with few customers), and the count would cost it a heap
    scan: it is left alone."""
    unfiltered = flt == CustomerFilter(include_deleted=flt.include_deleted)
    if is_postgres() or actor.is_admin or not limit or not unfiltered:
        return None
    if (sort or "name").lstrip("-") not in INDEXED_SORTS:
        return None
    total = Customer.select(fn.MAX(Customer.id)).scalar() or 0
    bound = int(((offset + limit) * total) ** 0.5)
    visible = Customer.select(Customer.id).where(visible_customers(actor)).limit(bound).count()
    return "walk" if visible >= bound else "gather"


def list_customers(
    actor: Actor, flt: CustomerFilter | None = None, sort: str | None = None, limit: int | None = 50, offset: int = 0
) -> list[CustomerRow]:
    """One page of the customers the actor sees. SORT is a key of SORTS (prefix '-' to reverse) or 'rank' (the
    default with a search text; otherwise 'name')."""
    flt = flt or CustomerFilter()
    values.page(limit, offset)
    if flt.text is not None and not search.normalize(flt.text):
        raise BadInput("Search for at least one character.")
    order = _order(sort, flt.text)
    if flt.text is not None and flt.ids is None and limit and (sort or ("rank" if flt.text else "name")) == "rank":
        # a search's page best first: its ids from the tiers (the best OFFSET + LIMIT), then that page read by id
        where = _conditions(actor, flt, text=False)
        chosen = search.ranked_ids(actor, flt.text, offset + limit, where)[offset : offset + limit]
        where, offset = where & Customer.id.in_(chosen), 0
    else:
        plan = _page_plan(actor, flt, sort, offset, limit)
        where = _conditions(actor, flt, owner_index=plan != "walk")
        if plan == "gather":
            order = _order(sort, flt.text, sort_index=False)
    owner = User.alias()
    query = (
        Customer.select(
            Customer.id,
            Customer.name,
            Customer.tier,
            owner.login,
            Territory.name,
            Customer.phone,
            Customer.email,
            Customer.industry,
            Customer.last_followup_at,
            Customer.next_followup_at,
            Customer.created_at,
            Customer.deleted_at,
        )
        .join_from(Customer, owner, JOIN.LEFT_OUTER, on=(Customer.owner == owner.id))
        # LEFT joins keep customer the outer loop, so a page walks the sort index rather than sorting everything.
        .join_from(Customer, Territory, JOIN.LEFT_OUTER, on=(Customer.territory == Territory.id))
        .where(where)
        .order_by(*order)
        .offset(offset or None)
        .limit(limit)
        .tuples()
    )
    rows = list(query)
    tags = _tags_by_customer([r[0] for r in rows])
    return [CustomerRow(*r[:8], ", ".join(tags.get(r[0], ())), *r[8:]) for r in rows]


def _tags_by_customer(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        query = CustomerTag.select(CustomerTag.customer, CustomerTag.tag).where(CustomerTag.customer.in_(ids))
        for customer_id, tag in query.order_by(CustomerTag.tag).tuples():
            found.setdefault(customer_id, []).append(tag)
    return found


def count_customers(actor: Actor, flt: CustomerFilter | None = None, at_most: int | None = None) -> int:
    """How many customers FLT lists. AT_MOST: stop counting past it (the first AT_MOST + 1 matches, in a
    subquery with a LIMIT): a result above AT_MOST means "more than AT_MOST", cheap for a common search term."""
    if at_most is not None and at_most < 0:
        raise BadInput("Count at most 0 or more customers.")
    query = Customer.select(Customer.id).where(_conditions(actor, flt or CustomerFilter()))
    return query.count() if at_most is None else query.limit(at_most + 1).count()


# --- one customer in full ----------------------------------------------------------------------------------


def search_customers(actor: Actor, text: str, limit: int | None = 20) -> list[CustomerRow]:
    """The customers the actor may see that match TEXT, best first: list_customers sorted by rank, which reads a
    page (LIMIT) in tiers that stop once it is full (search.ranked_ids) and ranks every match (no limit) in one
    query."""
    return list_customers(actor, CustomerFilter(text=text), sort="rank", limit=limit)
