"""Many rows in and out through the raw cursor, with no per-row ORM work: rows written by executemany on SQLite
and COPY on PostgreSQL, with their new ids; rows streamed out in constant memory (a server-side cursor on
PostgreSQL); keys looked up through a temporary table (one join per kind of key, never a query per row); and, for a
big load on SQLite, a table's indexes built once after its rows are in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from peewee import Expression, Model, Select, Table

from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.models import to_cents

KEYS_TABLE = "crm_import_keys"
KEYS = Table(KEYS_TABLE, ("k",))


def _param() -> str:
    return db.obj.param


def executemany(sql: str, rows: Iterable[Sequence]) -> None:
    """One statement for many rows; ROWS may be a generator, consumed in bounded batches."""
    cursor = db.cursor()
    iterator = iter(rows)
    while batch := list(islice(iterator, 50_000)):
        cursor.executemany(sql, batch)


def write_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Append ROWS to TABLE: COPY on PostgreSQL (several times faster than executemany's statement per row),
    executemany on SQLite."""
    names = ", ".join(f'"{c}"' for c in columns)
    if is_postgres():
        with db.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        executemany(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([_param()] * len(columns))})', rows)


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence], count: int) -> list[int]:
    """Insert the COUNT ROWS (database values, in COLUMNS order; may be a generator) and return their new ids in
    the same order.

    PostgreSQL: the ids are drawn from the table's sequence first and written with the rows, so concurrent writers
    cannot mix in. SQLite: the import's transaction holds the write lock, so the ids above the largest one before
    the insert are ours, in order."""
    if not count:
        return []
    table = model._meta.table_name
    if is_postgres():
        reserve = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
        ids = [i for (i,) in db.execute_sql(reserve, (f'"{table}"', count))]
        write_rows(table, ["id", *columns], ((i, *row) for i, row in zip(ids, rows)))
        return ids
    (before,) = db.execute_sql(f'SELECT max(id) FROM "{table}"').fetchone()
    write_rows(table, columns, rows)
    return [i for (i,) in db.execute_sql(f'SELECT id FROM "{table}" WHERE id > {_param()} ORDER BY id', (before or 0,))]


@contextmanager
def indexes_rebuilt(*tables: str, unique: bool = False) -> Iterator[None]:
    """SQLite: TABLES' secondary indexes (not unique ones, which the rows must still meet, unless UNIQUE: rows
    known to be unique, as the demo's) dropped while a big load writes its rows, then made again from their own
    SQL: building an index once from sorted keys costs a fraction of growing it row by row. In the caller's
    transaction, so a failure leaves them as they were. PostgreSQL keeps them: dropping one there locks every
    reader out of the table until the commit."""
    if is_postgres():
        yield
        return
    found = [
        index
        for table in tables
        for index in db.execute_sql(
            "SELECT i.name, m.sql FROM pragma_index_list(?) AS i JOIN sqlite_master AS m ON m.name = i.name "
            "WHERE i.origin = 'c' AND (? OR NOT i.\"unique\") AND m.sql IS NOT NULL",
            (table, unique),
        ).fetchall()
    ]
    for name, _ in found:
        db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in found:
        db.execute_sql(sql)


class KeyTable:
    """A temporary table of the keys an import brings, joined against a table to find what already exists."""

    def __enter__(self) -> KeyTable:
        db.execute_sql(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
        db.execute_sql(f"CREATE TEMPORARY TABLE {KEYS_TABLE} (k TEXT NOT NULL)")
        db.execute_sql(f"CREATE INDEX {KEYS_TABLE}_k ON {KEYS_TABLE} (k)")
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:  # after a failure the transaction's rollback takes the table (PostgreSQL would refuse)
            db.execute_sql(f"DROP TABLE IF EXISTS {KEYS_TABLE}")

    def load(self, keys: Iterable[str]) -> int:
        """Fill the table with KEYS (distinct, non-empty), replacing what it held; returns how many."""
        distinct = [(k,) for k in dict.fromkeys(k for k in keys if k)]
        db.execute_sql(f"DELETE FROM {KEYS_TABLE}")
        write_rows(KEYS_TABLE, ["k"], distinct)
        return len(distinct)

    def existing(self, model: type[Model], expression: Expression, keys: Iterable[str], scope=None) -> dict[str, int]:
        """{key: id} of the rows of MODEL whose EXPRESSION equals one of KEYS (the lowest id when several do)."""
        if not self.load(keys):
            return {}
        query = model.select(expression, model.id).join_from(model, KEYS, on=(expression == KEYS.k))
        if scope is not None:
            query = query.where(scope)
        return dict(query.order_by(model.id.desc()).tuples())  # the lowest id wins


PG_FETCH = 5000  # rows per round trip of the server-side cursor


def stream(query: Select) -> Iterator[tuple]:
    """QUERY's rows as plain tuples straight from the driver, in constant memory (no per-row peewee work)."""
    sql, params = query.sql()
    if not is_postgres():
        return iter(db.execute_sql(sql, params))
    return _server_side(sql, params)


def _server_side(sql: str, params) -> Iterator[tuple]:
    """PostgreSQL sends a whole result at once to a plain cursor; a named (server-side) cursor streams it."""
    with db.atomic():
        cursor = db.connection().cursor(name="crm_export")
        cursor.itersize = PG_FETCH
        try:
            cursor.execute(sql, params)
            yield from cursor
        finally:
            cursor.close()


def db_value(value):
    """VALUE as the raw cursor writes it: money as cents, and on SQLite times and dates as the text peewee stores."""
    if isinstance(value, Decimal):
        return to_cents(value)
    if isinstance(value, (datetime, date)) and not is_postgres():
        return str(value)
    return value
