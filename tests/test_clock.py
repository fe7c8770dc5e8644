"""The date words users type, pinned by CRM_NOW."""

from datetime import date, datetime

import pytest

from crmtui.store.kernel.clock import now, parse_date, parse_when
from crmtui.store.kernel.errors import BadInput


@pytest.fixture(autouse=True)
def utc_wednesday(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    monkeypatch.setenv("CRM_NOW", "2026-11-18T15:30:00")  # a Wednesday
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", date(2026, 11, 18)),
        ("tomorrow", date(2026, 11, 19)),
        ("yesterday", date(2026, 11, 17)),
        ("+3d", date(2026, 11, 21)),
        ("+2w", date(2026, 12, 2)),
        ("-1m", date(2026, 10, 18)),
        ("+1y", date(2027, 11, 18)),
        ("friday", date(2026, 11, 20)),
        ("wed", date(2026, 11, 25)),  # the next one, never today
        ("eow", date(2026, 11, 22)),
        ("eom", date(2026, 11, 30)),
        ("2027-01-05", date(2027, 1, 5)),
        ("5 Jan 2027", date(2027, 1, 5)),
    ],
)
def test_date_words(text, expected):
    assert parse_date(text) == expected


def test_month_arithmetic_clamps_to_month_end(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2027-01-31")
    assert parse_date("+1m") == date(2027, 2, 28)


def test_times_are_kept(monkeypatch):
    assert parse_when("2026-12-01 09:15") == datetime(2026, 12, 1, 9, 15)
    assert now() == datetime(2026, 11, 18, 15, 30)


@pytest.mark.parametrize("text", ["someday", "+3x", "2026-13-45"])
def test_unreadable_dates_are_bad_input(text):
    with pytest.raises(BadInput, match="Cannot read the date"):
        parse_when(text)


def test_bad_crm_now_is_bad_input(monkeypatch):
    monkeypatch.setenv("CRM_NOW", "last tuesday")
    with pytest.raises(BadInput, match="CRM_NOW"):
        now()
