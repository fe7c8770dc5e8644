"""Rich renderables shared by the CLI (printed in table format) and the TUI (mounted in a Static): reports with
their charts, and the agenda. Imports rich only (and the store's plain dataclasses, duck-typed)."""

from .agenda import render_agenda
from .charts import bar, sparkline
from .report import render_report

__all__ = ["bar", "render_agenda", "render_report", "sparkline"]
