"""kernel: what every room stands on. Imports no other room.

- db.py: which database and how to open it (the DatabaseProxy `db`, a team's PostgreSQL schema).
- dialect.py: every SQL piece SQLite and PostgreSQL spell differently, behind a named helper (locks, date arithmetic,
  text forms, aggregates); is_postgres() for the few rooms that choose a whole strategy per backend.
- bulk.py: many rows in and out through the raw cursor (executemany or COPY, streaming reads, key tables).
- models.py: the tables. Money is integer cents, times naive UTC, deletes soft.
- values.py: what users type, read once for every door (money, choices, yes/no, phone, e-mail, dates, lengths).
- access.py: who is acting (Actor) and who sees and may change what: the one reach rule.
- audit.py: the audit trail and the one update-then-audit step.
- errors.py: the errors with their exit codes; clock.py: now and the date words; config.py: where the database is.
- lookup.py: naming a row by id or unambiguous name; numbering.py: document numbers; settings.py: database settings;
  normalize.py: the normal forms names, phones and e-mails are matched by.

config, errors, clock, normalize and values import no peewee: `crm --help` and Typer's parameter parsing use them.
"""
