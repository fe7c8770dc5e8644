"""The dashboard: the few numbers that matter to the acting user and their agenda (store/agenda.agenda, shown with
the CLI's own renderable crmtui.render.render_agenda)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from crmtui.render import render_agenda
from crmtui.store.customers.records import CustomerFilter, count_customers
from crmtui.store.insight.agenda import agenda

from .base import ReportsFailures


def numbers_view(numbers: dict[str, int]) -> Table:
    grid = Table.grid(padding=(0, 3), expand=True)
    for _ in numbers:
        grid.add_column(justify="center")
    grid.add_row(*(f"[b]{value:,}[/b]" for value in numbers.values()))
    grid.add_row(*(f"[dim]{label}[/dim]" for label in numbers))
    return grid


class DashboardScreen(ReportsFailures, Screen):
    BINDINGS = [
        Binding("r", "reload", "Refresh", id="dashboard.reload"),
        Binding("j,down", "scroll(3)", "Scroll down", show=False, id="dashboard.down"),
        Binding("k,up", "scroll(-3)", "Scroll up", show=False, id="dashboard.up"),
    ]

    @dataclass
    class Loaded(Message):
        numbers: dict
        agenda: object

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="dashboard"):
            yield Static("", id="numbers")
            yield Static("Loading the agenda…", id="agenda")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.app.titled("Dashboard")
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#dashboard", VerticalScroll).scroll_relative(y=lines, animate=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def _load(self) -> None:
        actor = self.app.actor
        mine = "me" if not actor.is_manager else None
        numbers = {
            "customers": count_customers(actor, CustomerFilter(owner=mine)),
            "due today": count_customers(actor, CustomerFilter(owner=mine, due="today")),
            "overdue": count_customers(actor, CustomerFilter(owner=mine, due="overdue")),
            "in the pool": count_customers(actor, CustomerFilter(owner="pool")),
        }
        day = agenda(actor) if actor.id is not None else None
        self.post_message(self.Loaded(numbers, day))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        self.query_one("#numbers", Static).update(numbers_view(message.numbers))
        if message.agenda is not None:
            self.query_one("#agenda", Static).update(render_agenda(message.agenda))
        else:
            self.query_one("#agenda", Static).update("The system user has no agenda: open crm with --user.")
