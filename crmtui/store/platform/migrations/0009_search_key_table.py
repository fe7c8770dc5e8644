"""The search key moves out of the customer row into a table of its own, customer_search_key (models.
CustomerSearchKey): on PostgreSQL every update of a customer row (an assignment, a reclaim, a follow-up) wrote
dozens of entries into the trigram index of customer.search_text; an update now touches no search index on
either backend. The old index and column go; each customer's old key is copied into the new table, which gets the
search index of customers/search.py as it was then (frozen here as SQL: this imports no live module).
Keys are made by live code (pinyin), which a frozen migration cannot run: the copied keys are marked stale by
dropping the record of their recipe, and the store's upgrade (platform/schema.py) remakes them after migrating."""

from peewee import ForeignKeyField, Model, PostgresqlDatabase, TextField

KEY_TABLE = "customer_search_key"
RECIPE_SETTING = "search_key_recipe"  # the Setting row naming the recipe the stored keys were made by

PG_INDEX = "customer_search_key_trgm"
FTS_TABLE = "customer_fts"
FTS_TERMS = "customer_fts_terms"  # the index's vocabulary (fts5vocab)
FTS_SOURCE = "customer_search"  # a view of the key table: search_text padded, as the index holds it
FTS_AUTOMERGE = 4  # FTS5's default, restored after the bulk build


def _padded(row=""):
    """The indexed text: a space before each word (" zw" is the trigram of a word starting zw) and two after."""
    return f"' ' || {row}search_text || '  '"


SQLITE_TRIGGERS = {
    "customer_fts_insert": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_insert AFTER INSERT ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.customer_id, {_padded("new.")});
        END""",
    "customer_fts_delete": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_delete AFTER DELETE ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.customer_id, {_padded("old.")});
        END""",
    "customer_fts_update": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_update AFTER UPDATE OF search_text ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.customer_id, {_padded("old.")});
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.customer_id, {_padded("new.")});
        END""",
}


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
            table_name = KEY_TABLE

    return CustomerSearchKey


def _create_index(db):
    """PostgreSQL: a pg_trgm GIN index, the extension made in public (one serves every team schema of a server
    database) and its operator class qualified by the schema it lives in. SQLite: a trigram FTS5 table over a view
    of the key table, its vocabulary, built once, then kept in sync by triggers."""
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        (schema,) = db.execute_sql(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        ).fetchone()
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {KEY_TABLE} USING gin (search_text "{schema}".gin_trgm_ops)'
        )
        return
    db.execute_sql(
        f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT customer_id AS id, {_padded()} AS search_text FROM {KEY_TABLE}"
    )
    db.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='{FTS_SOURCE}', "
        "content_rowid='id', tokenize='trigram', detail=none)"
    )
    db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TERMS} USING fts5vocab({FTS_TABLE}, 'row')")
    db.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")  # one bulk build: faster
    db.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    db.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', {FTS_AUTOMERGE})")
    for ddl in SQLITE_TRIGGERS.values():
        db.execute_sql(ddl)


def _drop_index(db):
    """The index above, or on SQLite its predecessor of the same names over customer.search_text (the column that
    goes): the FTS table, its view and triggers."""
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
        return
    for name in SQLITE_TRIGGERS:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    for kind, name in (("TABLE", FTS_TERMS), ("TABLE", FTS_TABLE), ("VIEW", FTS_SOURCE)):
        db.execute_sql(f"DROP {kind} IF EXISTS {name}")


def up(migrator, db):
    _drop_index(db)
    db.execute_sql("DROP INDEX IF EXISTS customer_search_text_trgm")  # PostgreSQL's index of the old column
    _tables(db).create_table()
    db.execute_sql(f"INSERT INTO {KEY_TABLE} (customer_id, search_text) SELECT id, search_text FROM customer")
    migrator.migrate(migrator.drop_column("customer", "search_text"))
    _create_index(db)
    db.execute_sql(f"ANALYZE {KEY_TABLE}")
    db.execute_sql(f'DELETE FROM setting WHERE "key" = {db.param}', (RECIPE_SETTING,))  # the copied keys: stale


def down(migrator, db):
    # The keys go back into the column; the index of that layout is not rebuilt (this code no longer knows it).
    _drop_index(db)
    migrator.migrate(migrator.add_column("customer", "search_text", TextField(default="")))
    db.execute_sql(
        f"UPDATE customer SET search_text = (SELECT k.search_text FROM {KEY_TABLE} k WHERE k.customer_id = customer.id)"
    )
    _tables(db).drop_table()
