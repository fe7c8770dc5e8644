"""demo: `crm demo`, a deterministic, fast generator of a realistic data set.

- seed: the entry points (seed_demo, has_data, describe, DemoResult) and the whole set's order, on two cores.
- seeder: what every area's seeder shares: DemoResult, the clock as tables of strings, the random streams, the
  writes through the raw cursor.
- team: the team (users, territories, pool and tier rules) and the catalogue (products, the stages' stuck days).
- customers: the customers and their search keys, made in Python.
- derived: the tables the database makes from the customers (contacts, follow-ups, tags, ownership events).
- sales: deals and their stage history, quotes, contracts, instalments, payments, invoices.
- aftersales: tickets and return visits.
- vocabulary: the fixed names, places, products, weights and shares the choices are drawn from.
- sql: the generator's own SQL fragments on each backend (hashed draws, choices, time arithmetic).
- load: the load's settings (SQLite's fast pragmas, indexes suspended and rebuilt, tables emptied, sequences reset).

The demo may import every other room of crmtui.store; no other room imports it. Inside, seed imports the area
seeders, they import seeder, vocabulary, sql and load, and those four import nothing of the demo's.
"""
