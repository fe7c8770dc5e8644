"""A Report (store/reports) as a Rich renderable: its table, a bar beside each row or a sparkline per row where
the report hints at one, a sparkline under the table for a series, its further parts and notes."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .cells import is_number, show
from .charts import Bar, sparkline

BAR_WIDTH = 24
MAX_ROWS = 100  # a table people read; CSV and JSON carry every row


def _table(report, with_chart: bool = True) -> Table:
    table = Table(
        title=report.title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        show_edge=False,
        pad_edge=False,
        caption=" · ".join(report.notes) or None,
        caption_justify="left",
    )
    rows = [*report.rows, *([report.totals] if report.totals else [])]
    numeric = [any(is_number(row[i]) for row in rows) for i in range(len(report.columns))]
    for name, right in zip(report.columns, numeric):
        table.add_column(name.replace("_", " "), justify="right" if right else "left", overflow="fold", no_wrap=right)
    bar_index = report.columns.index(report.bar) if with_chart and report.bar in report.columns else None
    series_index = (
        report.columns.index(report.row_series_key)
        if with_chart and report.row_series and report.row_series_key in report.columns
        else None
    )
    if bar_index is not None:
        table.add_column(report.bar.replace("_", " "), ratio=None)  # wrappable: the first to give way when narrow
    if series_index is not None:
        table.add_column(report.series_label or "series", style="cyan", no_wrap=True)
    peak = max((row[bar_index] or 0 for row in report.rows), default=0) if bar_index is not None else 0
    ratios = set(report.ratios)

    def cells(row, chart: bool) -> list:
        shown = [show(v, name in ratios) for name, v in zip(report.columns, row)]
        if bar_index is not None:
            shown.append(Bar(row[bar_index], peak, BAR_WIDTH) if chart else "")
        if series_index is not None:
            shown.append(sparkline(report.row_series.get(row[series_index], ())) if chart else "")
        return shown

    for row in report.rows[:MAX_ROWS]:
        table.add_row(*cells(row, True))
    if len(report.rows) > MAX_ROWS:
        table.add_row(f"… {len(report.rows) - MAX_ROWS:,} more (--format csv has them all)", style="dim")
    if report.totals is not None and report.rows:
        table.add_section()
        table.add_row(*cells(report.totals, False), style="bold")
    return table


def render_report(report, width: int | None = None) -> RenderableType:
    """The whole report: its table with charts, a sparkline of the spark column, then its parts."""
    parts: list[RenderableType] = [_table(report)]
    if not report.rows:
        parts.append(Text("Nothing to report for this period and scope.", style="dim"))
    if report.spark and report.spark in report.columns and len(report.rows) > 1:
        index = report.columns.index(report.spark)
        values = [row[index] for row in report.rows]
        line = Text.assemble(
            (f"{report.spark.replace('_', ' ')} ", "bold"),
            (sparkline(values), "cyan"),
            f"  {report.rows[0][0]} … {report.rows[-1][0]}",
        )
        parts.append(line)
    for part in report.parts:
        if part.rows:
            parts += [Text(""), _table(part)]
    return Group(*parts)
