"""Frozen migrations: they import no module of crmtui (whose code changes under them), and what they cannot make
without live code, the customers' search keys, the store's upgrade path remakes after them."""

import ast
from pathlib import Path

import pytest
from playhouse.migrations import Runner

from crmtui.store.customers import search
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput
from crmtui.store.platform.schema import HISTORY_TABLE, MIGRATIONS_DIR, ensure_ready, upgrade
from crmtui.store.platform.session import connect

CUSTOMERS = [  # name, phone, email: each key of the current recipe differs from the old one, the name
    ("宁波永泰环保科技股份有限公司", None, None),
    ("长城物流", "138-0013-8000", "Info@ChangCheng.cn"),
    ("Acme", None, "sales@acme.com"),
]


def _imported_modules(path: Path) -> list[str]:
    """Every module PATH imports, relative imports (of the package around it) spelled with their dots."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules.append("." * node.level + (node.module or ""))
    return modules


def test_no_migration_imports_a_module_of_crmtui():
    files = sorted(Path(MIGRATIONS_DIR).glob("*.py"))
    assert files
    live = {
        f.name: found
        for f in files
        if (found := [m for m in _imported_modules(f) if m.startswith(".") or m.split(".")[0] == "crmtui"])
    }
    assert live == {}


def _at_0008_with_customers(db_url: str) -> str | None:
    """A database as crm left it before the key table: customers whose search_text is an older recipe's key."""
    sqlite_file = connect(db_url)
    Runner(db.obj, directory=MIGRATIONS_DIR, table_name=HISTORY_TABLE).up(target="0008_followup_at_index")
    p = db.obj.param
    db.execute_sql(f"INSERT INTO territory (name, created_at) VALUES ({p}, CURRENT_TIMESTAMP)", ("华东",))
    for name, phone, email in CUSTOMERS:
        db.execute_sql(
            "INSERT INTO customer (name, phone, email, tier, territory_id, locked, search_text, created_at, updated_at)"
            f" VALUES ({p}, {p}, {p}, 'C', 1, {p}, {p}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            (name, phone, email, False, name),
        )
    return sqlite_file


def _keys() -> dict[int, str]:
    return dict(db.execute_sql("SELECT customer_id, search_text FROM customer_search_key").fetchall())


def _current_keys() -> dict[int, str]:
    rows = db.execute_sql("SELECT id, name, phone, email FROM customer").fetchall()
    return {id_: search.customer_key(name, phone, email) for id_, name, phone, email in rows}


def test_an_upgrade_from_0008_remakes_every_key_by_the_current_recipe(db_url, tmp_path, monkeypatch):
    sqlite_file = _at_0008_with_customers(db_url)
    monkeypatch.chdir(tmp_path)  # where a PostgreSQL dump lands
    applied, saved = upgrade(sqlite_file)
    assert "0009_search_key_table" in applied and saved is not None
    current = _current_keys()
    assert len(current) == len(CUSTOMERS) and not set(current.values()) & {name for name, _, _ in CUSTOMERS}
    assert _keys() == current
    assert not search.keys_stale(db.obj)


def test_the_migrations_alone_leave_old_keys_marked_stale_and_init_remakes_them(db_url, tmp_path, monkeypatch):
    """An upgrade stopped after its migrations, before the keys were remade: `crm init` finishes it."""
    sqlite_file = _at_0008_with_customers(db_url)
    Runner(db.obj, directory=MIGRATIONS_DIR, table_name=HISTORY_TABLE).up()
    assert sorted(_keys().values()) == sorted(name for name, _, _ in CUSTOMERS)  # copied as they were
    assert search.keys_stale(db.obj)
    monkeypatch.chdir(tmp_path)
    assert upgrade(sqlite_file) == ([], None)
    assert _keys() == _current_keys()
    assert not search.keys_stale(db.obj)


def test_a_new_recipe_makes_the_keys_stale(db_url, monkeypatch):
    connect(db_url)
    ensure_ready()  # a brand-new database: the keys of its no customers are current
    assert not search.keys_stale(db.obj)
    monkeypatch.setattr(search, "KEY_RECIPE", search.KEY_RECIPE + 1)
    assert search.keys_stale(db.obj)


def test_the_recipe_record_is_no_setting_of_users(store):
    from crmtui.store.kernel.access import actor_for
    from crmtui.store.kernel.settings import set_setting, settings

    assert not search.keys_stale(db.obj)  # recorded by `crm init`
    assert search.RECIPE_SETTING not in [row.key for row in settings()]
    with pytest.raises(BadInput):
        set_setting(actor_for("root"), search.RECIPE_SETTING, "2")
