"""platform: the database as a whole. Imports every room below it; no room imports platform.

- schema.py: numbered migrations (migrations/, each frozen with its own SQL), the backup before an upgrade, the
  refusal of a newer database, and derived data (search keys) brought up to date after migrating.
- session.py: opening the store for a front end (bind, schema, actor); setup.py: `crm init`.
- maintenance.py: `crm db`: status and the explicit purge of soft-deleted rows.
"""
