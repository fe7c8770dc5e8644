"""kernel/values.py: what a typed value means, decided once for every door it comes in by."""

from decimal import Decimal

import pytest

from crmtui.store.kernel.errors import BadInput
from crmtui.store.kernel.values import money


def parse_amount(text):
    return money(text, "Amount", "CNY")


def test_amounts_are_exact():
    assert parse_amount("0") == Decimal("0.00")
    assert parse_amount(" 1,234.5 ") == Decimal("1234.50")
    assert parse_amount("0.1") + parse_amount("0.2") == Decimal("0.30")
    for bad in ("abc", "-1", "1.234", "NaN", "Infinity", "1e20", ""):
        with pytest.raises(BadInput):
            parse_amount(bad)
