"""Owner moves skip a per-row key check on PostgreSQL (issue 3: `crm pool assign` of 100,000 customers ≤ 3 s,
`crm reclaim` ≤ 1.5 s there too).

customer.owner_id and customer.former_owner_id lose their foreign-key constraints on PostgreSQL, as
ownership_event's did in 0010. PostgreSQL checks every changed key with a trigger and a locking lookup of the
user, one per customer moved: a large share of an assignment's UPDATE, and of a reclaim's (docs/PERFORMANCE.md).
The keys are written only by the store, from users read in the same transaction, and users are never deleted (only
deactivated). SQLite checks keys in process at a fraction of that, and can drop a constraint only by rebuilding the
table: there they stay."""

from peewee import PostgresqlDatabase

OWNER_KEYS = ("owner_id", "former_owner_id")


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        migrator.migrate(*[migrator.drop_foreign_key_constraint("customer", key) for key in OWNER_KEYS])


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        migrator.migrate(*[migrator.add_foreign_key_constraint("customer", key, "user", "id") for key in OWNER_KEYS])
