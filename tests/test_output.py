"""What people read and what pipelines read of the same rows."""

import io
from decimal import Decimal

from crmtui.commands.output import emit


def rendered(fmt: str, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    if fmt == "table":
        import contextlib

        with contextlib.redirect_stdout(out):  # the table goes through Rich's console, on stdout
            emit(["id", "customer", "amount"], [(7, "上海华夏实业集团有限公司", Decimal("1165720.00"))], fmt)
    else:
        emit(["id", "customer", "amount"], [(7, "上海华夏实业集团有限公司", Decimal("1165720.00"))], fmt, out=out)
    return out.getvalue()


def test_tables_show_money_with_separators_on_one_line(monkeypatch):
    text = rendered("table", monkeypatch)
    row = next(line for line in text.splitlines() if line.lstrip().startswith("7"))
    assert row.rstrip().endswith("1,165,720.00")  # right-aligned, whole


def test_csv_keeps_the_exact_amount(monkeypatch):
    assert rendered("csv", monkeypatch) == "id,customer,amount\n7,上海华夏实业集团有限公司,1165720.00\n"
