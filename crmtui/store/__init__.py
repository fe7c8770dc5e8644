"""The store: crmtui's domain, one Peewee store over SQLite or PostgreSQL, shared by the command line and the UI.

It is a package of rooms, one per business area. A room imports only the rooms below it, never one above:

    demo                              a realistic, repeatable data set (`crm demo`)
    insight | exchange | platform     reports and agenda | import, export, vCard, iCalendar | schema, set-up, upkeep
    money | aftersales                contracts, plans, payments, invoices | tickets, return visits
    sales                             pipelines, deals, products, quote lines, quotes
    pool                              the public pool: rules, claims, assignment, reclamation
    customers                         customers, contacts, follow-ups, search, duplicates, ownership
    org                               users and territories
    kernel                            connection, dialect, models, values, access, audit, clock, errors

Rooms on one line are siblings that never import each other; insight, exchange, platform and demo are imported by
no other room. import-linter checks all of it (pyproject.toml), counting imports inside functions too.
Each room's __init__.py is its map. The store imports neither typer, textual nor rich, and returns plain data
(dataclasses, tuples) to front ends. docs/ARCHITECTURE.md tells the whole of it.
"""
