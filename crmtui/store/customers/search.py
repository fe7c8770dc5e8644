"""Customer search: names, pinyin (full and initials), phone digits and email, ranked exact > prefix > the rest.

The searched text is a customer's CustomerSearchKey.search_text (see customer_key), a table of its own so that
updates of customer rows never touch the search index; a match is always decided by LIKE on that key table.
On SQLite a trigram FTS5 table (external content, kept in sync by triggers) first narrows the candidates: a term
of 3+ characters by its trigrams; a term of 1–2 characters by the indexed trigrams that begin with it (looked up in
the index's vocabulary; the indexed text is padded with two spaces so every occurrence begins a trigram), or, when
that is most of the index, not at all. The indexed text also starts with a space, so a word's start is a trigram
(" zw"): ranked_ids reads the words that start with the query (ranks 0-2) apart from the rest. The FTS table is only ever MATCHed, never LIKEd: SQLite 3.40 returns wrong,
empty results for CJK LIKE on a trigram FTS table. On PostgreSQL a pg_trgm GIN index serves ILIKE.
Bulk writers that bypass Peewee wrap their inserts in bulk_loading().
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from peewee import SQL, Case, Database, Expression, NodeList, PostgresqlDatabase, Value, fn

from crmtui.store.customers import pinyin
from crmtui.store.kernel.access import Actor, visible_customers
from crmtui.store.kernel.bulk import write_rows
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.models import Customer, CustomerSearchKey

Key = CustomerSearchKey
KEY_TABLE = Key._meta.table_name

# Bump KEY_RECIPE whenever customer_key makes different keys: the stored keys are then stale, and the next upgrade
# (platform/schema.py) remakes them all. The recipe they were made by is a Setting row outside settings.SPECS.
KEY_RECIPE = 1
RECIPE_SETTING = "search_key_recipe"

FTS_TABLE = "customer_fts"
FTS_TERMS = "customer_fts_terms"  # the index's vocabulary (fts5vocab)
FTS_SOURCE = "customer_search"  # a view of the key table: search_text padded, as the index holds it
FTS_AUTOMERGE = 4  # FTS5's default: merge segments as rows are added


def _padded(row: str = "") -> str:
    """The indexed text: a space before each word (" zw" is the trigram of a word starting zw) and two after."""
    return f"' ' || {row}search_text || '  '"


TRIGRAM = 3  # the shortest term the trigram index can answer
MAX_SHORT_TERM_TRIGRAMS = 512  # beyond this a short term is in most names: a plain scan is faster
SCAN_VS_LOOKUP = 3  # scanning a row costs about a third of fetching a candidate by id
PG_INDEX = "customer_search_key_trgm"

SQLITE_TRIGGERS = {
    "customer_fts_insert": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_insert AFTER INSERT ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.customer_id, {_padded("new.")});
        END""",
    "customer_fts_delete": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_delete AFTER DELETE ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.customer_id, {_padded("old.")});
        END""",
    "customer_fts_update": f"""
        CREATE TRIGGER IF NOT EXISTS customer_fts_update AFTER UPDATE OF search_text ON {KEY_TABLE} BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.customer_id, {_padded("old.")});
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.customer_id, {_padded("new.")});
        END""",
}


def customer_key(name: str, phone: str | None = None, email: str | None = None) -> str:
    """The search text for a customer: the pinyin keys of the name, then phone digits and email, so a
    search by any of them finds it. Bulk loaders compute it with this same function."""
    parts = [pinyin.search_text(name)]
    digits = "".join(c for c in phone or "" if c.isdigit())
    if digits:
        parts.append(digits)
    if email:
        parts.append(email.strip().lower())
    return " ".join(parts)


def write_keys(rows: Iterable[tuple[int, str]]) -> None:
    """Store the keys of new customers, (customer id, customer_key) pairs, in bulk (COPY on PostgreSQL)."""
    write_rows(KEY_TABLE, ["customer_id", "search_text"], rows)


def save_keys(rows: Iterable[tuple[int, str]]) -> None:
    """Store (customer id, customer_key) pairs, new customers' or changed ones' alike."""
    p = db.obj.param
    db.cursor().executemany(
        f"INSERT INTO {KEY_TABLE} (customer_id, search_text) VALUES ({p}, {p})"
        " ON CONFLICT (customer_id) DO UPDATE SET search_text = excluded.search_text",
        list(rows),
    )


# --- the index: made by migration 0009 (a frozen copy) and rebuild_keys, suspended around bulk loads ------------


def create_index(database: Database) -> None:
    """Create the search index on DATABASE (rebuild_keys). Migration 0009 holds a frozen copy of this DDL: a change
    of it needs a migration of its own."""
    if isinstance(database, PostgresqlDatabase):
        ops = _trigram_ops(database)
        database.execute_sql(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {KEY_TABLE} USING gin (search_text {ops})")
        return
    database.execute_sql(
        f"CREATE VIEW IF NOT EXISTS {FTS_SOURCE} AS SELECT customer_id AS id, {_padded()} AS search_text FROM {KEY_TABLE}"
    )
    database.execute_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, content='{FTS_SOURCE}', "
        # detail=none: a third of the size and half the build time of a full index; LIKE confirms the matches.
        "content_rowid='id', tokenize='trigram', detail=none)"
    )
    database.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TERMS} USING fts5vocab({FTS_TABLE}, 'row')")
    _rebuild_and_sync(database)


def _trigram_ops(database: Database) -> str:
    """pg_trgm's operator class, qualified by the schema the extension lives in. One extension serves every team
    schema of a server database, so it is made in public, which every team's search path reaches; made inside a
    team's schema, the next team could not see it, and dropping that schema would drop every team's index."""
    database.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    (schema,) = database.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    return f'"{schema}".gin_trgm_ops'


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
    # The whole index is written at once without FTS5's incremental merging: 1M keys in 8.2 s instead of 10.5 s,
    # searched as fast after (measured); its default is back for the rows that the triggers then add one by one.
    _set_fts(database, "automerge", 0)
    database.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    _set_fts(database, "automerge", FTS_AUTOMERGE)
    for ddl in SQLITE_TRIGGERS.values():
        database.execute_sql(ddl)


def _set_fts(database: Database, option: str, value: int) -> None:
    database.execute_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('{option}', {value})")


def keys_stale(database: Database) -> bool:
    """Whether the stored keys were made by another recipe than KEY_RECIPE, or by one unknown (no record: migration
    0009 copies the old keys and drops the record, a frozen migration being unable to run customer_key)."""
    mark = "%s" if isinstance(database, PostgresqlDatabase) else "?"
    row = database.execute_sql(f'SELECT value FROM setting WHERE "key" = {mark}', (RECIPE_SETTING,)).fetchone()
    return row is None or row[0] != str(KEY_RECIPE)


def rebuild_keys(database: Database, batch: int = 20_000) -> int:
    """Recompute every customer's key with customer_key (when keys_stale: the upgrade path runs it after the
    migrations), a batch of customers at a time, the index dropped meanwhile and built once after, then record
    KEY_RECIPE as the keys' recipe. Returns the number of customers."""
    drop_index(database)
    database.execute_sql(f"DELETE FROM {KEY_TABLE}")
    mark = "%s" if isinstance(database, PostgresqlDatabase) else "?"
    last, count = 0, 0
    while True:
        rows = database.execute_sql(
            f"SELECT id, name, phone, email FROM customer WHERE id > {mark} ORDER BY id LIMIT {mark}", (last, batch)
        ).fetchall()
        if not rows:
            break
        write_keys((id_, customer_key(name, phone, email)) for id_, name, phone, email in rows)
        last, count = rows[-1][0], count + len(rows)
    create_index(database)
    database.execute_sql(f"ANALYZE {KEY_TABLE}")
    database.execute_sql(
        f'INSERT INTO setting ("key", value) VALUES ({mark}, {mark})'
        ' ON CONFLICT ("key") DO UPDATE SET value = excluded.value',
        (RECIPE_SETTING, str(KEY_RECIPE)),
    )
    return count


@contextmanager
def bulk_loading() -> Iterator[None]:
    """Around a bulk insert through the raw cursor: on SQLite, drop the sync triggers, let the caller load, then
    rebuild the FTS index once and restore the triggers (even if the load failed). PostgreSQL keeps its index.
    Both then refresh the planner's statistics, so lists walk the name index instead of sorting."""
    if is_postgres():
        yield
        _analyze()
        return
    with db.atomic():
        _drop_triggers(db.obj)
    try:
        yield
    finally:
        with db.atomic():
            _rebuild_and_sync(db.obj)
        _analyze()  # exact statistics on SQLite (sampled ones mislead the planner): ~0.1 s per 200k


def _analyze() -> None:
    for table in ("customer", KEY_TABLE):
        db.execute_sql(f"ANALYZE {table}")


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


def _key_of(model):
    """The search text of MODEL's row: a correlated subquery, one lookup by the key table's primary key."""
    return Key.select(Key.search_text).where(Key.customer == model.id)


def _term_matches(term: str, model) -> Expression:
    if is_postgres():  # the trigram index on the key table serves it from 3 characters on
        return model.id.in_(Key.select(Key.customer).where(_like(Key.search_text, "%%%s%%", term)))
    condition = _like(_key_of(model), "%%%s%%", term)  # the decision, on the key table
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


def rank(text: str, model=Customer, key=None) -> Expression:
    """0: the name is TEXT; 1: the name starts with it; 2: a word of the name, its pinyin or initials, the phone
    or the email starts with it; 3: it is somewhere inside. KEY: the row's search text where the query joins the
    key table (default: looked up)."""
    query = normalize(text)
    name = fn.LOWER(model.name)
    key = _key_of(model) if key is None else key
    key_prefix = _like(key, "%s%%", query) | _like(key, "%% %s%%", query)
    return Case(None, [(name == query, 0), (_like(name, "%s%%", query), 1), (key_prefix, 2)], 3)


def ranked_order(text: str, model=Customer) -> list:
    """Best first: rank, then the shorter name (张伟 before 张伟明 for `zw`), then name and id for a stable order."""
    return [rank(text, model), fn.LENGTH(model.name), model.name, model.id]


# --- a page in tiers -----------------------------------------------------------------------------------------

FIRST_CHUNK = 100  # candidates confirmed at a time from an index (at least 5 pages); doubled while the page is not full
LAST_CHUNK = 32_000


def ranked_ids(actor: Actor, text: str, limit: int, scope: Expression | None = None) -> list[int]:
    """The ids of the best LIMIT customers among SCOPE (a WHERE clause; default: the customers the actor sees,
    not deleted) that match TEXT, read from indexes in tiers that stop
    when the page is full: (1) the names that are it, from the name index; (2) customers with a word (name, pinyin, initials, phone, email) that starts with it (ranks 0-2): on SQLite
    the trigrams of " TEXT", on PostgreSQL the pg_trgm index; (3) the rest. Each tier takes candidates in index
    order, a chunk at a time, and ranks what it confirmed. A tier that ends with the page not full has been read
    whole, so no better match is left behind; within the tier that fills the page, the page is the best of the
    chunks read (exact whenever that tier has fewer matches than its first chunk)."""
    query = normalize(text)
    if not query:
        raise BadInput("Search for at least one character.")
    terms = query.split(" ")
    where = scope if scope is not None else visible_customers(actor) & Customer.deleted_at.is_null()
    for term in terms:
        where &= _like(Key.search_text, "%%%s%%", term)
    word_start = _like(Key.search_text, "%s%%", query) | _like(Key.search_text, "%% %s%%", query)
    found: dict[int, tuple] = {}
    select = _with_key(
        Customer.select(Customer.id, rank(query, key=Key.search_text), fn.LENGTH(Customer.name), Customer.name)
    )

    def run(sql: str, params: list) -> None:
        for id_, rank_, length, name in db.execute_sql(sql, params):
            found[id_] = (rank_, length, name, id_)

    def full() -> bool:
        return len(found) >= limit

    exact = Customer.name.in_(list({query, query.capitalize(), query.title(), query.upper()}))  # rank 0, indexed
    if is_postgres():
        run(*select.where(where & exact).sql())
        if not full():
            run(*select.where(where & word_start).sql())  # pg_trgm serves both LIKEs (word starts are trigrams)
        if not full():
            _pg_rest(where & ~word_start, found, limit, max(map(len, terms)) >= TRIGRAM)
        return [key[3] for key in sorted(found.values())[:limit]]

    def chunks(condition: Expression):
        """Confirms a chunk of candidate ids: the statement is made once (Peewee takes ~1 ms to make one) and
        the ids go in as one JSON parameter (hundreds of parameters are slower still)."""
        sql, params = select.where(
            where & condition(Customer.id.in_(SQL("(SELECT value FROM json_each(?))", (_IDS,))))
        ).sql()
        at = params.index(_IDS)
        return lambda ids: run(sql, params[:at] + [json.dumps(ids)] + params[at + 1 :])

    chunk = max(FIRST_CHUNK, limit * 5)
    word_start_query = _fts_query(" " + query)
    # the exact names ride along with each chunk of the word starts (also when there are none); the trigrams of
    # the terms of 3+ characters narrow the word starts' candidates too (" kh" is in most, "kh2 299" in few)
    narrowed = [f"({_long_term_query(term)})" for term in terms if len(term) >= TRIGRAM]
    if word_start_query and narrowed:
        word_start_query = " AND ".join([f"({word_start_query})", *narrowed])
    _tier(word_start_query, chunks(lambda ids: (ids & word_start) | exact), full, chunk, always=True)
    if not full():
        grams = [_fts_query(term) for term in terms]
        if "" not in grams:  # "": nothing indexed holds that term
            known = [f"({g})" for g in grams if g is not None]
            if known and word_start_query and len(query) < TRIGRAM:  # " zw" is exactly a word starting zw
                known[-1] += f" NOT ({word_start_query})"  # those were all read above
            _tier(" AND ".join(known) if known else None, chunks(lambda ids: ids & ~word_start), full, chunk)
    return [key[3] for key in sorted(found.values())[:limit]]


_IDS = "\x00ids"  # stands for a chunk's ids until they are known


def _tier(fts_query: str | None, confirm, full, chunk: int, always: bool = False) -> None:
    """CONFIRM candidates in chunks until the page is full or the candidates run out: the FTS rowids of
    FTS_QUERY in rowid order (None: the customer table in id order; "": there are none). ALWAYS: confirm at
    least once, with no ids if there are none."""
    last = 0
    while fts_query != "" and not full():
        if fts_query is None:
            ids = [
                r[0] for r in db.execute_sql("SELECT id FROM customer WHERE id > ? ORDER BY id LIMIT ?", (last, chunk))
            ]
        else:
            ids = [
                r[0]
                for r in db.execute_sql(
                    f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? AND rowid > ? ORDER BY rowid LIMIT ?",
                    (fts_query, last, chunk),
                )
            ]
        if ids or always:
            confirm(ids)
            always = False
        if len(ids) < chunk:
            break
        last, chunk = ids[-1], min(chunk * 2, LAST_CHUNK)
    if always:
        confirm([])


def _with_key(query):
    """QUERY (over Customer) joined to each customer's search key."""
    return query.join_from(Customer, Key, on=(Key.customer == Customer.id))


def _pg_rest(where: Expression, found: dict, limit: int, indexed: bool) -> None:
    """PostgreSQL's last tier: the first matches reached (no ORDER BY, so it may stop early), ranked. With the
    LIMIT the planner walks the table (or its primary key) until it has them: right for a common term, but a
    rare one (3+ characters: the trigram index can answer) is read through the index instead (1 ms against 60
    ms for 0.1% of 200k customers). 1–2 characters have no trigram: the walk it is."""
    rows = (
        _with_key(Customer.select(Customer.id, fn.LENGTH(Customer.name), Customer.name)).where(where).limit(limit * 5)
    )
    with db.atomic():
        if indexed and _pg_estimate(where) * 10 < _pg_estimate(None):
            db.execute_sql("SET LOCAL enable_seqscan = off")
            db.execute_sql("SET LOCAL enable_indexscan = off")  # the bitmap over the trigram index, then
        for id_, length, name in rows.tuples():
            found.setdefault(id_, (3, length, name, id_))


def _pg_estimate(where: Expression | None) -> float:
    """The planner's estimate of the customers WHERE holds (all of them: None)."""
    sql, params = (
        _with_key(Customer.select(SQL("1"))).where(where).sql() if where is not None else ("SELECT 1 FROM customer", [])
    )
    plan = db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]


def _fts_query(term: str) -> str | None:
    """TERM as an FTS MATCH query: "" when nothing indexed holds it, None when it is in most customers."""
    if len(term) >= TRIGRAM:
        return _long_term_query(term)
    grams = _trigrams_starting_with(term)
    if grams is None:
        return None
    return " OR ".join(map(_quoted, grams))
