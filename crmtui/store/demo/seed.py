"""`crm demo`: a realistic, deterministic data set (customers, contacts, a year of follow-ups, deals, quotes,
contracts with instalments and payments, invoices, tickets and return visits) for trying crmtui and for the
benchmarks. The entry points, and the order the whole set is made in.

Deterministic: the same seed and the same day give the same rows. Dates are laid out around the local day the
demo runs (clock.local_today(), so CRM_NOW pins it), so the data always looks fresh: follow-ups due today and
overdue, stuck deals, instalments coming due.
Both at once, on two cores: customers are written a chunk at a time, and while the database makes a chunk's first
contacts, follow-ups and tags (the GIL let go), a worker thread makes the next chunk; it makes the deals and sales
while the later contacts and the events are inserted. The rows and their order are those of one thread.
The search index is suspended and rebuilt once (search.bulk_loading).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from time import perf_counter

from crmtui.store.customers.search import bulk_loading
from crmtui.store.demo.aftersales import AftersalesRows
from crmtui.store.demo.customers import CUSTOMER_COLUMNS, CustomerRows
from crmtui.store.demo.derived import CONTACTS_EACH, DerivedTables
from crmtui.store.demo.load import empty_tables, fast_sqlite, indexes_suspended, reset_sequences
from crmtui.store.demo.sales import SalesRows
from crmtui.store.demo.seeder import DemoResult, Progress, Write, next_id
from crmtui.store.demo.team import TeamSeeder
from crmtui.store.kernel.access import SYSTEM, Actor, require_admin
from crmtui.store.kernel.clock import day_start, local_today
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import (
    AuditLog,
    Contact,
    Contract,
    Customer,
    CustomerSearchKey,
    CustomerTag,
    Deal,
    Followup,
    Invoice,
    OwnershipEvent,
    Quote,
    Territory,
)
from crmtui.store.pool.reclaim import reclaim
from crmtui.store.sales.pipelines import ensure_default_pipeline

DEFAULT_CUSTOMERS = 2000
CUSTOMER_CHUNK = 50_000  # customers made and written at a time, each chunk's other tables made by the database


def has_data() -> bool:
    """Whether the database already holds a team's data (customers or territories); users alone (the admin that
    `crm init` made) do not count."""
    return Customer.select().exists() or Territory.select().exists()


def seed_demo(
    actor: Actor,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = 1,
    force: bool = False,
    progress: Progress | None = None,
) -> DemoResult:
    """Fill the database with CUSTOMERS demo customers and everything around them. A database holding data is
    refused unless FORCE, which first empties every table but the settings (in the same transaction)."""
    if customers < 1:
        raise BadInput("--customers takes a number, 1 or more.")
    if actor.id is not None:
        require_admin(actor, "seed demo data")
    started = perf_counter()
    if has_data() and not force:
        raise Refused("The database holds data already: use --force to empty it and seed the demo again.")
    result = DemoResult(seed, local_today())
    with fast_sqlite(), db.atomic(), bulk_loading():
        if force:  # inside the bulk load: on SQLite no index trigger runs per deleted customer
            empty_tables()
        ensure_default_pipeline()
        with indexes_suspended():
            _Seeder(customers, seed, result, progress or (lambda *_: None)).run()
        _reclaim_as_of_now(result)
    if is_postgres():
        reset_sequences()
    result.seconds = perf_counter() - started
    return result


def _reclaim_as_of_now(result: DemoResult) -> None:
    """The store's reclaim pass as of the seed moment (one set-based UPDATE, after the indexes are back), so no
    owned customer is past its tier's rule, as a team reclaiming daily leaves it; whatever it takes back gets
    its ownership event and audit row the usual way."""
    result.counts["reclaimed"] = reclaim(SYSTEM).total


class _Seeder(TeamSeeder, CustomerRows, DerivedTables, SalesRows, AftersalesRows):
    """The whole set: each area's seeder, run in the order below."""

    def run(self) -> None:
        self.team()
        self.catalogue()
        # The worker thread makes rows in Python while the database runs an INSERT ... SELECT here (sqlite3 and
        # psycopg let go of the GIL meanwhile), and only then: beside a busy Python thread, a write row by row
        # (executemany, COPY) would wait up to the 5 ms switch interval for the GIL after each row.
        with ThreadPoolExecutor(1) as worker:
            self.customers(worker)
            first = {model: next_id(model) for model in (Deal, Quote, Contract, Invoice)}
            sales = worker.submit(self.sales_rows, first)
            self.contacts(self.customer_ids, range(1, CONTACTS_EACH))
            self.events()
            writes = sales.result()
        for model, columns, rows in writes:
            self.write(model, columns, rows, len(rows))
        self.finished(Contact, Followup, CustomerTag, OwnershipEvent)
        AuditLog.insert(
            actor=None,
            at=day_start(self.today),
            entity="demo",
            entity_id=None,
            action="seed",
            changes=f'{{"customers": [null, {self.n}], "seed": [null, {self.seed}]}}',
        ).execute()

    def customers(self, worker: ThreadPoolExecutor) -> None:
        """Customers and their search keys, CUSTOMER_CHUNK at a time, each chunk followed by the rows the database
        makes from it (first contacts, follow-ups, tags) while the worker makes the next chunk."""
        self.cid0 = next_id(Customer)
        self.ct0 = next_id(Contact)  # a customer's first contact is ct0 + its index (see contacts)
        self.customer_ids = (self.cid0, self.cid0 + self.n - 1)
        chunks = self.customer_chunks(CUSTOMER_CHUNK)
        chunk = next(chunks, None)
        while chunk is not None:
            rows, keys = chunk
            self.write(Customer, CUSTOMER_COLUMNS, rows, self.n)
            self.write(CustomerSearchKey, ["customer_id", "search_text"], keys, self.n)
            coming = worker.submit(next, chunks, None)  # made while the database works on this chunk
            ids = (rows[0][0], rows[-1][0])
            self.contacts(ids, range(1))
            self.followups(ids)
            self.tags(ids)
            chunk = coming.result()

    def sales_rows(self, first: dict) -> list[Write]:
        """Deals, the sales behind them and after-sales, numbered from FIRST (model: id); the writes, in order."""
        return [*self.deals(first[Deal]), *self.sales(first), *self.aftersales()]


def describe(result: DemoResult) -> str:
    counts = result.counts
    return (
        f"Seeded {counts.get('customer', 0):,} customers, {counts.get('contact', 0):,} contacts, "
        f"{counts.get('followup', 0):,} follow-ups, {counts.get('deal', 0):,} deals, "
        f"{counts.get('contract', 0):,} contracts and {counts.get('payment', 0):,} payments "
        f"(seed {result.seed}, dates around {result.anchor}) in {result.seconds:.1f} s."
    )


__all__ = ["DemoResult", "describe", "has_data", "seed_demo"]
