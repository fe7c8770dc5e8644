"""Customer search: an FTS5 trigram table kept in sync by triggers (SQLite), a pg_trgm GIN index (PostgreSQL)."""

from crmtui.store import search


def up(migrator, db):
    search.create_index(db)


def down(migrator, db):
    search.drop_index(db)
