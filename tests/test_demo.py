"""`crm demo`: deterministic, consistent demo data on both backends; refusals leave the database unchanged."""

from contextlib import contextmanager

import pytest
from conftest import _drop_pg_schema, _fresh_pg_schema, as_user, database_state
from peewee import JOIN, fn

from crmtui.store.customers.records import CustomerFilter, list_customers, search_customers
from crmtui.store.customers.search import customer_key
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.models import (
    Contact,
    Contract,
    ContractLine,
    Customer,
    CustomerSearchKey,
    CustomerTag,
    Deal,
    DealStageHistory,
    Followup,
    Instalment,
    OwnershipEvent,
    Payment,
    Stage,
    User,
)
from crmtui.store.kernel.values import TIERS

NOW = "2026-11-22T10:00"


@pytest.fixture
def pinned(monkeypatch):
    monkeypatch.setenv("CRM_NOW", NOW)


@pytest.fixture
def seeded(pinned, store):  # pinned first: the fixture's root is made at NOW too
    from crmtui.store.demo.seed import seed_demo

    return seed_demo(as_user("root"), customers=400, seed=7)


def _seed_elsewhere(url: str, customers: int, seed: int) -> dict:
    """The state of another fresh database (made as the store fixture makes one) after seeding it."""
    from crmtui.store.demo.seed import seed_demo
    from crmtui.store.platform.session import connect
    from crmtui.store.platform.setup import initialize

    db.obj.close()
    initialize(connect(url), "root")
    seed_demo(as_user("root"), customers=customers, seed=seed)
    return database_state()


@contextmanager
def _elsewhere(db_url: str, tmp_path):
    """The URL of another empty database on DB_URL's backend, dropped after."""
    if db_url.startswith("sqlite"):
        other, schema = f"sqlite:///{tmp_path / 'other.sqlite3'}", None
    else:
        schema, other = _fresh_pg_schema()
    try:
        yield other
    finally:
        db.obj.close()
        if schema:
            _drop_pg_schema(schema)


def test_same_seed_same_rows(seeded, db_url, tmp_path):
    first = database_state()
    with _elsewhere(db_url, tmp_path) as other:
        assert _seed_elsewhere(other, 400, 7) == first


def test_customers_made_in_chunks_give_the_same_rows(pinned, store, db_url, tmp_path, monkeypatch):
    """Customers are written a chunk at a time (their first contacts, follow-ups and tags made after each, the next
    chunk made meanwhile by another thread): every row and id is the one a single chunk gives."""
    from crmtui.store.demo import seed as demo

    demo.seed_demo(as_user("root"), customers=300, seed=7)
    whole = database_state()
    monkeypatch.setattr(demo, "CUSTOMER_CHUNK", 64)
    with _elsewhere(db_url, tmp_path) as other:
        assert _seed_elsewhere(other, 300, 7) == whole


def _schema() -> list[tuple]:
    """Every table, index, view and trigger with its definition (SQLite); every index's (PostgreSQL)."""
    if is_postgres():
        query = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        query = "SELECT type, name, tbl_name, sql FROM sqlite_master"
    return sorted(db.execute_sql(query).fetchall())


def _settings() -> dict:
    """The SQLite connection's settings that the load changes for itself."""
    names = ("cache_size", "temp_store", "threads", "synchronous", "foreign_keys", "journal_mode")
    return {} if is_postgres() else {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in names}


def test_seeding_keeps_the_schema_and_settings(pinned, store):
    """The load drops the big tables' indexes and the search triggers and changes SQLite's settings for itself:
    afterwards every index, view and trigger is there with its own definition, and the settings are back."""
    from crmtui.store.demo.seed import seed_demo

    schema, settings = _schema(), _settings()
    seed_demo(as_user("root"), customers=300, seed=2)
    assert _schema() == schema
    assert _settings() == settings


def test_a_failed_seed_leaves_the_database_as_it_was(pinned, store, monkeypatch):
    from crmtui.store.demo import seed as demo

    def fail(_seeder) -> None:  # once the customers and most tables are written, with the indexes dropped
        raise OSError("No space left on device")

    monkeypatch.setattr(demo._Seeder, "events", fail)
    state, schema, settings = database_state(), _schema(), _settings()
    with pytest.raises(OSError):
        demo.seed_demo(as_user("root"), customers=300, seed=2)
    assert database_state() == state
    assert _schema() == schema
    assert _settings() == settings


def test_search_keys_are_customer_key(seeded):
    keyed = Customer.select(Customer.name, Customer.phone, Customer.email, CustomerSearchKey.search_text).join(
        CustomerSearchKey, on=(CustomerSearchKey.customer == Customer.id)
    )
    rows = list(keyed.tuples())
    assert len(rows) == Customer.select().count() == 400
    assert all(key == customer_key(name, phone, email) for name, phone, email, key in rows)


def test_another_seed_other_rows(seeded, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("one backend is enough to see that the seed matters")
    names = database_state()["customer"]
    assert _seed_elsewhere(f"sqlite:///{tmp_path / 'other.sqlite3'}", 400, 8)["customer"] != names


def test_every_tier_stage_and_role(seeded):
    assert {t for (t,) in Customer.select(Customer.tier).distinct().tuples()} == set(TIERS)
    stages = {name for (name,) in Stage.select(Stage.name).join(Deal, on=(Deal.stage == Stage.id)).distinct().tuples()}
    assert stages == {"Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"}
    assert [s.stuck_days for s in Stage.select().where(Stage.kind == "open").order_by(Stage.position)] == [
        30,
        30,
        21,
        14,
    ]
    assert User.get(User.login == "admin").role == "admin"
    assert {u.role for u in User.select()} == {"admin", "manager", "rep"}
    assert Customer.select().count() == 400
    assert seeded.counts["customer"] == 400


def test_li_na_manages_east_and_sees_customers(seeded):
    li_na = User.get(User.login == "li.na")
    assert (li_na.role, li_na.display_name, li_na.territory.name) == ("manager", "李娜", "华东")
    rows = list_customers(as_user("li.na"), CustomerFilter(), limit=1000)
    assert rows and {r.territory for r in rows} == {"华东"}
    assert any(r.owner is None for r in rows) and any(r.owner for r in rows)


def test_pool_customers_with_former_owners_and_locks(seeded):
    pool = Customer.select().where(Customer.owner.is_null())
    assert 0.08 < pool.count() / 400 < 0.25
    assert pool.where(Customer.former_owner.is_null(False), Customer.pooled_at.is_null(False)).exists()
    assert Customer.select().where(Customer.locked, Customer.owner.is_null(False)).exists()
    # Every owned customer has an ownership event bringing it to its owner at owned_at.
    owned = Customer.select().where(Customer.owner.is_null(False))
    events = owned.join(
        OwnershipEvent,
        on=(
            (OwnershipEvent.customer == Customer.id)
            & (OwnershipEvent.to_user == Customer.owner)
            & (OwnershipEvent.at == Customer.owned_at)
        ),
    )
    assert events.count() == owned.count()


def test_followups_agree_with_customers(seeded):
    latest = (
        Followup.select(Followup.customer, fn.MAX(Followup.at).alias("last")).group_by(Followup.customer).alias("f")
    )
    query = Customer.select(Customer.last_followup_at, latest.c.last).join(
        latest, JOIN.LEFT_OUTER, on=(latest.c.customer_id == Customer.id)
    )
    pairs = [(str(last), str(found)) for last, found in query.tuples()]  # SQLite gives the aggregate as text
    assert all(last == found for last, found in pairs), [p for p in pairs if p[0] != p[1]][:3]
    assert Followup.select().count() >= 2 * 400
    assert {t for (t,) in Followup.select(Followup.type).distinct().tuples()} >= {"call", "visit", "wechat", "email"}
    # Some follow-ups are due today, some overdue.
    today = Customer.select().where(Customer.next_followup_at.between("2026-11-22 00:00", "2026-11-22 23:59:59"))
    overdue = Customer.select().where(Customer.next_followup_at < "2026-11-22 00:00")
    assert today.exists() and overdue.exists()


def test_instalments_paid_equal_payments(seeded):
    contracts = list(Contract.select())
    assert contracts
    paid = dict(Instalment.select(Instalment.contract, fn.SUM(Instalment.paid)).group_by(Instalment.contract).tuples())
    planned = dict(
        Instalment.select(Instalment.contract, fn.SUM(Instalment.amount)).group_by(Instalment.contract).tuples()
    )
    payments = dict(Payment.select(Payment.contract, fn.SUM(Payment.amount)).group_by(Payment.contract).tuples())
    lines = dict(
        ContractLine.select(ContractLine.contract, fn.SUM(ContractLine.total)).group_by(ContractLine.contract).tuples()
    )
    for contract in contracts:
        assert (paid[contract.id] or 0) == (payments.get(contract.id) or 0)
        assert (
            planned[contract.id] == lines[contract.id] == int(contract.amount * 100) == int(contract.deal.amount * 100)
        )
    assert Instalment.select().where(Instalment.paid > Instalment.amount).count() == 0
    states = {
        "paid": Instalment.paid == Instalment.amount,
        "partial": (Instalment.paid > 0) & (Instalment.paid < Instalment.amount),
        "overdue": (Instalment.paid < Instalment.amount) & (Instalment.due_on < "2026-11-22"),
    }
    for name, condition in states.items():
        assert Instalment.select().where(condition).exists(), name


def test_deal_history_matches_stage(seeded):
    for deal in Deal.select():
        history = list(DealStageHistory.select().where(DealStageHistory.deal == deal.id).order_by(DealStageHistory.at))
        assert history[0].from_stage_id is None
        assert [h.from_stage_id for h in history[1:]] == [h.to_stage_id for h in history[:-1]]
        assert (history[-1].to_stage_id, history[-1].at) == (deal.stage_id, deal.stage_entered_at)
        assert deal.created_at == history[0].at
        assert (deal.closed_at is not None) == (deal.stage.kind != "open")
    won = Deal.select().join(Stage).where(Stage.kind == "won")
    assert won.count() == Contract.select().count()
    stuck = Deal.select().join(Stage).where(Stage.kind == "open", Deal.stage_entered_at < "2026-10-23")
    assert stuck.exists()


def test_seeded_customers_are_searchable(seeded):
    name = Customer.select(Customer.name).where(Customer.name.endswith("有限公司")).order_by(Customer.id).scalar()
    found = search_customers(as_user("admin"), name, limit=50)
    assert name in [r.name for r in found]
    phone = Customer.select(Customer.phone).order_by(Customer.id).scalar()
    assert [r.phone for r in search_customers(as_user("admin"), phone)] == [phone]


def test_cli_refuses_a_full_database(cli, pinned):
    assert cli("demo", "--customers", "120").exit_code == 0
    before = database_state()
    result = cli("demo", "--customers", "50", user=None)
    assert result.exit_code == 5
    assert (
        result.stderr.strip()
        == "crm: The database holds data already: use --force to empty it and seed the demo again."
    )
    assert database_state() == before


def test_cli_if_empty_and_force(crm, pinned):
    first = crm("demo", "--if-empty", "--customers", "100", user=None, env={"CRM_NOW": NOW})
    assert first.exit_code == 0, first.stderr
    assert "Seeded 100 customers" in first.stderr
    before = database_state()
    again = crm("demo", "--if-empty", user=None, env={"CRM_NOW": NOW})
    assert (again.exit_code, again.stderr.strip()) == (0, "The database holds data already; the demo was not seeded.")
    assert database_state() == before
    rep = crm("demo", "--force", "--customers", "80", user="li.na", env={"CRM_NOW": NOW})
    assert rep.exit_code == 4 and database_state() == before
    forced = crm("demo", "--force", "--customers", "80", "--seed", "3", user="admin", env={"CRM_NOW": NOW})
    assert forced.exit_code == 0, forced.stderr
    assert Customer.select().count() == 80
    assert not User.select().where(User.login == "root").exists()  # --force empties every table but settings
    listed = crm("customer", "list", "--limit", "5", "--format", "csv", user="li.na", env={"CRM_NOW": NOW})
    assert listed.exit_code == 0 and len(listed.stdout.strip().splitlines()) == 6


def test_nothing_happened_in_the_future(seeded):
    from crmtui.store.kernel.clock import parse_when

    now = parse_when(NOW)
    for column in (
        Customer.created_at,
        Customer.updated_at,
        Customer.owned_at,
        Customer.pooled_at,
        Customer.last_followup_at,
        Followup.at,
        OwnershipEvent.at,
        DealStageHistory.at,
        Deal.closed_at,
    ):
        latest = column.model.select(fn.MAX(column)).scalar()
        assert latest is None or str(latest) <= str(now), column


def test_owned_customers_keep_to_the_pool_rules(cli, pinned):
    """As a team reclaiming daily leaves it: `crm reclaim --dry-run` takes nothing back right after the demo, while
    a few customers come within the warning days, so some rep's `crm pool warn` (and agenda) lists them."""
    assert cli("demo", "--customers", "600", "--seed", "5").exit_code == 0
    dry = cli("reclaim", "--dry-run", user="admin")
    assert dry.exit_code == 0 and "Would reclaim 0 customers." in dry.stderr, dry.stderr
    before = database_state()
    warned = {}
    for (login,) in User.select(User.login).where(User.role == "rep").order_by(User.login).tuples():
        listed = cli("pool", "warn", "--format", "csv", user=login)
        assert listed.exit_code == 0, listed.stderr
        if rows := listed.stdout.strip().splitlines()[1:]:
            warned[login] = rows
    assert warned, "no rep is warned of a coming reclaim"
    owned = Customer.select().where(Customer.owner.is_null(False)).count()
    assert 0.005 < sum(map(len, warned.values())) / owned < 0.04
    assert database_state() == before


def test_database_made_tables_agree_with_customers(seeded):
    # A follow-up's contact is one of its customer's, by the owner or else the former owner.
    stray = (
        Followup.select()
        .join(Contact, on=(Contact.id == Followup.contact))
        .join(Customer, on=(Customer.id == Followup.customer))
        .where(
            (Contact.customer != Followup.customer)
            | (Followup.user != fn.COALESCE(Customer.owner, Customer.former_owner))
        )
    )
    assert Followup.select().where(Followup.contact.is_null()).count() == 0 and stray.count() == 0
    assert 1.3 < Contact.select().count() / 400 < 2.2
    assert Contact.select().where(Contact.birthday.is_null(False)).exists()
    # Each pool customer with a former owner went back at pooled_at, reclaimed by its tier's rule or released.
    went_back = Customer.select().where(Customer.owner.is_null(), Customer.former_owner.is_null(False))
    events = went_back.join(
        OwnershipEvent,
        on=(
            (OwnershipEvent.customer == Customer.id)
            & (OwnershipEvent.from_user == Customer.former_owner)
            & (OwnershipEvent.at == Customer.pooled_at)
            & OwnershipEvent.kind.in_(["reclaim", "release"])
        ),
    )
    assert went_back.count() and events.count() == went_back.count()
    reasons = {
        r for (r,) in OwnershipEvent.select(OwnershipEvent.reason).where(OwnershipEvent.kind == "reclaim").tuples()
    }
    assert reasons and all(r.startswith("no follow-up for ") for r in reasons)
    tags = CustomerTag.select(CustomerTag.customer).distinct().count()
    assert 0.25 < tags / 400 < 0.55
