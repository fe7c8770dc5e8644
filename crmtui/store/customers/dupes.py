"""Likely duplicate customers, and merging them.

Finding: every visible customer's name is reduced to a company key (width, case, spacing, punctuation and legal
suffixes such as 有限公司 or Co., Ltd. removed), its phone and e-mail to normal forms; equal keys group at once.
Then similar names: comparing every pair is quadratic, so each key is compared (rapidfuzz, in C) only with its
neighbours in sorted order — once sorted as written and once sorted reversed, so a typo at either end of a
name still leaves the two names adjacent in one of the orders (sorted-neighbourhood blocking).

Merging moves everything that hangs off the others onto the one kept, soft-deletes the others and records why.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from peewee import JOIN, fn

from crmtui.store.customers import ownership
from crmtui.store.kernel import audit, normalize
from crmtui.store.kernel.access import Actor, check_customer_write, visible_customers
from crmtui.store.kernel.bulk import stream
from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import (
    Contact,
    Contract,
    Customer,
    CustomerTag,
    Deal,
    Followup,
    Quote,
    Ticket,
    User,
    Visit,
)

DEFAULT_SIMILARITY = 90  # rapidfuzz ratio, 0–100
WINDOW = 6  # neighbours compared in each sorted order
MIN_KEY = 2  # shorter keys (one letter, one character) say too little to group by
FETCH = 20_000


@dataclass
class Member:
    id: int
    name: str
    phone: str | None
    email: str | None
    owner: str | None


@dataclass
class DupeGroup:
    reasons: list[str]
    members: list[Member] = field(default_factory=list)


class _Groups:
    """Union–find over customer ids, remembering why two were joined."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.why: dict[int, set[str]] = defaultdict(set)

    def root(self, item: int) -> int:
        parent = self.parent.setdefault(item, item)
        while parent != item:
            self.parent[item] = self.parent.setdefault(parent, parent)
            item, parent = parent, self.parent[parent]
        return item

    def join(self, a: int, b: int, reason: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[rb] = ra
            self.why[ra] |= self.why.pop(rb, set())
        self.why[ra].add(reason)

    def components(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for item in self.parent:
            found[self.root(item)].append(item)
        return found


def _customers(actor: Actor):
    """(id, name, phone, email) of every visible customer, streamed in batches."""
    return stream(
        Customer.select(Customer.id, Customer.name, Customer.phone, Customer.email)
        .where(visible_customers(actor), Customer.deleted_at.is_null())
        .order_by(Customer.id)
    )


def find_dupes(actor: Actor, similarity: int = DEFAULT_SIMILARITY, limit: int | None = None) -> list[DupeGroup]:
    """Groups of customers that are probably one company, largest first."""
    if not 50 <= similarity <= 100:
        raise BadInput("--similarity is a percentage between 50 and 100.")
    groups = _Groups()
    first_by: dict[tuple[str, str], int] = {}
    keys: list[tuple[str, int]] = []
    for ident, name, phone, email in _customers(actor):
        key = normalize.company_key(name)
        candidates = [
            ("same name", key if len(key) >= MIN_KEY else None),
            ("same phone", phone and normalize.phone(phone)),
            ("same email", email and email.lower()),
        ]
        for reason, value in candidates:
            if value:
                first = first_by.setdefault((reason, value), ident)
                if first != ident:
                    groups.join(first, ident, reason)
        if len(key) >= MIN_KEY and first_by[("same name", key)] == ident:
            keys.append((key, ident))
    if similarity < 100:
        _similar(keys, similarity, groups)
    return _described(groups, limit)


def _similar(keys: list[tuple[str, int]], similarity: int, groups: _Groups) -> None:
    from rapidfuzz import fuzz, process

    for ordered in (sorted(keys), sorted(keys, key=lambda pair: pair[0][::-1])):
        names = [k for k, _ in ordered]
        for index, (key, ident) in enumerate(ordered):
            neighbours = names[index + 1 : index + 1 + WINDOW]
            for _, score, offset in process.extract(
                key, neighbours, scorer=fuzz.ratio, score_cutoff=similarity, limit=None
            ):
                groups.join(ident, ordered[index + 1 + offset][1], f"similar name ({score:.0f}%)")


def _described(groups: _Groups, limit: int | None) -> list[DupeGroup]:
    components = sorted(groups.components().items(), key=lambda item: (-len(item[1]), min(item[1])))
    components = [(root, ids) for root, ids in components if len(ids) > 1][: limit or None]
    wanted = sorted({i for _, ids in components for i in ids})
    members: dict[int, Member] = {}
    for start in range(0, len(wanted), 500):
        query = (
            Customer.select(Customer.id, Customer.name, Customer.phone, Customer.email, User.login)
            .join(User, on=(Customer.owner == User.id), join_type=JOIN.LEFT_OUTER)
            .where(Customer.id.in_(wanted[start : start + 500]))
            .tuples()
        )
        members.update((row[0], Member(*row)) for row in query)
    return [
        DupeGroup(sorted(_merged_reasons(groups.why[root])), [members[i] for i in sorted(ids)])
        for root, ids in components
    ]


def _merged_reasons(reasons: set[str]) -> set[str]:
    """`similar name (93%)` and `similar name (91%)` read as one reason: the lowest score."""
    similar = sorted(r for r in reasons if r.startswith("similar"))
    return {r for r in reasons if not r.startswith("similar")} | set(similar[:1])


# -- merge ------------------------------------------------------------------------------------------------------

MOVED = {
    "contacts": Contact,
    "follow-ups": Followup,
    "deals": Deal,
    "contracts": Contract,
    "quotes": Quote,
    "tickets": Ticket,
    "visits": Visit,
}
FILLED = ("phone", "email", "industry", "source", "address", "external_id")


@dataclass
class MergeResult:
    kept: int
    merged: list[int]
    moved: dict[str, int]
    filled: dict[str, str]


def merge(actor: Actor, keep: int, others: list[int]) -> MergeResult:
    """Move the others' contacts, follow-ups, deals, contracts, quotes, tickets, visits and tags to KEEP, fill
    KEEP's empty details from them, and soft-delete them; their history stays, with ownership events and audit
    rows naming the merge. One transaction: all of it or none."""
    merged = list(dict.fromkeys(others))
    if not merged:
        raise BadInput("Name at least one customer to merge into the kept one.")
    if keep in merged:
        raise BadInput(f"Customer #{keep} cannot be merged into itself.")
    with db.atomic():
        for customer_id in (keep, *merged):
            check_customer_write(actor, customer_id)
        kept = Customer.get_by_id(keep)
        moved = {}
        for label, model in MOVED.items():
            moved[label] = model.update(customer=keep).where(model.customer.in_(merged)).execute()
        moved["tags"] = _move_tags(keep, merged)
        filled = _fill_blanks(kept, merged)
        latest = Customer.select(fn.MAX(Customer.last_followup_at)).where(Customer.id.in_([keep, *merged])).scalar()
        Customer.update(last_followup_at=latest, updated_at=now(), **filled).where(Customer.id == keep).execute()
        stamp = now()
        others = list(Customer.select().where(Customer.id.in_(merged)))
        reason = f"merged into #{keep} {kept.name}"
        ownership.log(actor, "merge", [(o.id, o.owner_id, kept.owner_id, reason) for o in others], stamp, audited=False)
        for other in others:
            audit.record(
                actor.login,
                "customer",
                other.id,
                "merge",
                {"merged_into": [None, keep], "deleted_at": [None, str(stamp)]},
            )
        Customer.update(deleted_at=stamp, updated_at=stamp).where(Customer.id.in_(merged)).execute()
        audit.record(
            actor.login,
            "customer",
            keep,
            "merge",
            {
                "merged": [None, merged],
                **{f"moved_{k}": [None, n] for k, n in moved.items() if n},
                **{k: [None, v] for k, v in filled.items()},
            },
        )
    return MergeResult(keep, merged, moved, filled)


def _move_tags(keep: int, merged: list[int]) -> int:
    have = CustomerTag.select(CustomerTag.tag).where(CustomerTag.customer == keep)
    new = (
        CustomerTag.select(CustomerTag.tag)
        .where(CustomerTag.customer.in_(merged), CustomerTag.tag.not_in(have))
        .distinct()
    )
    tags = [tag for (tag,) in new.tuples()]
    if tags:
        CustomerTag.insert_many([{"customer": keep, "tag": t} for t in tags]).execute()
    CustomerTag.delete().where(CustomerTag.customer.in_(merged)).execute()
    return len(tags)


def _fill_blanks(kept: Customer, merged: list[int]) -> dict[str, str]:
    """KEEP's empty details taken from the others, in the order they were named."""
    filled = {}
    others = {c.id: c for c in Customer.select().where(Customer.id.in_(merged))}
    for name in FILLED:
        if getattr(kept, name):
            continue
        value = next((getattr(others[i], name) for i in merged if getattr(others[i], name)), None)
        if value:
            filled[name] = value
    return filled
