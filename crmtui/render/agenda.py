"""The agenda (store/agenda.Agenda) as a Rich renderable: one small table per section that has something in it."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from .cells import show


def render_agenda(agenda) -> RenderableType:
    sections = [s for s in agenda.sections if s.items]
    parts: list[RenderableType] = [Text(f"Agenda of {agenda.user} for {agenda.day:%Y-%m-%d %A}", style="bold")]
    if not sections:
        parts.append(Text("Nothing due: a clear day.", style="dim"))
    for section in sections:
        table = Table(
            title=f"{section.title} ({len(section.items)})",
            title_justify="left",
            title_style="bold",
            show_header=False,
            show_edge=False,
            pad_edge=False,
            box=None,
        )
        with_amount = any(item.amount is not None for item in section.items)
        table.add_column(style="dim", justify="right")
        table.add_column(overflow="fold")
        table.add_column(no_wrap=True)
        table.add_column(overflow="fold")
        if with_amount:
            table.add_column(justify="right")
        for item in section.items:
            cells = [f"#{item.id}", item.subject, show(item.when), item.detail]
            table.add_row(*cells, *([show(item.amount)] if with_amount else []))
        parts += [Text(""), table]
    return Group(*parts)
