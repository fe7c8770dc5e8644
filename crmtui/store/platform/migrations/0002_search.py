"""Customer search's first index, on customer.search_text. Superseded: 0009 moved the key into a table of its own
and builds the index there; a database that ran this keeps the old index until 0009 drops it."""


def up(migrator, db):
    pass


def down(migrator, db):
    pass
