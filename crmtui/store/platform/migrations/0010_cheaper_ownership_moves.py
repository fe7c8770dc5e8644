"""Ownership moves in bulk cost less (issue 3: `crm pool assign` of 100,000 customers ≤ 3 s on PostgreSQL too).

- customer(external_id) becomes a partial index of the customers that have one (imported with an id): on
  PostgreSQL every customer row an assignment or a reclaim rewrites added an entry to it, for most customers an
  entry for nothing. Lookups by an external id (import's duplicate check) still use it.
- On PostgreSQL, ownership_event loses its foreign-key constraints. It is history, like the audit log: written
  only by the store, in the statement that makes the change, from ids read in the same transaction; users are
  never deleted (only deactivated), and a purged customer's events are deleted first. PostgreSQL checks each key
  of each row with a trigger and a locking lookup: four per event, most of the time an assignment's events took
  (docs/PERFORMANCE.md). SQLite checks keys in process at a fraction of that, and can drop a constraint only
  by rebuilding the table: there they stay."""

from peewee import PostgresqlDatabase

EVENT_KEYS = ("customer_id", "from_user_id", "to_user_id", "by_id")


def up(migrator, db):
    db.execute_sql("DROP INDEX IF EXISTS customer_external_id")
    db.execute_sql("CREATE INDEX customer_external_id ON customer (external_id) WHERE external_id IS NOT NULL")
    if isinstance(db, PostgresqlDatabase):
        migrator.migrate(*[migrator.drop_foreign_key_constraint("ownership_event", key) for key in EVENT_KEYS])


def down(migrator, db):
    db.execute_sql("DROP INDEX IF EXISTS customer_external_id")
    db.execute_sql("CREATE INDEX customer_external_id ON customer (external_id)")
    if isinstance(db, PostgresqlDatabase):
        for key, table in zip(EVENT_KEYS, ("customer", "user", "user", "user")):
            migrator.migrate(migrator.add_foreign_key_constraint("ownership_event", key, table, "id"))
