"""Customer search: names, pinyin (full and initials), phone digits and email, ranked exact > prefix > the rest.

The searched text is Customer.search_text (see customer_key); a match is always decided by LIKE on the base table.
On SQLite a trigram FTS5 table (external content, kept in sync by triggers) first narrows the candidates: a term
of 3+ characters by its trigrams; a term of 1–2 characters by the indexed trigrams that begin with it (looked up in
the index's vocabulary; the indexed text is padded with two spaces so every occurrence begins a trigram), or, when
that is most of the index, not at all. The FTS table is only ever MATCHed, never LIKEd: SQLite 3.40 returns wrong,
empty results for CJK LIKE on a trigram FTS table. On PostgreSQL a pg_trgm GIN index serves ILIKE.
Bulk writers that bypass Peewee wrap their inserts in bulk_loading().
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import SQL, Case, Database, Expression, NodeList, PostgresqlDatabase, Value, fn

from . import pinyin
from .db import db, is_postgres
from .errors import BadInput
from .models import Customer

FTS_TABLE = "customer_fts"
FTS_TERMS = "customer_fts_terms"  # the index's vocabulary (fts5vocab)
FTS_SOURCE = "customer_search"  # a view: search_text padded, as the index holds it
PADDED = "search_text || '  '"
TRIGRAM = 3  # the shortest term the trigram index can answer
MAX_SHORT_TERM_TRIGRAMS = 512  # beyond this a short term is in most names: a plain scan is faster
SCAN_VS_LOOKUP = 3  # scanning a row costs about a third of fetching a candidate by id
PG_INDEX = "customer_search_text_trgm"

SQLITE_TRIGGERS = {
    "customer_fts_insert": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_insert AFTER INSERT ON customer BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.{PADDED});
        END""",
    "customer_fts_delete": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_delete AFTER DELETE ON customer BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.{PADDED});
        END""",
    # Only a change of search_text touches the index: reclaim's big owner UPDATE stays cheap.
    "customer_fts_update": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_update AFTER UPDATE OF search_text ON customer BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.{PADDED});
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.{PADDED});
        END""",
}


def customer_key(name: str, phone: str | None = None, email: str | None = None) -> str:
    """The Customer.search_text for a customer: the pinyin keys of the name, then phone digits and email, so a
    search by any of them finds it. Bulk loaders compute it with this same function."""
    parts = [pinyin.search_text(name)]
    digits = "".join(c for c in phone or "" if c.isdigit())
    if digits:
        parts.append(digits)
    if email:
        parts.append(email.strip().lower())
    return " ".join(parts)


# --- the index: created by migration 0002, suspended around bulk loads ---------------------------------------


def create_index(database: Database) -> None:
    """Create the search index on DATABASE (called by migration 0002_search)."""
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        database.execute_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON customer USING gin (search_text gin_trgm_ops)")
        return
    database.execute_sql(f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT id, {PADDED} AS search_text FROM customer")
    database.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='{FTS_SOURCE}', "
        # detail=none: a third of the size and half the build time of a full index; LIKE confirms the matches.
        "content_rowid='id', tokenize='trigram', detail=none)"
    )
    database.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TERMS} USING fts5vocab({FTS_TABLE}, 'row')")
    _rebuild_and_sync(database)


def drop_index(database: Database) -> None:
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")
        return
    _drop_triggers(database)
    for kind, name in (("TABLE", FTS_TERMS), ("TABLE", FTS_TABLE), ("VIEW", FTS_SOURCE)):
        database.execute_sql(f"DROP {kind} IF EXISTS {name}")


def _drop_triggers(database: Database) -> None:
    for name in SQLITE_TRIGGERS:
        database.execute_sql(f"DROP TRIGGER IF EXISTS {name}")


def _rebuild_and_sync(database: Database) -> None:
    database.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    for ddl in SQLITE_TRIGGERS.values():
        database.execute_sql(ddl)


@contextmanager
def bulk_loading() -> Iterator[None]:
    """Around a bulk insert through the raw cursor: on SQLite, drop the sync triggers, let the caller load, then
    rebuild the FTS index once and restore the triggers (even if the load failed). PostgreSQL keeps its index.
    Both then refresh the planner's statistics, so lists walk the name index instead of sorting."""
    if is_postgres():
        yield
        db.execute_sql("ANALYZE customer")
        return
    with db.atomic():
        _drop_triggers(db.obj)
    try:
        yield
    finally:
        with db.atomic():
            _rebuild_and_sync(db.obj)
        db.execute_sql("ANALYZE customer")  # exact statistics (sampled ones mislead the planner): ~0.1 s per 200k


# --- queries -------------------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    return " ".join(text.lower().split())


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _fts_candidates(query: str, model) -> Expression:
    return model.id.in_(SQL(f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)", (query,)))


def _long_term_query(term: str) -> str:
    """The term's trigrams ANDed (detail=none keeps no positions, so no phrase queries): one every 3 characters
    and the last, enough to narrow to candidates that the LIKE on the base table then confirms."""
    starts = sorted({*range(0, len(term) - TRIGRAM + 1, TRIGRAM), len(term) - TRIGRAM})
    return " AND ".join(_quoted(gram) for gram in dict.fromkeys(term[i : i + TRIGRAM] for i in starts))


def _trigrams_starting_with(term: str) -> list[str] | None:
    """The indexed trigrams that begin with a 1–2 character TERM; None when they occur in so many customers that
    scanning the base table is cheaper than fetching that many candidates one by one."""
    cursor = db.execute_sql(
        f"SELECT term, doc FROM {FTS_TERMS} WHERE term >= ? AND term < ? LIMIT ?",
        (term, term + "\U0010ffff", MAX_SHORT_TERM_TRIGRAMS + 1),
    )
    found = cursor.fetchall()
    candidates = sum(doc for _, doc in found)
    table_rows = db.execute_sql("SELECT max(id) FROM customer").fetchone()[0] or 0
    if len(found) > MAX_SHORT_TERM_TRIGRAMS or candidates * SCAN_VS_LOOKUP > table_rows:
        return None
    return [gram for gram, _ in found]


def _like(column, pattern: str, text: str) -> NodeList:
    """COLUMN LIKE PATTERN (whose %s is TEXT, wildcards escaped). LIKE, not ILIKE: both sides are lower case
    already, and PostgreSQL's ILIKE costs three times as much per row."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # Spelled out: Peewee turns its LIKE operator into GLOB on SQLite.
    return NodeList((column, SQL("LIKE"), Value(pattern % escaped), SQL("ESCAPE"), Value("\\")))


def _term_matches(term: str, model) -> Expression:
    condition = _like(model.search_text, "%%%s%%", term)  # the decision, on the base table
    if is_postgres():  # served by the trigram index from 3 characters on
        return condition
    if len(term) >= TRIGRAM:
        return _fts_candidates(_long_term_query(term), model) & condition
    grams = _trigrams_starting_with(term)
    if grams is None:
        return condition
    if not grams:
        return model.id.in_([])  # nothing indexed holds it
    return _fts_candidates(" OR ".join(map(_quoted, grams)), model) & condition


def matches(text: str, model=Customer) -> Expression:
    """The WHERE clause of the customers whose search text holds every word of TEXT."""
    query = normalize(text)
    if not query:
        raise BadInput("Search for at least one character.")
    terms = query.split(" ")
    condition = _term_matches(terms[0], model)
    for term in terms[1:]:
        condition &= _term_matches(term, model)
    return condition


def rank(text: str, model=Customer) -> Expression:
    """0: the name is TEXT; 1: the name starts with it; 2: a word of the name, its pinyin or initials, the phone
    or the email starts with it; 3: it is somewhere inside."""
    query = normalize(text)
    name = fn.LOWER(model.name)
    key_prefix = _like(model.search_text, "%s%%", query) | _like(model.search_text, "%% %s%%", query)
    return Case(None, [(name == query, 0), (_like(name, "%s%%", query), 1), (key_prefix, 2)], 3)


def ranked_order(text: str, model=Customer) -> list:
    """Best first: rank, then the shorter name (张伟 before 张伟明 for `zw`), then name and id for a stable order."""
    return [rank(text, model), fn.LENGTH(model.name), model.name, model.id]


def search_customers(actor, text: str, limit: int = 20) -> list:
    """The customers the actor may see that match TEXT, best first (CustomerRow, as customers.list_customers)."""
    from .customers import CustomerFilter, list_customers

    return list_customers(actor, CustomerFilter(text=text), sort="rank", limit=limit)
