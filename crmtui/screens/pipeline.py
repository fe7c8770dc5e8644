"""The pipeline board: a column per stage with its count and value (store/deals.board), stuck deals marked;
`[` and `]` (or shift+arrows) move the highlighted deal to the previous or next stage (store/deals.move_deal)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from crmtui.store.sales.deals import board, move_deal

from . import format as fmt
from .base import ReportsFailures
from .customer import CustomerScreen
from .followup import FollowupModal

PER_STAGE = 50


def deal_label(deal) -> Text:
    label = Text(deal.title, style="bold")
    label.append(f"\n{deal.customer}")
    label.append(f"\n{fmt.money(deal.amount)}  {deal.days_in_stage}d")
    if deal.stuck:
        label.append("  STUCK", style="bold red reverse")
    return label


def column_title(column) -> str:
    return f"{column.stage} · {column.count} · {fmt.money(column.value)}"


class StageColumn(Vertical):
    def __init__(self, column) -> None:
        super().__init__(classes="stage-column")
        self.column = column

    def compose(self) -> ComposeResult:
        yield Static(column_title(self.column), classes="stage-title")
        options = [Option(deal_label(d), id=str(d.id)) for d in self.column.deals]
        more = self.column.count - len(self.column.deals)
        if more > 0:
            options.append(
                Option(Text(f"… {more} more", style="dim"), id=f"more-{self.column.stage_id}", disabled=True)
            )
        yield OptionList(*options, classes="stage-deals", id=f"stage-{self.column.stage_id}")


class PipelineScreen(ReportsFailures, Screen):
    BINDINGS = [
        Binding("left,h", "column(-1)", "Previous stage", show=False, id="pipeline.left"),
        Binding("right,l", "column(1)", "Next stage", show=False, id="pipeline.right"),
        Binding("j", "row('down')", "Next deal", show=False, id="pipeline.down"),
        Binding("k", "row('up')", "Previous deal", show=False, id="pipeline.up"),
        Binding("right_square_bracket,shift+right", "move(1)", "Move →", id="pipeline.forward"),
        Binding("left_square_bracket,shift+left", "move(-1)", "Move ←", id="pipeline.back"),
        Binding("enter", "open", "Customer", id="pipeline.open"),
        Binding("f", "followup", "Follow-up", id="pipeline.followup"),
        Binding("r", "reload", "Refresh", id="pipeline.reload"),
    ]

    @dataclass
    class Loaded(Message):
        columns: list
        focus: tuple[int, str | None]

    def __init__(self) -> None:
        super().__init__()
        self.columns: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield HorizontalScroll(id="board")
        yield Static("", id="status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.app.titled("Pipeline")
        self.action_reload()

    def action_reload(self, focus: tuple[int, str | None] | None = None) -> None:
        self._load(focus or self._position())

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def _load(self, focus: tuple[int, str | None]) -> None:
        self.post_message(self.Loaded(board(self.app.actor, per_stage=PER_STAGE), focus))

    @on(Loaded)
    async def _show(self, message: Loaded) -> None:
        self.columns = message.columns
        holder = self.query_one("#board", HorizontalScroll)
        await holder.remove_children()
        await holder.mount_all([StageColumn(c) for c in self.columns])
        deals = sum(c.count for c in self.columns)
        stuck = sum(1 for c in self.columns for d in c.deals if d.stuck)
        open_value = (
            sum((c.value for c in self.columns if c.kind == "open"), start=type(self.columns[0].value)(0))
            if self.columns
            else 0
        )
        self.query_one("#status", Static).update(
            f"{deals} deals · open value {fmt.money(open_value)} · {stuck} stuck shown"
        )
        index, deal_id = message.focus
        self._focus(index, deal_id)

    # --- where the cursor is ---------------------------------------------------------------------------------

    def _lists(self) -> list[OptionList]:
        return list(self.query(".stage-deals").results(OptionList))

    def _position(self) -> tuple[int, str | None]:
        lists = self._lists()
        for i, option_list in enumerate(lists):
            if option_list.has_focus:
                highlighted = option_list.highlighted
                option = option_list.get_option_at_index(highlighted) if highlighted is not None else None
                return i, option.id if option else None
        return 0, None

    def _focus(self, index: int, deal_id: str | None = None) -> None:
        lists = self._lists()
        if not lists:
            return
        index = max(0, min(index, len(lists) - 1))
        target = lists[index]
        target.focus()
        if deal_id is not None:
            with suppress(OptionDoesNotExist):  # the deal left this column (moved by someone else): keep the first
                target.highlighted = target.get_option_index(deal_id)
        if target.highlighted is None and target.option_count:
            target.highlighted = 0
        target.parent.scroll_visible(animate=False)

    def current_deal(self):
        index, deal_id = self._position()
        if deal_id is None or not deal_id.isdigit() or index >= len(self.columns):
            return None
        return next((d for d in self.columns[index].deals if str(d.id) == deal_id), None)

    # --- actions ---------------------------------------------------------------------------------------------

    def action_column(self, step: int) -> None:
        index, _ = self._position()
        self._focus(index + step)

    def action_row(self, direction: str) -> None:
        for option_list in self._lists():
            if option_list.has_focus:
                option_list.action_cursor_down() if direction == "down" else option_list.action_cursor_up()

    def action_move(self, step: int) -> None:
        deal = self.current_deal()
        index, _ = self._position()
        if deal is None:
            self.notify("No deal is selected.", severity="warning")
            return
        target = index + step
        if not 0 <= target < len(self.columns):
            self.notify(f"{deal.title} is in the {'first' if step < 0 else 'last'} stage.", severity="warning")
            return
        self._move(deal.id, deal.title, self.columns[target].stage_id, self.columns[target].stage, target)

    @work(thread=True, exclusive=True, exit_on_error=False, group="move")
    def _move(self, deal_id: int, title: str, stage_id: int, stage: str, target: int) -> None:
        move_deal(self.app.actor, deal_id, stage_id)
        self.app.call_from_thread(self.notify, f"Moved {title} to {stage}.")
        self.app.call_from_thread(self.action_reload, (target, str(deal_id)))

    def action_open(self) -> None:
        deal = self.current_deal()
        if deal is not None:
            self.app.push_screen(CustomerScreen(deal.customer_id), lambda _: self.action_reload())

    def action_followup(self) -> None:
        deal = self.current_deal()
        if deal is not None:
            self.app.push_screen(FollowupModal(deal.customer_id, deal.customer))

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_open()
