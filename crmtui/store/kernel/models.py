"""The tables. Money is integer cents (never a float); times are naive UTC; deletes are soft (deleted_at)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from crmtui.store.kernel.clock import now
from crmtui.store.kernel.db import db
from crmtui.store.kernel.values import CENT


def to_cents(amount: Decimal | int | str) -> int:
    return int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(CENT)


class MoneyField(BigIntegerField):
    """A Decimal amount stored exactly as integer cents."""

    def db_value(self, value):
        return None if value is None else to_cents(value)

    def python_value(self, value):
        return from_cents(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Territory(BaseModel):
    name = CharField(unique=True)
    created_at = DateTimeField(default=now)


class User(BaseModel):
    login = CharField(unique=True)
    display_name = CharField()
    role = CharField(default="rep")
    manager = ForeignKeyField("self", null=True, backref="reports", on_delete="SET NULL")
    territory = ForeignKeyField(Territory, null=True, backref="users")
    active = BooleanField(default=True)
    email = CharField(null=True)
    created_at = DateTimeField(default=now)


class PoolRules(BaseModel):
    """A territory's pool rules; tier rules live in TierRule."""

    territory = ForeignKeyField(Territory, unique=True, backref="rules")
    claim_limit = IntegerField(default=20)
    owned_cap = IntegerField(default=300)
    cap_counts_won = BooleanField(default=True)
    cooldown_days = IntegerField(default=7)
    warn_days = IntegerField(default=3)
    keep_won = BooleanField(default=True)
    round_robin_last = ForeignKeyField(User, null=True, on_delete="SET NULL")


class TierRule(BaseModel):
    territory = ForeignKeyField(Territory, backref="tier_rules")
    tier = CharField(max_length=1)
    no_followup_days = IntegerField(null=True)
    no_deal_days = IntegerField(null=True)

    class Meta:
        indexes = ((("territory", "tier"), True),)


class Customer(BaseModel):
    name = CharField(index=True)  # lists page in name order: LIMIT 20 walks this index instead of sorting
    tier = CharField(max_length=1, default="C")
    phone = CharField(null=True)
    email = CharField(null=True)
    industry = CharField(null=True)
    source = CharField(null=True)
    address = CharField(null=True)
    external_id = CharField(null=True)  # indexed where set (0010)
    territory = ForeignKeyField(Territory, backref="customers")
    # The one index holding the owner: every reclaim UPDATE pays for each such index.
    owner = ForeignKeyField(User, null=True, backref="customers", index=False)
    former_owner = ForeignKeyField(User, null=True, index=False)
    owned_at = DateTimeField(null=True)
    pooled_at = DateTimeField(null=True)
    last_followup_at = DateTimeField(null=True)
    next_followup_at = DateTimeField(null=True, index=True)
    locked = BooleanField(default=False)
    created_at = DateTimeField(default=now)
    updated_at = DateTimeField(default=now)
    deleted_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("owner", "territory"), False),)


# Only imported customers carry an external id: an index of the others would only cost every rewrite of a row.
Customer.add_index(Customer.external_id, where=Customer.external_id.is_null(False), name="customer_external_id")
# The soft-deleted customers by territory (0006): the pool report subtracts them from counts made on the index.
Customer.add_index(Customer.territory, where=Customer.deleted_at.is_null(False), name="customer_deleted_territory_id")


class CustomerSearchKey(BaseModel):
    """A customer's search text (search.customer_key: name, pinyin, phone digits, email), in a table of its own
    (0009): on PostgreSQL every UPDATE of a customer row writes a new entry into each of its indexes, and the
    trigram index takes dozens of entries per key, so ownership moves (assign, reclaim, claim) and follow-ups
    stay off it only if the key lives apart."""

    customer = ForeignKeyField(Customer, primary_key=True, backref="search_key", on_delete="CASCADE")
    search_text = TextField(default="")


class CustomerTag(BaseModel):
    customer = ForeignKeyField(Customer, backref="tag_rows", on_delete="CASCADE", index=False)
    tag = CharField()

    class Meta:
        indexes = ((("customer", "tag"), True), (("tag",), False))


class Contact(BaseModel):
    customer = ForeignKeyField(Customer, backref="contacts")
    name = CharField()
    title = CharField(null=True)
    phone = CharField(null=True)
    email = CharField(null=True)
    wechat = CharField(null=True)
    birthday = DateField(null=True)
    created_at = DateTimeField(default=now)
    deleted_at = DateTimeField(null=True)


class Followup(BaseModel):
    customer = ForeignKeyField(Customer, backref="followups", index=False)
    contact = ForeignKeyField(Contact, null=True, backref="followups")
    user = ForeignKeyField(User, backref="followups", index=False)
    type = CharField(default="call")
    at = DateTimeField(default=now)  # `followup list` pages newest first through the (at, user, type, customer) index
    note = TextField(default="")
    next_at = DateTimeField(null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        # the last one: reports count a period's follow-ups per rep, type and customer from the index alone (0006)
        indexes = ((("customer", "at"), False), (("user", "at"), False), (("at", "user", "type", "customer"), False))


class Pipeline(BaseModel):
    name = CharField(unique=True)
    is_default = BooleanField(default=False)


class Stage(BaseModel):
    pipeline = ForeignKeyField(Pipeline, backref="stages")
    name = CharField()
    position = IntegerField()
    probability = IntegerField(default=0)  # percent
    kind = CharField(default="open")
    stuck_days = IntegerField(null=True)

    class Meta:
        indexes = ((("pipeline", "name"), True),)


class Deal(BaseModel):
    customer = ForeignKeyField(Customer, backref="deals")
    pipeline = ForeignKeyField(Pipeline)
    stage = ForeignKeyField(Stage)
    title = CharField()
    amount = MoneyField(default=0)
    expected_close = DateField(null=True)
    owner = ForeignKeyField(User, null=True, backref="deals")
    external_id = CharField(null=True, index=True)
    created_at = DateTimeField(default=now)
    stage_entered_at = DateTimeField(default=now)
    closed_at = DateTimeField(null=True)
    lost_reason = CharField(null=True)
    deleted_at = DateTimeField(null=True)


class DealStageHistory(BaseModel):
    deal = ForeignKeyField(Deal, backref="history", on_delete="CASCADE")
    from_stage = ForeignKeyField(Stage, null=True)
    to_stage = ForeignKeyField(Stage)
    at = DateTimeField(default=now)
    by = ForeignKeyField(User, null=True)


class Product(BaseModel):
    code = CharField(unique=True)
    name = CharField()
    unit = CharField(default="unit")
    unit_price = MoneyField(default=0)
    active = BooleanField(default=True)


class Quote(BaseModel):
    number = CharField(unique=True)
    customer = ForeignKeyField(Customer, backref="quotes")
    deal = ForeignKeyField(Deal, null=True, backref="quotes")
    status = CharField(default="draft")
    valid_until = DateField(null=True)
    total = MoneyField(default=0)
    created_by = ForeignKeyField(User, null=True)
    created_at = DateTimeField(default=now)


class QuoteLine(BaseModel):
    quote = ForeignKeyField(Quote, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product)
    quantity = CharField()  # a decimal, as text so it stays exact on every backend
    unit_price = MoneyField()
    discount_bp = IntegerField(default=0)  # discount in basis points (1250 = 12.5 %)
    total = MoneyField()


class Contract(BaseModel):
    number = CharField(unique=True)
    customer = ForeignKeyField(Customer, backref="contracts")
    deal = ForeignKeyField(Deal, null=True, backref="contracts")
    quote = ForeignKeyField(Quote, null=True)
    owner = ForeignKeyField(User, null=True)
    signed_on = DateField(null=True)
    start_on = DateField(null=True)
    end_on = DateField(null=True, index=True)
    amount = MoneyField(default=0)
    status = CharField(default="active")
    created_at = DateTimeField(default=now)
    deleted_at = DateTimeField(null=True)


class ContractLine(BaseModel):
    contract = ForeignKeyField(Contract, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product)
    quantity = CharField()
    unit_price = MoneyField()
    discount_bp = IntegerField(default=0)
    total = MoneyField()


class Instalment(BaseModel):
    contract = ForeignKeyField(Contract, backref="instalments", on_delete="CASCADE")
    seq = IntegerField()
    due_on = DateField(index=True)
    amount = MoneyField()
    paid = MoneyField(default=0)


class Payment(BaseModel):
    contract = ForeignKeyField(Contract, backref="payments")
    amount = MoneyField()
    paid_on = DateField()
    by = ForeignKeyField(User, null=True)
    note = CharField(null=True)
    created_at = DateTimeField(default=now)


class Invoice(BaseModel):
    number = CharField(unique=True)
    contract = ForeignKeyField(Contract, backref="invoices")
    amount = MoneyField()
    issued_on = DateField()
    type = CharField(default="normal")
    buyer_tax_id = CharField(null=True)
    created_at = DateTimeField(default=now)


class Ticket(BaseModel):
    subject = CharField()
    customer = ForeignKeyField(Customer, backref="tickets")
    contact = ForeignKeyField(Contact, null=True)
    priority = CharField(default="normal")
    status = CharField(default="open")
    assignee = ForeignKeyField(User, null=True)
    due_by = DateTimeField(null=True)
    created_at = DateTimeField(default=now)
    resolved_at = DateTimeField(null=True)


class Visit(BaseModel):
    """A return visit (回访) after a sale."""

    customer = ForeignKeyField(Customer, backref="visits")
    on = DateField()
    satisfaction = IntegerField()
    note = TextField(default="")
    by = ForeignKeyField(User, null=True)
    created_at = DateTimeField(default=now)

    class Meta:
        indexes = ((("on", "id"), False),)  # `visit list` pages newest first (migration 0005)


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = CharField()


class AuditLog(BaseModel):
    actor = CharField(null=True)
    at = DateTimeField(default=now)
    entity = CharField()
    entity_id = BigIntegerField(null=True)
    action = CharField()
    changes = TextField(default="{}")  # JSON: {"field": [old, new]}

    class Meta:
        indexes = ((("entity", "entity_id"), False),)


class OwnershipEvent(BaseModel):
    customer = ForeignKeyField(Customer, backref="ownership_events", index=False)
    from_user = ForeignKeyField(User, null=True, index=False)
    to_user = ForeignKeyField(User, null=True, index=False)
    kind = CharField()
    reason = CharField(null=True)
    at = DateTimeField(default=now)
    by = ForeignKeyField(User, null=True, index=False)

    class Meta:
        indexes = ((("customer", "at"), False), (("to_user", "kind", "at"), False), (("kind", "at"), False))


ALL_MODELS = [
    Territory,
    User,
    PoolRules,
    TierRule,
    Customer,
    CustomerSearchKey,
    CustomerTag,
    Contact,
    Followup,
    Pipeline,
    Stage,
    Deal,
    DealStageHistory,
    Product,
    Quote,
    QuoteLine,
    Contract,
    ContractLine,
    Instalment,
    Payment,
    Invoice,
    Ticket,
    Visit,
    Setting,
    AuditLog,
    OwnershipEvent,
]
