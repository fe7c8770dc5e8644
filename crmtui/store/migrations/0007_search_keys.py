"""Search keys of the modern standard readings: every customer's search_text recomputed by search.customer_key
(pinyin from pypinyin-dict's 《通用规范汉字字典》 list, no archaic readings: a "…有限公司" name's key 505 -> 100
bytes; phone digits and email for imported customers too) and the index rebuilt, its text now starting with a
space so a word's start is a trigram (SQLite). About 30 s per million customers."""

from crmtui.store import search


def up(migrator, db):
    search.rebuild_keys(db)


def down(migrator, db):
    search.rebuild_keys(db)  # the keys and the index stay as the current code makes them
