"""Reports: pick one on the left, read it on the right, as the CLI prints it (crmtui.render.render_report of
store/reports.run_report; never re-rendered here)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from crmtui.render import render_report
from crmtui.store.insight.reports import REPORTS, ReportParams, run_report

from .base import ReportsFailures


class ReportsScreen(ReportsFailures, Screen):
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="reports.reload"),
        Binding("slash", "period", "Period", id="reports.period"),
        Binding("escape", "back_to_list", "Reports list", show=False, id="reports.escape"),
    ]

    @dataclass
    class Loaded(Message):
        name: str
        report: object

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="reports"):
            yield OptionList(*(Option(name, id=name) for name in REPORTS), id="report-list")
            with VerticalScroll(id="report-body"):
                yield Input(
                    placeholder="/ since: -3m, 2026-01-01 (default: the report's period)", id="since", compact=True
                )
                yield Static("Pick a report.", id="report")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.app.titled("Reports")
        option_list = self.query_one("#report-list", OptionList)
        option_list.focus()
        with self.prevent(OptionList.OptionHighlighted):
            option_list.highlighted = 0
        self._run(option_list.get_option_at_index(0).id)

    @on(OptionList.OptionHighlighted, "#report-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._run(event.option.id)

    def _run(self, name: str | None) -> None:
        if name:
            self.query_one("#report", Static).update(f"{name}: {REPORTS[name].summary}…")
            self._load(name, self.query_one("#since", Input).value.strip() or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def _load(self, name: str, since: str | None) -> None:
        self.post_message(self.Loaded(name, run_report(self.app.actor, name, ReportParams(since=since))))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.query_one("#report", Static).update(render_report(message.report))

    def _selected_name(self) -> str | None:
        option_list = self.query_one("#report-list", OptionList)
        if option_list.highlighted is None:
            return None
        return option_list.get_option_at_index(option_list.highlighted).id

    def action_reload(self) -> None:
        self._run(self._selected_name())

    def action_period(self) -> None:
        self.set_focus(self.query_one("#since", Input))

    def action_back_to_list(self) -> None:
        self.set_focus(self.query_one("#report-list", OptionList))

    @on(Input.Submitted, "#since")
    def _period(self) -> None:
        self.action_reload()
        self.action_back_to_list()
