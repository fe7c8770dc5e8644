"""Snapshots of every screen on the demo data (`crm demo --customers 200 --seed 1` at a pinned CRM_NOW), at 80×24
and the customers list at 250×60. Review changes with `pytest --snapshot-update` and look at the SVGs."""

from __future__ import annotations

import pytest
from tui_helpers import NOW, app_for, seed_demo_data, settle

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def demo(store, monkeypatch):
    monkeypatch.setenv("CRM_NOW", NOW)
    seed_demo_data()


def keys(*pressed: str):
    async def run_before(pilot) -> None:
        await settle(pilot, pilot.app)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot, pilot.app)

    return run_before


SCREENS = {
    "customers": ("li.na", ()),
    "customers_search": ("li.na", ("slash", *"shanghai", "escape")),
    "customer": ("li.na", ("enter",)),
    "customer_followups": ("li.na", ("enter", "l", "l")),
    "customer_contracts": ("li.na", ("slash", *"njtchg", "escape", "enter", "h")),  # a customer with a contract
    "followup_modal": ("li.na", ("f",)),
    "pool": ("li.na", ("3",)),
    "pipeline": ("li.na", ("4",)),
    "dashboard": ("wang.fang", ("1",)),
    "reports": ("li.na", ("5",)),
    "help": ("wang.fang", ("question_mark",)),
}


@pytest.mark.parametrize("name", SCREENS)
def test_screen_at_80x24(name, demo, snap_compare):
    login, pressed = SCREENS[name]
    assert snap_compare(app_for(login), run_before=keys(*pressed), terminal_size=(80, 24))


def test_customers_at_250x60(demo, snap_compare):
    assert snap_compare(app_for("li.na"), run_before=keys(), terminal_size=(250, 60))


def test_pipeline_at_250x60(demo, snap_compare):
    assert snap_compare(app_for("li.na"), run_before=keys("4"), terminal_size=(250, 60))


def test_assign_preview_at_80x24(demo, snap_compare):
    async def run_before(pilot) -> None:
        await keys("3", "a")(pilot)
        pilot.app.screen.query_one("#as-strategy").value = "round-robin"  # deterministic, unlike "even"
        await keys("ctrl+r")(pilot)

    assert snap_compare(app_for("li.na"), run_before=run_before, terminal_size=(80, 24))
