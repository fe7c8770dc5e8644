"""Search on both backends: names, 1–2 character Chinese queries, pinyin full and initials, phone and email,
ranking, scoping, and the index kept in sync (triggers on SQLite, bulk_loading for raw inserts)."""

import json

import pytest
from conftest import as_user

from crmtui.store.customers import search
from crmtui.store.customers.records import (
    CustomerFilter,
    add_customer,
    delete_customer,
    edit_customer,
    list_customers,
    search_customers,
)
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres


def found(text, login="root", limit=20):
    return [row.name for row in search_customers(as_user(login), text, limit)]


@pytest.fixture
def names(team):
    root = as_user("root")
    for name in [
        "张伟明",
        "李张伟",
        "张伟",
        "北京华南科技有限公司",
        "长城物流",
        "Big Acme",
        "Acme Corp",
        "Acme",
        "Xacmex",
    ]:
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
    from crmtui.store.kernel.models import Customer

    Customer.delete().where(Customer.id == customer).execute()  # a purge removes it from the index too
    assert found("htny") == []


def test_bulk_loading_indexes_raw_inserts_and_restores_sync(team):
    with search.bulk_loading():
        _raw_customers(team, ["瑞丰医药", "博远传媒"])
    assert found("rfyy") == ["瑞丰医药"] and found("博远传媒") == ["博远传媒"]
    add_customer(as_user("root"), "新锐电子", territory="华东")  # the triggers are back
    assert found("xrdz") == ["新锐电子"]
    if not is_postgres():  # the rebuild ran without merging; rows added one by one later are merged again
        config = dict(db.execute_sql(f"SELECT k, v FROM {search.FTS_TABLE}_config").fetchall())
        assert config.get("automerge") == search.FTS_AUTOMERGE


def test_list_text_combines_with_filters(names):
    root = as_user("root")
    edit_customer(root, "张伟明", tier="A")
    assert [r.name for r in list_customers(root, CustomerFilter(text="zw", tier="A"))] == ["张伟明"]
    assert [r.name for r in list_customers(root, CustomerFilter(text="zw"), sort="-name")] == [
        "李张伟",
        "张伟明",
        "张伟",
    ]


def test_short_queries_find_exactly_what_a_substring_test_finds(names):
    """Every 1–2 character piece of every key (also at the very end of the text) finds exactly the names whose
    search text holds it: the FTS vocabulary narrowing on SQLite must lose nothing."""
    from crmtui.store.kernel.models import Customer, CustomerSearchKey

    keys = dict(Customer.select(Customer.name, CustomerSearchKey.search_text).join(CustomerSearchKey).tuples())
    pieces = {key[i : i + n] for key in keys.values() for n in (1, 2) for i in range(len(key) - n + 1)} - {" "}
    for piece in sorted(pieces):
        expected = sorted(name for name, key in keys.items() if piece.strip() and all(w in key for w in piece.split()))
        assert sorted(found(piece.strip() or piece)) == expected, piece


def test_the_fts_table_is_only_matched_never_liked(names):
    from crmtui.store.kernel.models import Customer

    for text in ("acme", "张伟", "伟", "zw", "a"):
        sql, _ = Customer.select(Customer.id).where(search.matches(text)).sql()
        assert sql.count("customer_fts") == 2 * sql.count("FROM customer_fts WHERE customer_fts MATCH ?"), sql
        likes = sql.upper().count("LIKE")  # each on the search key, read from its own table
        assert likes >= 1 and likes == sql.count('FROM "customer_search_key"'), sql
    if is_postgres():
        indexes = [
            r[0] for r in db.execute_sql("SELECT indexdef FROM pg_indexes WHERE tablename = 'customer_search_key'")
        ]
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


def test_imported_customers_are_found_by_phone_and_email(team, cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,territory,phone,email,external_id\n宏达贸易,华东,138-0013-8000,Boss@HongDa.cn,H1\n")
    assert cli("import", "customers", str(path)).exit_code == 0
    assert found("13800138") == ["宏达贸易"] and found("hongda.cn") == ["宏达贸易"]
    path.write_text("name,territory,external_id\n宏达集团,华东,H1\n")  # an update without the phone keeps it
    assert cli("import", "customers", str(path), "--on-duplicate", "update").exit_code == 0
    assert found("13800138") == ["宏达集团"] and found("hdjt") == ["宏达集团"]


def _raw_customers(team, names, owner=None, key=search.customer_key):
    """Customers written as bulk loaders write them: the rows, then their keys through search.write_keys."""
    from crmtui.store.kernel.models import Customer

    with db.atomic():
        first = (Customer.select(Customer.id).order_by(Customer.id.desc()).scalar() or 0) + 1
        Customer.insert_many(
            [{"name": n, "tier": "C", "territory": team.east, "owner": owner} for n in names]
        ).execute()
        ids = [i for (i,) in Customer.select(Customer.id).where(Customer.id >= first).order_by(Customer.id).tuples()]
        search.write_keys(zip(ids, map(key, names)))


def test_rebuild_keys_remakes_stale_keys_and_the_index(team):
    from crmtui.store.kernel.models import CustomerSearchKey

    wang = as_user("wang")
    add_customer(wang, "宏达", phone="138-0013-8000")
    _raw_customers(team, ["宁波永泰环保科技股份有限公司"], key=lambda name: name)  # written by an older recipe
    CustomerSearchKey.update(search_text="宏达").execute()  # as an older import wrote it: the name only
    assert found("13800138", "wang") == [] and found("nbyt") == []
    search.rebuild_keys(db.obj)
    assert found("13800138", "wang") == ["宏达"] and found("nbyt") == ["宁波永泰环保科技股份有限公司"]
    keys = dict(CustomerSearchKey.select(CustomerSearchKey.customer, CustomerSearchKey.search_text).tuples())
    assert sorted(keys.values()) == sorted(
        [search.customer_key("宏达", "138-0013-8000"), search.customer_key("宁波永泰环保科技股份有限公司")]
    )
    edit_customer(wang, "宏达", name="恒通能源")  # the index is in sync again
    assert found("htny", "wang") == ["恒通能源"] and found("hd", "wang") == []


def test_migration_0009_moves_the_key_out_of_the_customer_row(db_url):
    """A database made before the key table (0008, customers carrying search_text) upgrades to one whose every
    customer has its key in customer_search_key, found by search, and no search_text column left."""
    from playhouse.migrations import Runner

    from crmtui.store.platform.schema import MIGRATIONS_DIR, migrate
    from crmtui.store.platform.session import connect

    connect(db_url)
    runner = Runner(db.obj, directory=MIGRATIONS_DIR)
    runner.up(target="0008_followup_at_index")
    p = db.obj.param
    db.execute_sql(f"INSERT INTO territory (name, created_at) VALUES ({p}, CURRENT_TIMESTAMP)", ("华东",))
    for name in ("宁波永泰环保科技股份有限公司", "长城物流"):
        db.execute_sql(
            "INSERT INTO customer (name, tier, territory_id, locked, search_text, created_at, updated_at)"
            f" VALUES ({p}, 'C', 1, {p}, {p}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            (name, False, name),  # an older recipe's key: the name only
        )
    migrate()  # as the store upgrades: the migrations, then the keys remade by the current recipe
    assert "search_text" not in [c.name for c in db.get_columns("customer")]
    assert found("nbyt") == ["宁波永泰环保科技股份有限公司"] and found("cc") == ["长城物流"]


def test_a_page_beyond_the_first_chunk_keeps_exact_then_prefix_first(team):
    _raw_customers(team, [f"上海张伟科技{i:03}有限公司" for i in range(300)])  # rank 3 for 张伟, read first
    _raw_customers(team, [f"张伟贸易{i:03}" for i in range(300)] + ["张伟"])  # prefixes, then the exact name
    assert found("张伟", limit=3)[0] == "张伟"
    assert all(name.startswith("张伟") for name in found("张伟", limit=20))
    assert all(name.startswith("张伟") for name in found("zw", limit=20))  # word starts (zw...) before shzw...


def test_a_scoped_page_reads_on_until_it_finds_the_actors_customers(team):
    _raw_customers(team, [f"华南科技{i:04}" for i in range(2000)], owner=team.ids["zhang"])
    _raw_customers(team, ["华南科技王氏", "华南科技王记"], owner=team.ids["wang"])
    assert found("华南科技", "wang") == ["华南科技王氏", "华南科技王记"]
    assert found("科技", "wang") == ["华南科技王氏", "华南科技王记"] and found("hnkj", "wang", 1) == ["华南科技王氏"]
    assert len(found("科技", limit=None)) == 2002  # every match: one ranked query
