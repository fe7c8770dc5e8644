"""The initial schema, generated once from the models and frozen: databases depend on it, never edit. Amounts are
BigIntegerFields, the cents a MoneyField stores (same column), so that it imports no live module of crmtui."""

from peewee import *


def up(migrator, db):
    class AuditLog(Model):
        actor = CharField(null=True)
        at = DateTimeField()
        entity = CharField()
        entity_id = BigIntegerField(null=True)
        action = CharField()
        changes = TextField(default="{}")

        class Meta:
            database = db
            table_name = "audit_log"
            indexes = ((("entity", "entity_id"), False),)

    db.create_tables([AuditLog])

    class Territory(Model):
        name = CharField(unique=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "territory"

    db.create_tables([Territory])

    class User(Model):
        login = CharField(unique=True)
        display_name = CharField()
        role = CharField(default="rep")
        manager = ForeignKeyField("self", null=True, on_delete="SET NULL")
        territory = ForeignKeyField(Territory, null=True)
        active = BooleanField(default=True)
        email = CharField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "user"

    db.create_tables([User])

    class Customer(Model):
        name = CharField(index=True)
        tier = CharField(max_length=1, default="C")
        phone = CharField(null=True)
        email = CharField(null=True)
        industry = CharField(null=True)
        source = CharField(null=True)
        address = CharField(null=True)
        external_id = CharField(index=True, null=True)
        territory = ForeignKeyField(Territory)
        owner = ForeignKeyField(User, null=True, index=False)
        former_owner = ForeignKeyField(User, null=True, index=False)
        owned_at = DateTimeField(null=True)
        pooled_at = DateTimeField(null=True)
        last_followup_at = DateTimeField(null=True)
        next_followup_at = DateTimeField(index=True, null=True)
        locked = BooleanField(default=False)
        search_text = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "customer"
            indexes = ((("owner", "territory"), False),)

    db.create_tables([Customer])

    class Contact(Model):
        customer = ForeignKeyField(Customer)
        name = CharField()
        title = CharField(null=True)
        phone = CharField(null=True)
        email = CharField(null=True)
        wechat = CharField(null=True)
        birthday = DateField(null=True)
        created_at = DateTimeField()
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "contact"

    db.create_tables([Contact])

    class Pipeline(Model):
        name = CharField(unique=True)
        is_default = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "pipeline"

    db.create_tables([Pipeline])

    class Stage(Model):
        pipeline = ForeignKeyField(Pipeline)
        name = CharField()
        position = IntegerField()
        probability = IntegerField(default=0)
        kind = CharField(default="open")
        stuck_days = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "stage"
            indexes = ((("pipeline", "name"), True),)

    db.create_tables([Stage])

    class Deal(Model):
        customer = ForeignKeyField(Customer)
        pipeline = ForeignKeyField(Pipeline)
        stage = ForeignKeyField(Stage)
        title = CharField()
        amount = BigIntegerField(default=0)
        expected_close = DateField(null=True)
        owner = ForeignKeyField(User, null=True)
        external_id = CharField(index=True, null=True)
        created_at = DateTimeField()
        stage_entered_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        lost_reason = CharField(null=True)
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "deal"

    db.create_tables([Deal])

    class Quote(Model):
        number = CharField(unique=True)
        customer = ForeignKeyField(Customer)
        deal = ForeignKeyField(Deal, null=True)
        status = CharField(default="draft")
        valid_until = DateField(null=True)
        total = BigIntegerField(default=0)
        created_by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "quote"

    db.create_tables([Quote])

    class Contract(Model):
        number = CharField(unique=True)
        customer = ForeignKeyField(Customer)
        deal = ForeignKeyField(Deal, null=True)
        quote = ForeignKeyField(Quote, null=True)
        owner = ForeignKeyField(User, null=True)
        signed_on = DateField(null=True)
        start_on = DateField(null=True)
        end_on = DateField(index=True, null=True)
        amount = BigIntegerField(default=0)
        status = CharField(default="active")
        created_at = DateTimeField()
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "contract"

    db.create_tables([Contract])

    class Product(Model):
        code = CharField(unique=True)
        name = CharField()
        unit = CharField(default="unit")
        unit_price = BigIntegerField(default=0)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "product"

    db.create_tables([Product])

    class ContractLine(Model):
        contract = ForeignKeyField(Contract, on_delete="CASCADE")
        product = ForeignKeyField(Product)
        quantity = CharField()
        unit_price = BigIntegerField()
        discount_bp = IntegerField(default=0)
        total = BigIntegerField()

        class Meta:
            database = db
            table_name = "contract_line"

    db.create_tables([ContractLine])

    class CustomerTag(Model):
        customer = ForeignKeyField(Customer, on_delete="CASCADE", index=False)
        tag = CharField()

        class Meta:
            database = db
            table_name = "customer_tag"
            indexes = ((("customer", "tag"), True), (("tag",), False))

    db.create_tables([CustomerTag])

    class DealStageHistory(Model):
        deal = ForeignKeyField(Deal, on_delete="CASCADE")
        from_stage = ForeignKeyField(Stage, null=True)
        to_stage = ForeignKeyField(Stage)
        at = DateTimeField()
        by = ForeignKeyField(User, null=True)

        class Meta:
            database = db
            table_name = "deal_stage_history"

    db.create_tables([DealStageHistory])

    class Followup(Model):
        customer = ForeignKeyField(Customer, index=False)
        contact = ForeignKeyField(Contact, null=True)
        user = ForeignKeyField(User, index=False)
        type = CharField(default="call")
        at = DateTimeField(index=True)
        note = TextField(default="")
        next_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "followup"
            indexes = ((("customer", "at"), False), (("user", "at"), False))

    db.create_tables([Followup])

    class Instalment(Model):
        contract = ForeignKeyField(Contract, on_delete="CASCADE")
        seq = IntegerField()
        due_on = DateField(index=True)
        amount = BigIntegerField()
        paid = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "instalment"

    db.create_tables([Instalment])

    class Invoice(Model):
        number = CharField(unique=True)
        contract = ForeignKeyField(Contract)
        amount = BigIntegerField()
        issued_on = DateField()
        type = CharField(default="normal")
        buyer_tax_id = CharField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "invoice"

    db.create_tables([Invoice])

    class OwnershipEvent(Model):
        customer = ForeignKeyField(Customer, index=False)
        from_user = ForeignKeyField(User, null=True, index=False)
        to_user = ForeignKeyField(User, null=True, index=False)
        kind = CharField()
        reason = CharField(null=True)
        at = DateTimeField()
        by = ForeignKeyField(User, null=True, index=False)

        class Meta:
            database = db
            table_name = "ownership_event"
            indexes = ((("customer", "at"), False), (("to_user", "kind", "at"), False), (("kind", "at"), False))

    db.create_tables([OwnershipEvent])

    class Payment(Model):
        contract = ForeignKeyField(Contract)
        amount = BigIntegerField()
        paid_on = DateField()
        by = ForeignKeyField(User, null=True)
        note = CharField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "payment"

    db.create_tables([Payment])

    class PoolRules(Model):
        territory = ForeignKeyField(Territory, unique=True)
        claim_limit = IntegerField(default=20)
        owned_cap = IntegerField(default=300)
        cap_counts_won = BooleanField(default=True)
        cooldown_days = IntegerField(default=7)
        warn_days = IntegerField(default=3)
        keep_won = BooleanField(default=True)
        round_robin_last = ForeignKeyField(User, null=True, on_delete="SET NULL")

        class Meta:
            database = db
            table_name = "pool_rules"

    db.create_tables([PoolRules])

    class QuoteLine(Model):
        quote = ForeignKeyField(Quote, on_delete="CASCADE")
        product = ForeignKeyField(Product)
        quantity = CharField()
        unit_price = BigIntegerField()
        discount_bp = IntegerField(default=0)
        total = BigIntegerField()

        class Meta:
            database = db
            table_name = "quote_line"

    db.create_tables([QuoteLine])

    class Setting(Model):
        key = CharField(primary_key=True)
        value = CharField()

        class Meta:
            database = db
            table_name = "setting"

    db.create_tables([Setting])

    class Ticket(Model):
        subject = CharField()
        customer = ForeignKeyField(Customer)
        contact = ForeignKeyField(Contact, null=True)
        priority = CharField(default="normal")
        status = CharField(default="open")
        assignee = ForeignKeyField(User, null=True)
        due_by = DateTimeField(null=True)
        created_at = DateTimeField()
        resolved_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "ticket"

    db.create_tables([Ticket])

    class TierRule(Model):
        territory = ForeignKeyField(Territory)
        tier = CharField(max_length=1)
        no_followup_days = IntegerField(null=True)
        no_deal_days = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "tier_rule"
            indexes = ((("territory", "tier"), True),)

    db.create_tables([TierRule])

    class Visit(Model):
        customer = ForeignKeyField(Customer)
        on = DateField()
        satisfaction = IntegerField()
        note = TextField(default="")
        by = ForeignKeyField(User, null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "visit"

    db.create_tables([Visit])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("visit"))
    migrator.migrate(migrator.drop_table("tier_rule"))
    migrator.migrate(migrator.drop_table("ticket"))
    migrator.migrate(migrator.drop_table("setting"))
    migrator.migrate(migrator.drop_table("quote_line"))
    migrator.migrate(migrator.drop_table("pool_rules"))
    migrator.migrate(migrator.drop_table("payment"))
    migrator.migrate(migrator.drop_table("ownership_event"))
    migrator.migrate(migrator.drop_table("invoice"))
    migrator.migrate(migrator.drop_table("instalment"))
    migrator.migrate(migrator.drop_table("followup"))
    migrator.migrate(migrator.drop_table("deal_stage_history"))
    migrator.migrate(migrator.drop_table("customer_tag"))
    migrator.migrate(migrator.drop_table("contract_line"))
    migrator.migrate(migrator.drop_table("product"))
    migrator.migrate(migrator.drop_table("contract"))
    migrator.migrate(migrator.drop_table("quote"))
    migrator.migrate(migrator.drop_table("deal"))
    migrator.migrate(migrator.drop_table("stage"))
    migrator.migrate(migrator.drop_table("pipeline"))
    migrator.migrate(migrator.drop_table("contact"))
    migrator.migrate(migrator.drop_table("customer"))
    migrator.migrate(migrator.drop_table("user"))
    migrator.migrate(migrator.drop_table("territory"))
    migrator.migrate(migrator.drop_table("audit_log"))
