"""The search key moves out of the customer row into a table of its own, customer_search_key (models.
CustomerSearchKey): on PostgreSQL every update of a customer row (an assignment, a reclaim, a follow-up) wrote
dozens of entries into the trigram index of customer.search_text; an update now touches no search index on
either backend. The old index and column go, and every key is made afresh by search.rebuild_keys, which builds
the new index once (about 30 s per million customers)."""

from peewee import ForeignKeyField, Model, TextField

from crmtui.store.customers import search


def _tables(db):
    # Frozen here, as this migration made them (the models may change later).
    class Customer(Model):
        class Meta:
            database = db
            table_name = "customer"

    class CustomerSearchKey(Model):
        customer = ForeignKeyField(Customer, primary_key=True, on_delete="CASCADE")
        search_text = TextField(default="")

        class Meta:
            database = db
            table_name = "customer_search_key"

    return CustomerSearchKey


def up(migrator, db):
    search.drop_index(db)  # SQLite: the FTS table, its view and triggers (they read the column that goes)
    db.execute_sql("DROP INDEX IF EXISTS customer_search_text_trgm")  # PostgreSQL's index of the old column
    _tables(db).create_table()
    migrator.migrate(migrator.drop_column("customer", "search_text"))
    search.rebuild_keys(db)


def down(migrator, db):
    # The keys go back into the column; the index of that layout is not rebuilt (this code no longer knows it).
    search.drop_index(db)
    migrator.migrate(migrator.add_column("customer", "search_text", TextField(default="")))
    db.execute_sql("UPDATE customer SET search_text = (SELECT k.search_text FROM customer_search_key k WHERE k.customer_id = customer.id)")
    _tables(db).drop_table()
