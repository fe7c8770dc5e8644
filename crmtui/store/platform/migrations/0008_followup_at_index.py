"""Drop the index on followup(at) alone: 0006's followup(at, user_id, type, customer_id) starts with the same column,
so `followup list` still walks it newest first, and every follow-up written (and `crm demo`, which builds the
follow-up indexes after its load) no longer pays for a second index on the time."""


def up(migrator, db):
    migrator.migrate(migrator.drop_index("followup", "followup_at"))


def down(migrator, db):
    migrator.migrate(migrator.add_index("followup", ("at",), False))
