"""What can be imported: each entity's fields, duplicate keys, permission and the few things its rows need
beyond plain columns (derived values, history rows, ownership events)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from contextlib import nullcontext
from itertools import repeat
from typing import Any

from peewee import DateField, DateTimeField, fn

from crmtui.store.customers import ownership, search
from crmtui.store.customers.followups import check_times
from crmtui.store.exchange.imports import references
from crmtui.store.exchange.imports.engine import Context, Field, Key, Row
from crmtui.store.kernel import audit, normalize
from crmtui.store.kernel.access import Actor, gives_to, require_admin, require_manager, writable_customers
from crmtui.store.kernel.bulk import db_value, executemany, indexes_rebuilt, insert_rows, write_rows
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Invalid
from crmtui.store.kernel.models import (
    Contact,
    Contract,
    Customer,
    CustomerTag,
    Deal,
    Followup,
    MoneyField,
    Product,
    Stage,
    Territory,
    User,
)
from crmtui.store.kernel.values import (
    CONTRACT_STATUSES,
    FOLLOWUP_TYPES,
    ROLES,
    TIERS,
    choice,
    day,
    email,
    money,
    note,
    phone,
    tags,
    text,
    when,
    yes_no,
)
from crmtui.store.org.territories import open_territories, rules_for, works_in

FUTURE = "is in the future: a follow-up is logged once it happened"


def one_of(allowed: tuple[str, ...], label: str, fold=str.lower):
    """A cell that names one of ALLOWED."""
    return lambda cell: choice(cell, allowed, label, fold)


def _folded(expression):
    return fn.LOWER(fn.TRIM(expression))


def _phone_digits(column):
    """The phone column without the spacing people type, in SQL both backends run (normalize.phone in Python)."""
    for noise in (" ", "-", "(", ")", ".", "+86"):
        column = fn.REPLACE(column, noise, "")
    return column


def _pair(first, second):
    """Two columns as one key text `first|second` (the same spelling in SQLite and PostgreSQL)."""
    return first.cast("text").concat("|").concat(second)


LOADERS = {
    "territory": references.territories,
    "user": references.users,
    "product": references.products,
    "pipeline": references.pipelines,
}


class _DbValues(dict):
    """value -> db_value(value), each distinct value converted once (an import's times are mostly one: now)."""

    def __missing__(self, value):
        converted = self[value] = db_value(value)
        return converted


def _table_column(f, values: list[dict[str, Any]], given: set[str]) -> Iterable:
    """Field F of every row as the driver takes it: only money (to cents) and, on SQLite, times (to text: its
    datetime adapter is Python code run per value) are converted. A field no row has is its default throughout."""
    default = f.default() if callable(f.default) else f.default
    if f.name not in given:
        return repeat(db_value(default), len(values))
    column = [v.get(f.name, default) for v in values]
    if isinstance(f, (MoneyField, DateTimeField, DateField)):
        return list(map(_DbValues().__getitem__, column))
    return column


# Rebuilding an index costs every row of the table; keeping it in step, every new row a few times more: the search
# index far more so than a table's own indexes, hence the two shares (measured in docs/PERFORMANCE.md).
SEARCH_REBUILD_SHARE = 5
INDEX_REBUILD_SHARE = 2


def _big_load(model, new_rows: int, share: int) -> bool:
    """Whether NEW_ROWS are at least 1/SHARE of MODEL's table once written: then an index is rebuilt, not kept."""
    return new_rows * share >= model.select().count() + new_rows


class Entity:
    name: str
    model: Any
    fields: tuple[Field, ...]
    keys: tuple[Key, ...] = ()
    ignored: tuple[str, ...] = ("id", "created_by", "updated_at", "deleted_at")
    audit_name: str

    def permit(self, actor: Actor) -> None:
        pass

    def derivable(self, field: str, provided: set[str]) -> bool:
        """Whether a required FIELD missing from the file can be derived from PROVIDED ones."""
        return False

    def scope(self):
        """Which existing rows count as duplicates."""
        deleted = getattr(self.model, "deleted_at", None)
        return deleted.is_null() if deleted is not None else None

    def lookup(self, ctx: Context, field: Field, rows: list[Row]):
        """The Lookup for FIELD's kind of reference, loaded once per import; for stages, a function from a
        pipeline id (None: the default pipeline) to that pipeline's stage Lookup."""
        kind = field.ref
        if kind == "stage":
            if "stages" not in ctx.lookups:
                ctx.lookups["stages"] = references.stages()
            by_pipeline, default, none = (
                ctx.lookups["stages"],
                references.default_pipeline(),
                references.Lookup("stage", ()),
            )
            return lambda pipeline: by_pipeline.get(pipeline or default, none)
        if kind not in ctx.lookups:
            if kind == "customer":
                names = {row.values[field.name] for row in rows if field.name in row.values}
                ctx.lookups[kind] = references.customers(ctx.keys, names, writable_customers(ctx.actor))
                ctx.lookups[kind].label = "customer (that you may change)"
            else:
                ctx.lookups[kind] = LOADERS[kind]()
        return ctx.lookups[kind]

    def before_prepare(self, ctx: Context, rows: list[Row]) -> None:
        pass

    def prepare(self, ctx: Context, row: Row) -> None:
        """Derive what the row needs beyond its cells; raise Invalid for a row that breaks a rule."""

    def within_limits(self, ctx: Context, new: list[Row], existing: list[Row]) -> tuple[list[Row], list[Row]]:
        """The rows to write once the store's limits are counted over the whole file (caps); the others rejected."""
        return new, existing

    def may_update(self, ctx: Context, rows: list[Row]) -> list[Row]:
        """Customers, and rows that hang off one, may be updated only where the actor may change the customer."""
        customer_of = self.customers_of(rows)
        if customer_of is None:
            return rows
        allowed = _writable_ids(ctx.actor, list(set(customer_of.values())))
        kept = []
        for row in rows:
            if customer_of[row.id] in allowed:
                kept.append(row)
            else:
                ctx.reject(row, f"matches {self.audit_name} #{row.id}, which {ctx.actor.login} may not change")
        return kept

    def customers_of(self, rows: list[Row]) -> dict[int, int] | None:
        """{existing row id: its customer id}, or None for what belongs to no customer."""
        if not hasattr(self.model, "customer"):
            return None
        owners: dict[int, int] = {}
        for start in range(0, len(rows), 500):
            ids = [row.id for row in rows[start : start + 500]]
            owners.update(self.model.select(self.model.id, self.model.customer).where(self.model.id.in_(ids)).tuples())
        return owners

    # -- writing ------------------------------------------------------------------------------------------------

    def _columns(self):
        return [f for f in self.model._meta.sorted_fields if f.name != "id"]

    def insert(self, ctx: Context, rows: list[Row]) -> list[int]:
        """Write ROWS column by column (see _table_column), zipped into tuples as the driver reads them; a big
        load with the table's indexes built once after."""
        values = [row.values for row in rows]
        given = set().union(*values)
        fields = self._columns()
        columns = [_table_column(f, values, given) for f in fields]
        table = self.model._meta.table_name
        with indexes_rebuilt(table) if _big_load(self.model, len(rows), INDEX_REBUILD_SHARE) else nullcontext():
            ids = insert_rows(self.model, [f.column_name for f in fields], zip(*columns), len(rows))
        self.after_insert(ctx, rows, ids)
        return ids

    def after_insert(self, ctx: Context, rows: list[Row], ids: list[int]) -> None:
        pass

    def update(self, ctx: Context, rows: list[Row]) -> None:
        """Write the provided fields of existing rows that differ; audited row by row with old -> new."""
        model_fields = {f.name for f in self._columns()}
        changed_rows = []
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            current = {
                r["id"]: r for r in self.model.select().where(self.model.id.in_([row.id for row in batch])).dicts()
            }
            for row in batch:
                old = current[row.id]
                new = {k: v for k, v in row.values.items() if k in self.updatable(ctx) and k in model_fields}
                diff = audit.changes(old, new)
                if not diff:
                    ctx.report.unchanged += 1
                    continue
                self.model.update(**{k: new[k] for k in diff}).where(self.model.id == row.id).execute()
                audit.record(ctx.actor.login, self.audit_name, row.id, "import-update", diff)
                ctx.report.updated += 1
                changed_rows.append((row, old))
        self.after_update(ctx, changed_rows)

    def updatable(self, ctx: Context) -> set[str]:
        return ctx.provided

    def after_update(self, ctx: Context, changed: list[tuple[Row, dict]]) -> None:
        pass


# -- territories and users -------------------------------------------------------------------------------------


class Territories(Entity):
    name, model, audit_name = "territories", Territory, "territory"
    fields = (Field("name", text, required=True, aliases=("territory", "region", "regional_office", "战区")),)
    ignored = Entity.ignored + ("created_at",)  # what `crm export territories` adds: set by the import
    keys = (Key("name", lambda v: normalize.exact(v["name"]), lambda: _folded(Territory.name)),)

    def permit(self, actor: Actor) -> None:
        require_admin(actor, "import territories")

    def after_insert(self, ctx: Context, rows: list[Row], ids: list[int]) -> None:
        open_territories(ids)


_LOGIN_NOISE = re.compile(r"[^\w.\-]+")


def login_for(display_name: str) -> str:
    """A login from a person's name: `Anna Snelling` → `anna.snelling` (CJK names stay as written)."""
    return _LOGIN_NOISE.sub("", ".".join(unicodedata.normalize("NFKC", display_name).casefold().split()))


class Users(Entity):
    name, model, audit_name = "users", User, "user"
    fields = (
        Field("login", text, required=True, aliases=("username", "user")),
        Field("display_name", text, aliases=("name", "full_name", "sales_agent", "姓名")),
        Field("role", one_of(ROLES, "role")),
        Field("territory", text, ref="territory", aliases=("regional_office", "region", "战区")),
        Field("manager", text),
        Field("email", email),
        Field("active", yes_no),
    )
    keys = (Key("login", lambda v: v["login"], lambda: User.login),)
    ignored = Entity.ignored + ("created_at",)  # what `crm export users` adds: set by the import

    def permit(self, actor: Actor) -> None:
        require_admin(actor, "import users")

    def derivable(self, field: str, provided: set[str]) -> bool:
        return field == "login" and "display_name" in provided

    def before_prepare(self, ctx: Context, rows: list[Row]) -> None:
        """Managers may be further down the same file: each new person gets a placeholder id until inserted (a row
        whose login exists already is that user, whom the database names)."""
        placeholders = ctx.lookups["placeholders"] = {}
        existing = {login for (login,) in User.select(User.login).tuples()}  # a team's users: a small table
        people = []
        for index, row in enumerate(rows):
            login = row.values.get("login") or login_for(row.values.get("display_name", ""))
            placeholders[-(index + 1)] = login
            if login not in existing:
                people += [(login, -(index + 1)), (row.values.get("display_name"), -(index + 1))]
        ctx.lookups["file_people"] = people

    def prepare(self, ctx: Context, row: Row) -> None:
        values = row.values
        if "login" not in values:
            values["login"] = login_for(values["display_name"])
        if not values["login"] or any(c.isspace() for c in values["login"]):
            raise Invalid(f"login {values['login']!r} is not one word")
        values.setdefault("display_name", values["login"])
        if "manager" in values:
            manager = values.pop("manager")
            try:
                values["_manager"] = self._manager(ctx).find(manager)
            except Invalid as exc:
                raise Invalid(f"manager {manager!r} {exc.reason}") from None

    def _manager(self, ctx: Context) -> references.Lookup:
        """Managers may be existing users or people further down the same file."""
        if "manager" not in ctx.lookups:
            ctx.lookups["manager"] = references.users()
            ctx.lookups["manager"].add(ctx.lookups.get("file_people", []))
        return ctx.lookups["manager"]

    def insert(self, ctx: Context, rows: list[Row]) -> list[int]:
        ids = super().insert(ctx, rows)
        self._set_managers(ctx, rows)
        return ids

    def update(self, ctx: Context, rows: list[Row]) -> None:
        super().update(ctx, rows)
        self._set_managers(ctx, rows)

    def _set_managers(self, ctx: Context, rows: list[Row]) -> None:
        logins = [r.values["login"] for r in rows] + list(ctx.lookups["placeholders"].values())
        by_login = dict(User.select(User.login, User.id).where(User.login.in_(logins)).tuples())
        pending = ctx.lookups["placeholders"]
        pairs = []
        for row in rows:
            manager = row.values.get("_manager")
            if manager is not None:
                manager_id = manager if manager > 0 else by_login.get(pending.get(manager))
                if manager_id and manager_id != by_login.get(row.values["login"]):
                    pairs.append((manager_id, by_login[row.values["login"]]))
        executemany(f'UPDATE "user" SET manager_id = {_mark()} WHERE id = {_mark()}', pairs)


def _mark() -> str:
    return db.obj.param


# -- customers and what hangs off them --------------------------------------------------------------------------


class Customers(Entity):
    name, model, audit_name = "customers", Customer, "customer"
    fields = (
        Field("name", text, required=True, aliases=("customer", "company", "account", "客户名称", "名称")),
        Field("tier", one_of(TIERS, "tier", str.upper), aliases=("level", "客户分层")),
        Field("phone", phone, aliases=("tel", "telephone", "mobile", "电话")),
        Field("email", email, aliases=("e-mail", "mail", "邮箱")),
        Field("industry", text, aliases=("sector", "行业")),
        Field("source", text, aliases=("来源",)),
        Field("address", text, aliases=("地址",)),
        Field("external_id", text, aliases=("external", "ext_id")),
        Field("territory", text, ref="territory", aliases=("region", "战区")),
        Field("owner", text, ref="user", aliases=("sales_agent", "负责人")),
        Field("tags", tags, aliases=("tag", "标签")),
        Field("created_at", when, aliases=("created",)),
        Field("last_followup_at", when),
        Field("next_followup_at", when),
    )
    keys = (
        Key("external id", lambda v: v.get("external_id"), lambda: Customer.external_id),
        Key("name", lambda v: normalize.exact(v["name"]), lambda: _folded(Customer.name)),
        Key("phone", lambda v: v.get("phone") and normalize.phone(v["phone"]), lambda: _phone_digits(Customer.phone)),
        Key("email", lambda v: v.get("email"), lambda: fn.LOWER(Customer.email)),
    )
    ignored = Entity.ignored + ("former_owner", "owned_at", "pooled_at", "locked")

    def prepare(self, ctx: Context, row: Row) -> None:
        values, actor = row.values, ctx.actor
        owner = values.get("owner")
        if owner is None and not actor.is_manager and actor.id is not None:
            owner = values["owner"] = actor.id  # a rep's import is theirs
        if owner is not None and not gives_to(actor, owner):
            raise Invalid(f"owner is outside {actor.login}'s team")
        if "territory" not in values:
            territory = self._territory_of(ctx, owner) or actor.territory_id
            if territory is None:
                raise Invalid("territory is empty and the owner has none (use --default territory=NAME)")
            values["territory"] = territory
        if not works_in(actor, values["territory"]):
            raise Invalid("territory is outside the acting user's territories")
        if owner is not None:
            values["owned_at"] = ctx.now
        else:
            values["pooled_at"] = ctx.now
        if values.get("last_followup_at") and values["last_followup_at"] > ctx.now:
            raise Invalid(f"last_followup_at {FUTURE}")

    def within_limits(self, ctx: Context, new: list[Row], existing: list[Row]) -> tuple[list[Row], list[Row]]:
        """The owned cap holds for an import as for a claim: a row that would take its owner past the cap of the
        customer's territory is rejected (the rows before it fill the room there is)."""
        current = self._current(existing) if "owner" in ctx.provided else {}
        gaining: dict[tuple[int, int], list[Row]] = {}
        for row in new + existing:
            owner = row.values.get("owner")
            if owner is None or (row.id is not None and current.get(row.id, (None,))[0] == owner):
                continue
            territory = row.values.get("territory") or current.get(row.id, (None, None))[1]
            gaining.setdefault((owner, territory), []).append(row)
        over: set[int] = set()
        for (owner, territory), rows in gaining.items():
            rules = rules_for(territory)
            room = max(0, rules.owned_cap - ownership.owned_count(owner, rules))
            for row in rows[room:]:
                ctx.reject(row, f"owner would own more than the cap of {rules.owned_cap} in their territory")
                over.add(id(row))
        return [r for r in new if id(r) not in over], [r for r in existing if id(r) not in over]

    @staticmethod
    def _current(rows: list[Row]) -> dict[int, tuple[int | None, int]]:
        """{customer id: (owner id, territory id)} of the existing customers ROWS update."""
        found: dict[int, tuple[int | None, int]] = {}
        for start in range(0, len(rows), 500):
            ids = [row.id for row in rows[start : start + 500]]
            query = Customer.select(Customer.id, Customer.owner, Customer.territory).where(Customer.id.in_(ids))
            found.update((cid, (owner, territory)) for cid, owner, territory in query.tuples())
        return found

    def _territory_of(self, ctx: Context, user_id: int | None) -> int | None:
        if user_id is None:
            return None
        if "user_territories" not in ctx.lookups:
            ctx.lookups["user_territories"] = dict(User.select(User.id, User.territory).tuples())
        return ctx.lookups["user_territories"].get(user_id)

    def customers_of(self, rows: list[Row]) -> dict[int, int]:
        return {row.id: row.id for row in rows}

    def updatable(self, ctx: Context) -> set[str]:
        return ctx.provided - {"created_at"}

    def insert(self, ctx: Context, rows: list[Row]) -> list[int]:
        """New customers and their search keys; a big load with the search index's sync off, and it rebuilt once
        after (when the table's own indexes are back, so the statistics made then cover them)."""
        with search.bulk_loading() if _big_load(Customer, len(rows), SEARCH_REBUILD_SHARE) else nullcontext():
            ids = super().insert(ctx, rows)
            search.write_keys((i, _search_key(row.values)) for row, i in zip(rows, ids))
        return ids

    def after_insert(self, ctx: Context, rows: list[Row], ids: list[int]) -> None:
        """The tags, and an ownership event for each owned customer (of these ids: on PostgreSQL another writer's
        customers may have ids between them), through the raw cursor."""
        tags = [(i, tag) for row, i in zip(rows, ids) for tag in row.values.get("tags", ())]
        write_rows(CustomerTag._meta.table_name, ["customer_id", "tag"], tags)
        reason = f"import by {ctx.actor.login or 'system'}"
        owned = [
            (i, None, row.values["owner"], reason) for row, i in zip(rows, ids) if row.values.get("owner") is not None
        ]
        ownership.log(ctx.actor, "import", owned, ctx.now, audited=False)  # each row's import is audited apart

    def after_update(self, ctx: Context, changed: list[tuple[Row, dict]]) -> None:
        moved = [
            (row.id, old["owner"], row.values["owner"], "owner set by import")
            for row, old in changed
            if "owner" in row.values and row.values["owner"] != old["owner"]
        ]
        ownership.log(ctx.actor, "import", moved, ctx.now, audited=False)
        tagged = [(row.id, tag) for row, _ in changed for tag in row.values.get("tags", ())]
        for customer_id, tag in tagged:
            CustomerTag.insert(customer=customer_id, tag=tag).on_conflict_ignore().execute()
        search.save_keys(
            (row.id, _search_key({**old, **row.values})) for row, old in changed if SEARCHED & row.values.keys()
        )


SEARCHED = {"name", "phone", "email"}  # what a customer's search key is made of


def _search_key(values: dict[str, Any]) -> str:
    """A customer's search key, made as it is written (not kept for the whole file), as `customer add` makes it."""
    return search.customer_key(values["name"], values.get("phone"), values.get("email"))


def _writable_ids(actor: Actor, ids: list[int]) -> set[int]:
    allowed: set[int] = set()
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        allowed.update(
            i for (i,) in Customer.select(Customer.id).where(Customer.id.in_(batch), writable_customers(actor)).tuples()
        )
    return allowed


CustomerRef = Field("customer", text, required=True, ref="customer", aliases=("account", "company", "客户"))


class Contacts(Entity):
    name, model, audit_name = "contacts", Contact, "contact"
    fields = (
        CustomerRef,
        Field("name", text, required=True, aliases=("contact", "姓名", "联系人")),
        Field("title", text, aliases=("job_title", "position", "职位")),
        Field("phone", phone, aliases=("tel", "mobile", "电话", "手机")),
        Field("email", email, aliases=("mail", "邮箱")),
        Field("wechat", text, aliases=("微信",)),
        Field("birthday", day, aliases=("生日",)),
        Field("created_at", when),
    )
    keys = (
        Key(
            "name",
            lambda v: f"{v['customer']}|{normalize.exact(v['name'])}",
            lambda: _pair(Contact.customer, _folded(Contact.name)),
        ),
        Key(
            "phone",
            lambda v: v.get("phone") and f"{v['customer']}|{normalize.phone(v['phone'])}",
            lambda: _pair(Contact.customer, _phone_digits(Contact.phone)),
        ),
        Key(
            "email",
            lambda v: v.get("email") and f"{v['customer']}|{v['email']}",
            lambda: _pair(Contact.customer, fn.LOWER(Contact.email)),
        ),
    )


class Products(Entity):
    name, model, audit_name = "products", Product, "product"
    fields = (
        Field("code", text, required=True, aliases=("sku", "product_code", "编码")),
        Field("name", text, required=True, aliases=("product", "product_name", "名称")),
        Field("unit", text, aliases=("单位",)),
        Field("unit_price", money, aliases=("price", "sales_price", "list_price", "单价")),
        Field("active", yes_no),
    )
    keys = (
        Key("code", lambda v: v["code"], lambda: Product.code),
        Key("name", lambda v: normalize.exact(v["name"]), lambda: _folded(Product.name)),
    )

    def permit(self, actor: Actor) -> None:
        require_manager(actor, "import products")

    def derivable(self, field: str, provided: set[str]) -> bool:
        return field == "code" and "name" in provided

    def prepare(self, ctx: Context, row: Row) -> None:
        row.values.setdefault("code", row.values["name"])


class Deals(Entity):
    name, model, audit_name = "deals", Deal, "deal"
    fields = (
        Field("external_id", text, aliases=("opportunity_id", "deal_id", "id_external")),
        Field("title", text, aliases=("name", "deal", "商机")),
        CustomerRef,
        Field("product", text, ref="product"),
        Field("pipeline", text, ref="pipeline"),
        Field("stage", text, ref="stage", aliases=("deal_stage", "阶段"), scope="pipeline"),
        Field("amount", money, aliases=("value", "close_value", "金额")),
        Field("owner", text, ref="user", aliases=("sales_agent", "负责人")),
        Field("expected_close", day),
        Field("created_at", when, aliases=("created", "engage_date")),
        Field("closed_at", when, aliases=("close_date", "closed")),
        Field("lost_reason", text),
    )
    keys = (
        Key("external id", lambda v: v.get("external_id"), lambda: Deal.external_id),
        Key(
            "customer and title",
            lambda v: None if v.get("external_id") else f"{v['customer']}|{normalize.exact(v['title'])}",
            lambda: _pair(Deal.customer, _folded(Deal.title)),
        ),
    )
    ignored = Entity.ignored + ("stage_entered_at",)

    def prepare(self, ctx: Context, row: Row) -> None:
        values = row.values
        values.setdefault("pipeline", self._default_pipeline(ctx))
        stages = self._stages(ctx, values["pipeline"])
        values.setdefault("stage", stages[0][0])
        kind = next((k for s, k in stages if s == values["stage"]), None)
        if kind is None:
            raise Invalid("stage is not a stage of the deal's pipeline")
        if "title" not in values:
            product = values.get("product")
            values["title"] = ctx.lookups["product"].names[product] if product else "Deal"
        if "created_at" not in values:
            ctx.report.tally["created_at empty, set to the time of the import"] += 1
            values["created_at"] = ctx.now
        closed = values.get("closed_at")
        if kind == "open" and closed is not None:
            raise Invalid(f"closed_at is set but stage {self._stage_name(ctx, values['stage'])!r} is open")
        if kind != "open" and closed is None:
            raise Invalid(f"closed_at is empty but the deal is {kind}")
        if closed is not None and closed < values["created_at"]:
            raise Invalid("closed_at is before created_at")
        values["stage_entered_at"] = closed or values["created_at"]
        if "owner" not in values and ctx.actor.id is not None:
            values["owner"] = ctx.actor.id

    def _default_pipeline(self, ctx: Context) -> int:
        if "default_pipeline" not in ctx.lookups:
            ctx.lookups["default_pipeline"] = references.default_pipeline()
        if ctx.lookups["default_pipeline"] is None:
            raise Invalid("there is no pipeline: run `crm init` first")
        return ctx.lookups["default_pipeline"]

    def _stages(self, ctx: Context, pipeline: int) -> list[tuple[int, str]]:
        """(stage id, kind) of a pipeline in order."""
        cache = ctx.lookups.setdefault("stage_kinds", {})
        if pipeline not in cache:
            query = Stage.select(Stage.id, Stage.kind).where(Stage.pipeline == pipeline).order_by(Stage.position)
            cache[pipeline] = list(query.tuples())
        return cache[pipeline]

    def _stage_name(self, ctx: Context, stage: int) -> str:
        return Stage.get_by_id(stage).name

    def after_insert(self, ctx: Context, rows: list[Row], ids: list[int]) -> None:
        """The stage history the dates tell: the deal entered its pipeline's first stage when created and, when
        it is won or lost (or created in a later stage), its current stage when closed (or created)."""
        history = []
        for row, deal_id in zip(rows, ids):
            values = row.values
            first = self._stages(ctx, values["pipeline"])[0][0]
            owner = values.get("owner")
            if values["stage"] == first:
                history.append((deal_id, None, first, values["created_at"], owner))
            elif values.get("closed_at") is None:
                history.append((deal_id, None, values["stage"], values["created_at"], owner))
            else:
                history.append((deal_id, None, first, values["created_at"], owner))
                history.append((deal_id, first, values["stage"], values["closed_at"], owner))
        marks = ", ".join([_mark()] * 5)
        executemany(
            f"INSERT INTO deal_stage_history (deal_id, from_stage_id, to_stage_id, at, by_id) VALUES ({marks})", history
        )

    def updatable(self, ctx: Context) -> set[str]:
        return ctx.provided - {"stage", "created_at", "closed_at"}  # stage moves belong to `crm deal move`


class Followups(Entity):
    name, model, audit_name = "followups", Followup, "followup"
    fields = (
        CustomerRef,
        Field("user", text, ref="user", aliases=("by", "owner", "跟进人")),
        Field("type", one_of(FOLLOWUP_TYPES, "follow-up type"), aliases=("kind", "方式")),
        Field("at", when, aliases=("date", "time", "when", "时间")),
        Field("note", note, aliases=("notes", "content", "内容")),
        Field("next_at", when, aliases=("next", "next_followup")),
        Field("created_at", when),
    )
    keys = (
        Key(
            "customer, user and time",
            lambda v: f"{v['customer']}|{v['user']}|{v['at']:%Y-%m-%d %H:%M:%S}",
            lambda: _pair(Followup.customer, _pair(Followup.user, Followup.at.cast("text"))),
        ),
    )

    def prepare(self, ctx: Context, row: Row) -> None:
        if "user" not in row.values:
            if ctx.actor.id is None:
                raise Invalid("user is empty")
            row.values["user"] = ctx.actor.id
        row.values.setdefault("at", ctx.now)
        check_times(row.values["at"], row.values.get("next_at"), ctx.now)

    def after_insert(self, ctx: Context, rows: list[Row], ids: list[int]) -> None:
        """Customers' last and next follow-up times follow the imported history (reclaim reads them)."""
        customers = list({row.values["customer"] for row in rows})
        for start in range(0, len(customers), 500):
            batch = customers[start : start + 500]
            latest = Followup.select(fn.MAX(Followup.at)).where(Followup.customer == Customer.id)
            Customer.update(last_followup_at=latest).where(Customer.id.in_(batch)).execute()


class Contracts(Entity):
    name, model, audit_name = "contracts", Contract, "contract"
    fields = (
        Field("number", text, required=True, aliases=("contract", "contract_no", "合同编号")),
        CustomerRef,
        Field("owner", text, ref="user", aliases=("负责人",)),
        Field("signed_on", day, aliases=("signed", "签约日期")),
        Field("start_on", day, aliases=("start",)),
        Field("end_on", day, aliases=("end", "到期日")),
        Field("amount", money, aliases=("value", "金额")),
        Field("status", one_of(CONTRACT_STATUSES, "contract status")),
        Field("created_at", when),
    )
    keys = (Key("number", lambda v: v["number"], lambda: Contract.number),)
    ignored = Entity.ignored + ("deal",)

    def prepare(self, ctx: Context, row: Row) -> None:
        values = row.values
        if values.get("start_on") and values.get("end_on") and values["end_on"] < values["start_on"]:
            raise Invalid("end_on is before start_on")


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Territories(),
        Users(),
        Customers(),
        Contacts(),
        Products(),
        Deals(),
        Followups(),
        Contracts(),
    )
}


def entity(name: str) -> Entity:
    key = name.strip().lower().replace("_", "-")
    key = {"follow-ups": "followups"}.get(key, key)
    if key not in ENTITIES and key + "s" in ENTITIES:
        key += "s"
    if key not in ENTITIES:
        raise BadInput(f"Cannot import {name!r}: choose one of {', '.join(ENTITIES)}.")
    return ENTITIES[key]
