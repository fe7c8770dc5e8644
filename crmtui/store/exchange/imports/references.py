"""References by name (owner, manager, territory, customer, product, pipeline, stage): each kind loaded with one
query into a dict, then every row resolved in Python. A name matches exactly (case, width and spacing folded);
failing that, loosely (punctuation and spaces ignored: `GTXPro` finds `GTX Pro`), which the report notes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from peewee import fn

from crmtui.store.kernel import normalize
from crmtui.store.kernel.bulk import KEYS, KeyTable
from crmtui.store.kernel.errors import Invalid
from crmtui.store.kernel.models import Customer, Pipeline, Product, Stage, Territory, User


class Lookup:
    def __init__(self, label: str, pairs: Iterable[tuple[str, int]]):
        self.label = label
        self.exact: dict[str, set[int]] = defaultdict(set)
        self.loose: dict[str, set[int]] = defaultdict(set)
        self.names: dict[int, str] = {}
        self.add(pairs)

    def add(self, pairs: Iterable[tuple[str, int]]) -> None:
        for name, ident in pairs:
            if name:
                self.exact[normalize.exact(name)].add(ident)
                self.loose[normalize.loose(name)].add(ident)
                self.names.setdefault(ident, name)

    def find(self, text: str) -> int:
        if text.startswith("#") and text[1:].isdigit():
            if int(text[1:]) in self.names:
                return int(text[1:])
            raise Invalid(f"names no {self.label}")
        ids = self.exact.get(normalize.exact(text)) or self.loose.get(normalize.loose(text))
        if not ids:
            raise Invalid(f"names no {self.label}")
        if len(ids) > 1:
            shown = "; ".join(f"#{i} {self.names[i]}" for i in sorted(ids)[:5])
            raise Invalid(f"is ambiguous: several {self.label}s match ({shown}); use #id")
        (found,) = ids
        return found


def territories() -> Lookup:
    return Lookup("territory", Territory.select(Territory.name, Territory.id).tuples())


def users() -> Lookup:
    """Users by login or by display name (exports from other CRMs name people, not logins)."""
    rows = list(User.select(User.login, User.display_name, User.id).tuples())
    logins = {normalize.exact(login) for login, _, _ in rows}  # a login wins over someone's display name
    names = [(name, i) for _, name, i in rows if normalize.exact(name) not in logins]
    return Lookup("user", [(login, i) for login, _, i in rows] + names)


def products() -> Lookup:
    rows = list(Product.select(Product.code, Product.name, Product.id).tuples())
    return Lookup("product", [(code, i) for code, _, i in rows] + [(name, i) for _, name, i in rows])


def pipelines() -> Lookup:
    return Lookup("pipeline", Pipeline.select(Pipeline.name, Pipeline.id).tuples())


def default_pipeline() -> int | None:
    row = Pipeline.select(Pipeline.id).order_by(Pipeline.is_default.desc(), Pipeline.id).first()
    return row.id if row else None


def stages() -> dict[int, Lookup]:
    """A stage lookup per pipeline: stage names repeat across pipelines."""
    by_pipeline: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for pipeline, name, ident in Stage.select(Stage.pipeline, Stage.name, Stage.id).tuples():
        by_pipeline[pipeline].append((name, ident))
    return {p: Lookup("stage", pairs) for p, pairs in by_pipeline.items()}


def customers(keys: KeyTable, names: Iterable[str], scope) -> Lookup:
    """The customers the file names (by name or external id), among those in SCOPE: only the named ones are
    read, through the key table, so a file of 100 contacts does not load a million customers."""
    names = list(names)
    keys.load([normalize.exact(n) for n in names] + names)
    folded = fn.LOWER(fn.TRIM(Customer.name))
    base = Customer.select(Customer.name, Customer.external_id, Customer.id).where(Customer.deleted_at.is_null(), scope)
    by_name = base.join_from(Customer, KEYS, on=(folded == KEYS.k)).tuples()
    by_external = base.join_from(Customer, KEYS, on=(Customer.external_id == KEYS.k)).tuples()
    lookup = Lookup("customer", [(name, i) for name, _, i in by_name])
    lookup.add((external, i) for _, external, i in by_external)
    return lookup
