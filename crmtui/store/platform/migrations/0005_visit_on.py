"""`visit list` pages newest first: an index on visit(on, id) lets it walk the index instead of sorting every visit
(the figures: docs/PERFORMANCE.md)."""


def up(migrator, db):
    migrator.migrate(migrator.add_index("visit", ("on", "id"), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index("visit", "visit_on_id"))
