"""customers: the customer book. Imports org and kernel.

- records.py: customers: add, find, list (filtered, sorted, paged; what the UI pages with), edit, delete, restore.
- detail.py: one customer in full (profile, contacts, follow-ups, deals, ownership history).
- contacts.py: the people at a customer; followups.py: follow-ups (跟进记录) and the next one due.
- search.py: the search index and ranking (names, pinyin, initials, phones, e-mail); pinyin.py: the pinyin keys.
- dupes.py: likely duplicates, and merging them; lifecycle.py: due to buy again (复购) and at risk (流失预警).
- ownership.py: the one ownership move (to an owner, back to the pool), what counts towards an owner's cap, and the
  one writer of the ownership history (events and their audit rows) that the pool, merges and imports use.
"""
