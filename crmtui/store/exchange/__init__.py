"""exchange: data in and out. Imports every room below it; no room imports exchange.

- export.py: every entity as CSV, TSV or JSON, written by the database where it can.
- imports/: the import pipeline (engine.py), the entities it knows (entities.py), reading files (reading.py) and
  resolving names to ids (references.py).
- csvtext.py: CSV text that reads back; vcard.py and ical.py: contacts as vCard, dates as iCalendar.
"""
