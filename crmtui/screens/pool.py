"""The public pool (公海): the territory's unowned customers, `c` to claim; for managers `a` assigns in batch
after a preview of who gets what (store/assign.assign with dry_run=True, then the same plan for real)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from rich import box
from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from crmtui.store.customers.records import CustomerFilter, count_customers
from crmtui.store.kernel.models import Territory
from crmtui.store.pool.assign import STRATEGIES, assign
from crmtui.store.pool.claims import PoolRow, list_pool

from . import format as fmt
from .base import ReportsFailures
from .customer import CustomerScreen
from .customers import count_label
from .paged import PagedTable, PageSource


def pool_columns(width: int) -> list[tuple[str, int | None]]:
    if width >= 110:
        return [
            ("#", 8),
            ("Name", 30),
            ("Tier", 4),
            ("Territory", 10),
            ("Days in pool", 12),
            ("Former owner", 12),
            ("Last follow-up", 14),
            ("Tags", None),
        ]
    return [("Name", 22), ("T", 1), ("Days", 5), ("Former", 9), ("Last", 10), ("Tags", None)]


def pool_cells(row: PoolRow, width: int) -> list:
    days = "" if row.days_in_pool is None else str(row.days_in_pool)
    if width >= 110:
        return [
            row.id,
            row.name,
            row.tier,
            row.territory,
            days,
            fmt.text(row.former_owner),
            fmt.when(row.last_followup_at),
            row.tags,
        ]
    return [row.name, row.tier, days, fmt.text(row.former_owner), fmt.when(row.last_followup_at), row.tags]


class PoolScreen(ReportsFailures, Screen):
    BINDINGS = [
        Binding("c", "claim", "Claim", id="pool.claim"),
        Binding("a", "assign", "Assign", id="pool.assign"),
        Binding("enter", "open", "Open", id="pool.open"),
        Binding("r", "reload", "Refresh", id="pool.reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield PagedTable(id="pool")
        yield Static("", id="status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.app.titled("Public pool")
        self.query_one(PagedTable).focus()
        self.load()

    def load(self) -> None:
        actor = self.app.actor
        self.query_one(PagedTable).set_source(
            PageSource(
                key=("pool",),
                fetch=lambda offset, limit: list_pool(actor, sort="id", limit=limit, offset=offset),
                count=lambda: count_customers(actor, CustomerFilter(owner="pool")),
                columns=pool_columns,
                cells=pool_cells,
            )
        )

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        return action != "assign" or self.app.actor.is_manager  # reps never see assign (the store refuses them)

    @on(PagedTable.PageShown)
    def _status(self, event: PagedTable.PageShown) -> None:
        self.query_one("#status", Static).update(count_label(event.table, "customers in the pool"), layout=False)

    @on(PagedTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_reload(self) -> None:
        self.query_one(PagedTable).refresh_rows()

    def action_claim(self) -> None:
        row = self.query_one(PagedTable).current
        if row is None:
            self.notify("No customer is selected.", severity="warning")
            return
        self.app.claim(row.id, self.action_reload)

    def action_open(self) -> None:
        row = self.query_one(PagedTable).current
        if row is not None:
            self.app.push_screen(CustomerScreen(row.id), lambda _: self.action_reload())

    def action_assign(self) -> None:
        self.app.push_screen(AssignModal(), lambda given: given and self.action_reload())


def assign_table(result) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, title=None)
    for column in ("Rep", "Owned", "Gets", "After", "Cap"):
        table.add_column(column, justify="left" if column == "Rep" else "right")
    for row in result.rows:
        table.add_row(
            row.rep + ("" if row.active else " (inactive)"),
            str(row.owned_before),
            str(row.given),
            str(row.after),
            str(row.cap),
        )
    return table


class AssignModal(ReportsFailures, ModalScreen[int | None]):
    """Assign a territory's pool: Preview shows who gets what; Confirm writes that same plan (same seed)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="assign.cancel"),
        Binding("ctrl+r", "preview", "Preview", id="assign.preview"),
        Binding("ctrl+s", "confirm", "Confirm", id="assign.confirm"),
    ]

    @dataclass
    class Planned(Message):
        result: object
        args: dict

    def __init__(self) -> None:
        super().__init__()
        self.seed = random.randrange(1 << 30)
        self.planned_args: dict | None = None
        self.preview = None  # the last dry run's AssignResult

    def compose(self) -> ComposeResult:
        with Vertical(id="assign-dialog", classes="dialog"):
            yield Label("Assign pool customers", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Territory", classes="field-label")
                yield Input(id="as-territory", compact=True, placeholder="territory name")
            with Horizontal(classes="field"):
                yield Label("Strategy", classes="field-label")
                yield Select(
                    [(s, s) for s in STRATEGIES], value="even", allow_blank=False, compact=True, id="as-strategy"
                )
            with Horizontal(classes="field"):
                yield Label("Per rep", classes="field-label")
                yield Input(id="as-per-rep", compact=True, type="integer", placeholder="as many as caps allow")
            with Horizontal(classes="field"):
                yield Label("Tier", classes="field-label")
                yield Input(id="as-tier", compact=True, placeholder="e.g. A,B (all tiers)")
            yield Static("Preview (^r) shows who gets what; nothing is written until you confirm (^s).", id="as-plan")
            with Horizontal(classes="buttons"):
                yield Button("Preview ^r", id="as-preview", compact=True)
                yield Button("Confirm ^s", id="as-confirm", variant="primary", compact=True, disabled=True)
                yield Button("Cancel esc", id="as-cancel", compact=True)

    def on_mount(self) -> None:
        self._default_territory()
        self.query_one("#as-territory", Input).focus()

    @work(thread=True, exit_on_error=False, group="assign")
    def _default_territory(self) -> None:
        territory_id = self.app.actor.territory_id
        if territory_id is not None:
            name = Territory.select(Territory.name).where(Territory.id == territory_id).scalar()
            self.app.call_from_thread(setattr, self.query_one("#as-territory", Input), "value", name or "")

    def _args(self) -> dict:
        per_rep = self.query_one("#as-per-rep", Input).value.strip()
        return dict(
            territory=self.query_one("#as-territory", Input).value.strip(),
            strategy=str(self.query_one("#as-strategy", Select).value),
            per_rep=int(per_rep) if per_rep.isdigit() else None,
            tier=self.query_one("#as-tier", Input).value.strip() or None,
            seed=self.seed,
        )

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.planned_args = None
        self.query_one("#as-confirm", Button).disabled = True

    @on(Input.Submitted)
    @on(Button.Pressed, "#as-preview")
    def action_preview(self) -> None:
        self._plan(self._args(), True)

    @on(Button.Pressed, "#as-confirm")
    def action_confirm(self) -> None:
        if self.planned_args is None:
            self.notify("Preview the assignment first (^r).", severity="warning")
            return
        self.query_one("#as-confirm", Button).disabled = True
        self._plan(self.planned_args, False)

    @on(Button.Pressed, "#as-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="assign")
    def _plan(self, args: dict, dry_run: bool) -> None:
        result = assign(self.app.actor, dry_run=dry_run, **args)
        self.post_message(self.Planned(result, args))

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        result = message.result
        if not result.dry_run:
            self.notify(f"Assigned {result.given} customers of {result.territory}.")
            self.dismiss(result.given)
            return
        self.planned_args = message.args
        self.preview = result
        plan = self.query_one("#as-plan", Static)
        if result.given == 0:
            plan.update(f"Nothing to assign in {result.territory}: the pool is empty or every rep is at the cap.")
            return
        plan.update(assign_table(result))
        self.query_one("#as-confirm", Button).disabled = False
        self.query_one(
            "#as-plan", Static
        ).border_title = f"{result.given} customers of {result.territory}, {result.strategy}"
