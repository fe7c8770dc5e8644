"""The TUI's main flows driven with Pilot on a real SQLite file (thread workers need a shared database), checked
against what the store holds afterwards: search, paging, follow-up, claim (and a refusal), assign, errors."""

from __future__ import annotations

import pytest
from tui_helpers import NOW, app_for, notifications, seed, settle, shown_names, status, sync

# The TUI needs only SQLite: the store's own tests cover PostgreSQL.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def data(team, monkeypatch):
    monkeypatch.setenv("CRM_NOW", NOW)
    return seed()


@sync
async def test_search_by_pinyin_initials_and_back_to_the_list(data):
    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert status(app) == "1–12 of 12 customers"
        await pilot.press("slash", *"zwkj")
        await settle(pilot, app)
        assert shown_names(app) == ["张伟科技"]
        assert status(app) == "1–1 of 1 customers"
        await pilot.press("escape", "enter")
        await settle(pilot, app)
        assert app.screen.sub_title.startswith("#1 张伟科技")


@sync
async def test_a_search_counts_its_matches_up_to_a_cap(data, monkeypatch):
    from conftest import as_user

    from crmtui.screens import customers
    from crmtui.store.customers.records import CustomerFilter, count_customers

    monkeypatch.setattr(customers, "SEARCH_COUNT_AT_MOST", 3)
    matches = count_customers(as_user("li.na"), CustomerFilter(text="a"))
    assert matches > 3
    app = app_for("li.na")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert status(app) == f"1–{len(shown_names(app))} of 28 customers"  # no search: every row counted
        await pilot.press("slash", "a")
        await settle(pilot, app)
        assert status(app) == f"1–{len(shown_names(app))} of 3+ customers"
        await pilot.press("escape", "G")  # the last block was short: its end is known without a count
        await settle(pilot, app)
        assert status(app).endswith(f"–{matches} of 3+ customers")
        await pilot.press("slash", *"zwkj")
        await settle(pilot, app)
        assert shown_names(app) == ["张伟科技"] and status(app) == "1–1 of 1 customers"


@sync
async def test_page_down_and_up_fetch_the_neighbouring_pages(data):
    app = app_for("li.na")  # a manager starts with every customer they see: 28
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        first = shown_names(app)
        size = len(first)
        assert status(app) == f"1–{size} of 28 customers"
        await pilot.press("pagedown")
        await settle(pilot, app)
        assert status(app) == f"{size + 1}–28 of 28 customers"
        assert not set(first) & set(shown_names(app))
        await pilot.press("g")
        await settle(pilot, app)
        assert shown_names(app) == first
        await pilot.press("G")
        await settle(pilot, app)
        assert status(app).endswith("–28 of 28 customers")


@sync
async def test_the_scrollbar_spans_every_row_and_shows_any_part_of_the_list(data):
    from conftest import as_user

    from crmtui.screens.paged import PagedTable
    from crmtui.store.customers.records import CustomerFilter, list_customers

    everyone = [r.name for r in list_customers(as_user("li.na"), CustomerFilter(), "name", 100, 0)]
    app = app_for("li.na")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(PagedTable)
        assert table.show_vertical_scrollbar and table.virtual_size.height >= 1 + 28  # the header and every row
        table.scroll_to(y=5, animate=False)  # as a drag of the scrollbar's thumb does
        await settle(pilot, app)
        assert shown_names(app) == everyone[5 : 5 + table.page_size]
        assert status(app) == f"6–{5 + table.page_size} of 28 customers"
        await pilot.press("g")
        await settle(pilot, app)
        assert table.scroll_y == 0 and shown_names(app) == everyone[: table.page_size]


@sync
async def test_the_mouse_wheel_moves_the_cursor_and_a_second_click_opens_the_row(data):
    from textual import events

    from crmtui.screens.paged import PagedTable

    app = app_for("li.na")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        table = app.screen.query_one(PagedTable)
        for _ in range(2):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await settle(pilot, app)
        assert table.cursor_row == 2
        fourth = shown_names(app)[3]
        await pilot.click(PagedTable, offset=(5, 4))  # the header is line 0: line 4 is the fourth row
        await settle(pilot, app)
        assert table.cursor_row == 3 and type(app.screen).__name__ == "CustomersScreen"
        await pilot.click(PagedTable, offset=(5, 4))  # a click on the cursor's row opens it
        await settle(pilot, app)
        assert type(app.screen).__name__ == "CustomerScreen" and fourth in app.screen.sub_title


@sync
async def test_filters_narrow_the_list(data):
    app = app_for("wang")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        app.screen.query_one("#due").value = "overdue"
        await settle(pilot, app)
        assert sorted(shown_names(app)) == sorted(["周杰传媒", "李娜咨询", "杨帆教育"])
        app.screen.query_one("#due").value = "any"
        app.screen.query_one("#owner").value = "pool"
        await settle(pilot, app)
        assert status(app) == "1–8 of 8 customers"


@sync
async def test_quick_followup_from_the_list_is_saved_in_one_step(data):
    from crmtui.store.kernel.models import Customer, Followup

    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        target = shown_names(app)[0]
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"asked about the budget", "tab", *"+3d", "ctrl+s")
        await settle(pilot, app)
        assert "logged on " + target in " ".join(notifications(app))
    customer = Customer.get(Customer.name == target)
    followup = Followup.select().where(Followup.customer == customer.id).order_by(Followup.id.desc()).get()
    assert (followup.note, followup.type, followup.user.login) == ("asked about the budget", "call", "wang")
    assert str(followup.next_at) == "2026-06-04 00:00:00"  # +3d: a day, local midnight (TZ is UTC here)
    assert customer.next_followup_at == followup.next_at


@sync
async def test_followup_refused_by_the_store_keeps_the_modal_and_writes_nothing(data):
    from conftest import database_state

    before = database_state()
    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"note", "tab", *"someday maybe", "enter")
        await settle(pilot, app)
        assert any("someday maybe" in m for m in notifications(app)), notifications(app)
        assert type(app.screen).__name__ == "FollowupModal"
    assert database_state() == before


@sync
async def test_followup_from_the_customer_screen(data):
    from conftest import as_user

    from crmtui.store.customers.followups import FollowupFilter, list_followups

    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"cq", "enter", "enter")
        await settle(pilot, app)
        assert "重庆火锅连锁" in app.screen.sub_title
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"visited", "enter")
        await settle(pilot, app)
        assert "重庆火锅连锁" in app.screen.sub_title  # back on the customer screen, reloaded
    rows = list_followups(as_user("wang"), FollowupFilter(customer="重庆火锅连锁"))
    assert [r.note for r in rows] == ["visited"]


@sync
async def test_claim_from_the_pool(data):
    from crmtui.store.kernel.models import Customer

    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        assert status(app) == "1–8 of 8 customers in the pool"
        name = shown_names(app)[0]
        await pilot.press("c")
        await settle(pilot, app)
        assert status(app) == "1–7 of 7 customers in the pool"
        assert f"Claimed #{data[name]} {name}." in notifications(app)
    assert Customer.get_by_id(data[name]).owner.login == "wang"


@sync
async def test_claim_refused_by_the_cap_says_why_and_changes_nothing(data):
    from conftest import as_user, database_state

    from crmtui.store.pool.rules import set_rules

    set_rules(as_user("root"), "华东", owned_cap=12)  # wang owns 12 already
    before = database_state()
    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        assert any("the cap in 华东 is 12" in m for m in notifications(app))
    assert database_state() == before


@sync
async def test_assign_previews_then_confirms_the_same_plan(data):
    from conftest import as_user

    from crmtui.store.customers.records import CustomerFilter, count_customers

    manager = as_user("li.na")
    app = app_for("li.na")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        assert app.screen.query_one("#as-territory").value == "华东"
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        plan = app.screen.planned_args
        assert plan is not None and count_customers(manager, CustomerFilter(owner="pool", territory="华东")) == 8
        preview = app.screen.preview
        assert preview.dry_run and preview.given == 8
        assert {row.rep: row.given for row in preview.rows} == {"wang": 4, "zhang": 4}
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "Assigned 8 customers of 华东." in notifications(app)
        assert status(app) == "no customers in the pool"
    assert count_customers(manager, CustomerFilter(owner="pool", territory="华东")) == 0
    assert (
        count_customers(manager, CustomerFilter(owner="wang")) + count_customers(manager, CustomerFilter(owner="zhang"))
        == 28
    )


@sync
async def test_a_rep_cannot_assign(data):
    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        assert type(app.screen).__name__ == "PoolScreen"


@sync
async def test_help_lists_every_key_of_the_screen(data):
    app = app_for("wang")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        listed = {(k.keys, k.description) for k in app.screen.keys}
        for expected in [("↓, j", "Next row"), ("/", "Search"), ("f", "Follow-up"), ("c", "Claim"), ("q", "Quit")]:
            assert expected in listed
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "CustomersScreen"


@sync
async def test_move_a_deal_to_the_next_stage(team, monkeypatch):
    from conftest import as_user

    from crmtui.store.kernel.models import Deal, DealStageHistory
    from crmtui.store.sales.deals import add_deal

    monkeypatch.setenv("CRM_NOW", NOW)
    ids = seed()
    deal_id = add_deal(as_user("wang"), ids["张伟科技"], "年度采购", "120000")
    first_stage = Deal.get_by_id(deal_id).stage.name
    app = app_for("wang")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await settle(pilot, app)
        assert app.screen.current_deal().id == deal_id
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        await settle(pilot, app)
        assert any("Moved 年度采购 to" in m for m in notifications(app))
        assert app.screen.current_deal().id == deal_id  # the cursor follows the deal into its new column
    deal = Deal.get_by_id(deal_id)
    assert deal.stage.name != first_stage and deal.stage.position == 2
    assert DealStageHistory.select().where(DealStageHistory.deal == deal_id).count() == 2


@sync
async def test_moving_before_the_first_stage_is_refused_with_a_reason(team, monkeypatch):
    from conftest import as_user

    from crmtui.store.sales.deals import add_deal

    monkeypatch.setenv("CRM_NOW", NOW)
    ids = seed()
    add_deal(as_user("wang"), ids["张伟科技"], "年度采购", "120000")
    app = app_for("wang")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("4")
        await settle(pilot, app)
        await pilot.press("left_square_bracket")
        await settle(pilot, app)
        assert "年度采购 is in the first stage." in notifications(app)
