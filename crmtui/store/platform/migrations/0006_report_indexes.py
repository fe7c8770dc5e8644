"""Reports over follow-ups (`crm report followups`, `crm report leaderboard`) read a period's follow-ups per rep,
type and customer: an index on followup(at, user_id, type, customer_id) answers them from the index alone, instead
of fetching most of the table's rows one by one through the index on `at` (the figures: docs/PERFORMANCE.md).

The pool report counts live customers per territory, pooled and owned: all of them from the (owner_id,
territory_id) index, less the soft-deleted ones, which a partial index on the deleted rows finds without reading the
whole customer table. It holds no owner column and no live row, so claims and reclaims never touch it."""

DELETED = "customer_deleted_territory_id"


def up(migrator, db):
    migrator.migrate(migrator.add_index("followup", ("at", "user_id", "type", "customer_id"), False))
    db.execute_sql(f'CREATE INDEX "{DELETED}" ON "customer" ("territory_id") WHERE "deleted_at" IS NOT NULL')


def down(migrator, db):
    db.execute_sql(f'DROP INDEX "{DELETED}"')
    migrator.migrate(migrator.drop_index("followup", "followup_at_user_id_type_customer_id"))
