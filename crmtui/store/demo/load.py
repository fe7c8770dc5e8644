"""How the demo's load runs on each backend: SQLite's fast settings for the load only, the big tables' indexes
suspended and rebuilt once, every table emptied for --force, and PostgreSQL's sequences moved past the ids
written explicitly."""

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from peewee import AutoField, OperationalError

from crmtui.store.kernel.bulk import indexes_rebuilt
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.models import ALL_MODELS, Setting

BULK_TABLES = ("customer", "contact", "followup", "customer_tag", "ownership_event", "deal", "deal_stage_history")
BULK_PRAGMAS = {"cache_size": -1_000_000, "threads": 2, "temp_store": 1, "synchronous": 0}  # SQLite, the load only
SORTER_CACHE = -16_000  # SQLite's page cache (KiB) while the indexes are built: the size of the sorter's runs


@contextmanager
def fast_sqlite() -> Iterator[None]:
    """SQLite, for the load only, all restored after: foreign keys unchecked (the demo writes ids it made itself,
    parents first), a big page cache, sorter threads for the index builds with their runs in temporary files
    (SQLite sorts on one thread when temporary storage is in memory), no fsync, and a rollback journal instead of
    the WAL. No fsync risks the file only if the machine itself goes down while the load commits (a failed or
    killed load still rolls back), and the file holds no team data then: a full one is refused, --force empties
    it; a rerun of the demo recovers it. The WAL would take every new page twice (once into the log, once
    when it is checkpointed into the file); a rollback journal only keeps the pages that were there before, so a
    fresh file's load is written once and a failure still rolls back. When another connection holds the file the
    journal cannot change and the load simply runs in WAL. PRAGMA foreign_keys and journal_mode only change
    outside a transaction."""
    if is_postgres():
        yield
        return
    pragmas = {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in BULK_PRAGMAS}
    db.execute_sql("PRAGMA foreign_keys = OFF")
    for name, value in BULK_PRAGMAS.items():
        db.execute_sql(f"PRAGMA {name} = {value}")
    journal = _journal_mode("delete")
    try:
        yield
    finally:
        _journal_mode(journal)
        db.execute_sql("PRAGMA foreign_keys = ON")
        for name, value in pragmas.items():
            db.execute_sql(f"PRAGMA {name} = {value}")


def _journal_mode(mode: str) -> str:
    """Switch SQLite's journal to MODE when no other connection holds the file; returns the mode it had."""
    before = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
    if before != mode and db.obj.database != ":memory:":
        with suppress(OperationalError):  # busy: another connection has the file open; keep its journal
            db.execute_sql(f"PRAGMA journal_mode = {mode}")
    return before


@contextmanager
def indexes_suspended() -> Iterator[None]:
    """SQLite: the big tables' secondary indexes dropped while their rows are written, then made again from their
    own SQL (building an index once from sorted keys is several times cheaper than growing it row by row), with a
    small page cache: the sorter then sorts runs of that size on its worker threads while the main thread reads on
    (with the big one it sorts the whole index as one run on the main thread, half as fast). In the caller's
    transaction, so a failure leaves them as they were."""
    with indexes_rebuilt(*BULK_TABLES, unique=True):
        yield
        if not is_postgres():
            db.execute_sql(f"PRAGMA cache_size = {SORTER_CACHE}")
    if not is_postgres():
        db.execute_sql(f"PRAGMA cache_size = {BULK_PRAGMAS['cache_size']}")


def empty_tables() -> None:
    """Every table but the settings, children first (one transaction: the caller's)."""
    for model in reversed(ALL_MODELS):
        if model is not Setting:
            if is_postgres():
                db.execute_sql(f'TRUNCATE "{model._meta.table_name}" RESTART IDENTITY CASCADE')
            else:
                model.delete().execute()


def reset_sequences() -> None:
    """PostgreSQL: the ids were written explicitly; move each sequence past them."""
    for model in ALL_MODELS:
        sequence_from_largest(model)


def sequence_from_largest(model) -> None:
    """PostgreSQL: the next id MODEL's sequence hands out follows the largest id there (SQLite numbers so itself).
    A table keyed by a name or by its customer has no sequence."""
    if is_postgres() and isinstance(model._meta.primary_key, AutoField):
        table = model._meta.table_name
        largest = f'COALESCE((SELECT max(id) FROM "{table}"), 0)'
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {largest} + 1, false)")
