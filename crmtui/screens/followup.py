"""Quick follow-up: type, note and next date for one customer, saved in one step (store/followups.log_followup)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from crmtui.store.customers.followups import log_followup
from crmtui.store.kernel.values import FOLLOWUP_TYPES

from .base import ReportsFailures


class FollowupModal(ReportsFailures, ModalScreen[int | None]):
    """Dismissed with the new follow-up's id, or None when cancelled. A refusal keeps the modal open and says why."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="followup.cancel"),
        Binding("ctrl+s", "save", "Save", id="followup.save"),
    ]

    def __init__(self, customer_id: int, customer_name: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer_name = customer_name

    def compose(self) -> ComposeResult:
        with Vertical(id="followup-dialog", classes="dialog"):
            yield Label(f"Follow-up · {self.customer_name}", classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Type", classes="field-label")
                yield Select(
                    [(t, t) for t in FOLLOWUP_TYPES], value="call", allow_blank=False, compact=True, id="fu-type"
                )
            with Horizontal(classes="field"):
                yield Label("Note", classes="field-label")
                yield Input(placeholder="what was said", id="fu-note", compact=True)
            with Horizontal(classes="field"):
                yield Label("Next", classes="field-label")
                yield Input(placeholder="+3d, tomorrow, fri, 2026-12-01 (optional)", id="fu-next", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Save ^s", variant="primary", id="fu-save", compact=True)
                yield Button("Cancel esc", id="fu-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#fu-note", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#fu-save")
    def action_save(self) -> None:
        kind = self.query_one("#fu-type", Select).value
        note = self.query_one("#fu-note", Input).value
        next_at = self.query_one("#fu-next", Input).value.strip() or None
        self.query_one("#fu-save", Button).disabled = True
        self._save(str(kind), note, next_at)

    @on(Button.Pressed, "#fu-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="write")
    def _save(self, kind: str, note: str, next_at: str | None) -> None:
        try:
            followup_id = log_followup(self.app.actor, self.customer_id, type=kind, note=note, next=next_at)
        finally:
            self.app.call_from_thread(setattr, self.query_one("#fu-save", Button), "disabled", False)
        self.app.call_from_thread(self._saved, followup_id)

    def _saved(self, followup_id: int) -> None:
        self.notify(f"Follow-up #{followup_id} logged on {self.customer_name}.")
        self.dismiss(followup_id)
