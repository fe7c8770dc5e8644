"""Search on both backends: names, 1–2 character Chinese queries, pinyin full and initials, phone and email,
ranking, scoping, and the index kept in sync (triggers on SQLite, bulk_loading for raw inserts)."""

import json

import pytest
from conftest import as_user

from crmtui.store import search
from crmtui.store.customers import CustomerFilter, add_customer, delete_customer, edit_customer, list_customers
from crmtui.store.db import db, is_postgres
from crmtui.store.search import search_customers


def found(text, login="root", limit=20):
    return [row.name for row in search_customers(as_user(login), text, limit)]


@pytest.fixture
def names(team):
    root = as_user("root")
    for name in ["张伟明", "李张伟", "张伟", "北京华南科技有限公司", "长城物流", "Big Acme", "Acme Corp", "Acme", "Xacmex"]:
        add_customer(root, name, territory="华东")
    return team


def test_chinese_queries_of_one_and_two_characters(names):
    assert found("张伟") == ["张伟", "张伟明", "李张伟"]
    assert found("伟") == ["张伟", "张伟明", "李张伟"]  # none starts with 伟: shorter names first, then by name
    assert found("华南") == ["北京华南科技有限公司"]


def test_pinyin_full_and_initials(names):
    assert found("zw") == ["张伟", "张伟明", "李张伟"]  # initials zw, zwm, then lzw
    assert found("zhangwei") == ["张伟", "张伟明", "李张伟"]
    assert found("ZhangWei")[0] == "张伟"
    assert found("bjhn") == ["北京华南科技有限公司"]
    assert found("cc") == found("zc") == ["长城物流"]  # 长 reads chang and zhang
    assert found("changcheng") == ["长城物流"]


def test_ranking_exact_then_prefix_then_the_rest(names):
    assert found("acme") == ["Acme", "Acme Corp", "Big Acme", "Xacmex"]
    assert found("acme", limit=2) == ["Acme", "Acme Corp"]
    assert found("华南科技") == ["北京华南科技有限公司"]


def test_every_word_must_match_and_wildcards_are_literal(names):
    assert found("acme corp") == ["Acme Corp"]
    assert found("big acme") == ["Big Acme"]
    assert found("a_me") == [] and found("%") == []


def test_phone_and_email_are_searchable(team):
    wang = as_user("wang")
    add_customer(wang, "宏达", phone="138-0013-8000", email="Boss@HongDa.cn")
    assert found("13800138", "wang") == ["宏达"]
    assert found("hongda.cn", "wang") == ["宏达"]


def test_search_is_scoped_and_skips_deleted(team):
    add_customer(as_user("zhang"), "张伟科技")
    gone = add_customer(as_user("wang"), "张伟贸易")
    assert found("张伟", "wang") == ["张伟贸易"]
    assert found("zwkj", "wang") == [] and found("zwkj", "li.na") == ["张伟科技"]
    delete_customer(as_user("wang"), gone)
    assert found("张伟", "wang") == []


def test_edits_and_deletes_keep_the_index_in_sync(team):
    root = as_user("root")
    customer = add_customer(root, "Old Name Ltd", territory="华东")
    edit_customer(root, customer, name="恒通能源")
    assert found("old name") == []
    assert found("htny") == ["恒通能源"] and found("恒通能源") == ["恒通能源"]
    from crmtui.store.models import Customer

    Customer.delete().where(Customer.id == customer).execute()  # a purge removes it from the index too
    assert found("htny") == []


def test_bulk_loading_indexes_raw_inserts_and_restores_sync(team):
    rows = [(name, "C", team.east, search.customer_key(name)) for name in ("瑞丰医药", "博远传媒")]
    placeholder = "%s" if is_postgres() else "?"
    sql = (
        "INSERT INTO customer (name, tier, territory_id, search_text, locked, created_at, updated_at) "
        f"VALUES ({', '.join([placeholder] * 4)}, {'false' if is_postgres() else '0'}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with search.bulk_loading():
        with db.atomic():
            db.cursor().executemany(sql, rows)
    assert found("rfyy") == ["瑞丰医药"] and found("博远传媒") == ["博远传媒"]
    add_customer(as_user("root"), "新锐电子", territory="华东")  # the triggers are back
    assert found("xrdz") == ["新锐电子"]


def test_list_text_combines_with_filters(names):
    root = as_user("root")
    edit_customer(root, "张伟明", tier="A")
    assert [r.name for r in list_customers(root, CustomerFilter(text="zw", tier="A"))] == ["张伟明"]
    assert [r.name for r in list_customers(root, CustomerFilter(text="zw"), sort="-name")] == ["李张伟", "张伟明", "张伟"]


def test_short_queries_find_exactly_what_a_substring_test_finds(names):
    """Every 1–2 character piece of every key (also at the very end of the text) finds exactly the names whose
    search text holds it: the FTS vocabulary narrowing on SQLite must lose nothing."""
    from crmtui.store.models import Customer

    keys = dict(Customer.select(Customer.name, Customer.search_text).tuples())
    pieces = {key[i : i + n] for key in keys.values() for n in (1, 2) for i in range(len(key) - n + 1)} - {" "}
    for piece in sorted(pieces):
        expected = sorted(name for name, key in keys.items() if piece.strip() and all(w in key for w in piece.split()))
        assert sorted(found(piece.strip() or piece)) == expected, piece


def test_the_fts_table_is_only_matched_never_liked(names):
    from crmtui.store.models import Customer

    for text in ("acme", "张伟", "伟", "zw", "a"):
        sql, _ = Customer.select(Customer.id).where(search.matches(text)).sql()
        assert sql.count("customer_fts") == 2 * sql.count("FROM customer_fts WHERE customer_fts MATCH ?"), sql
        likes = sql.upper().count("LIKE")
        assert likes >= 1 and likes == sql.count('"search_text" LIKE') + sql.count('"search_text" ILIKE'), sql
    if is_postgres():
        indexes = [r[0] for r in db.execute_sql("SELECT indexdef FROM pg_indexes WHERE tablename = 'customer'")]
        assert any("gin_trgm_ops" in d for d in indexes)


def test_cli_search_through_the_runner_and_the_real_entry_point(names, cli, crm):
    result = cli("customer", "search", "zw", "--limit", "2", "--format", "json")
    assert [c["name"] for c in json.loads(result.stdout)] == ["张伟", "张伟明"]
    listed = crm("customer", "list", "--text", "bjhn", "--format", "csv")
    assert listed.exit_code == 0 and "北京华南科技有限公司" in listed.stdout
    table = crm("customer", "search", "长城", "--format", "table")
    assert "长城物流" in table.stdout


def test_bulk_loading_restores_sync_even_when_the_load_fails(team):
    with pytest.raises(RuntimeError), search.bulk_loading():
        raise RuntimeError("bad row")
    add_customer(as_user("root"), "永兴食品", territory="华东")
    assert found("yxsp") == ["永兴食品"]
