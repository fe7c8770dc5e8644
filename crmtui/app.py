"""The Textual App: modes for the main screens, one handler for every failed worker, claims shared by screens.

The store is opened by the caller (crmtui/ui.py through the command line's context.actor()); the app only gets the
acting Actor and calls store functions in thread workers, so the UI never owns the data layer.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable

from peewee import DatabaseError
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import CrmError
from crmtui.store.pool.claims import claim

from .screens.help import ActionsProvider, HelpScreen, screen_keys

WORKER_CACHE_KIB = -8000  # SQLite page cache per worker connection (negative: KiB)


def _screen(module: str, name: str) -> Callable[[], Screen]:
    """A main screen made on first use: its module (and the store code it shows) loads only when it is opened."""

    def make() -> Screen:
        return getattr(importlib.import_module(f"crmtui.screens.{module}"), name)()

    return make


class CrmApp(App):
    """crm: customers, pool, pipeline, dashboard and reports over one store, as ACTOR."""

    CSS_PATH = "screens/app.tcss"
    TITLE = "crm"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    ENABLE_COMMAND_PALETTE = True
    MODES = {
        "customers": _screen("customers", "CustomersScreen"),
        "pool": _screen("pool", "PoolScreen"),
        "pipeline": _screen("pipeline", "PipelineScreen"),
        "dashboard": _screen("dashboard", "DashboardScreen"),
        "reports": _screen("reports", "ReportsScreen"),
    }

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("1", "go('dashboard')", "Dashboard", show=False, id="app.dashboard"),
        Binding("2", "go('customers')", "Customers", show=False, id="app.customers"),
        Binding("3", "go('pool')", "Pool", show=False, id="app.pool"),
        Binding("4", "go('pipeline')", "Pipeline", show=False, id="app.pipeline"),
        Binding("5", "go('reports')", "Reports", show=False, id="app.reports"),
    ]

    def __init__(self, actor: Actor, start: str = "customers") -> None:
        super().__init__()
        self.actor = actor
        self.start = start

    # --- screens ---------------------------------------------------------------------------------------------

    def titled(self, what: str) -> str:
        """A screen's sub-title: what it shows, and who is acting."""
        return f"{what} · {self.actor.login or 'system'} ({self.actor.role})"

    def on_mount(self) -> None:
        self.sub_title = self.titled("")
        self._small_worker_caches()
        self.action_go(self.start)
        # What is alive once the first screen is up (modules, widgets, styles) lives as long as the app: out of the
        # collector's sight, a full collection no longer walks it (such a walk stalled a page down midway).
        self.call_after_refresh(gc.freeze)

    def on_unmount(self) -> None:
        gc.unfreeze()  # the app is done: its objects may be collected again (several apps run in one test process)

    def _small_worker_caches(self) -> None:
        """Thread workers each open their own SQLite connection: each gets a smaller page cache than the CLI's, so
        a few workers counting over a million rows do not each hold a large cache."""
        if not is_postgres():  # permanent: also the workers' connections, opened from now on
            db.obj.pragma("cache_size", WORKER_CACHE_KIB, permanent=True)

    def action_go(self, name: str) -> None:
        """Switch to a main screen (a mode, so each keeps its place)."""
        self.switch_mode(name)

    def action_help(self) -> None:
        screen = self.screen
        self.push_screen(HelpScreen(screen_keys(screen), screen.sub_title or self.title))

    # --- shared actions --------------------------------------------------------------------------------------

    def claim(self, customer_id: int, then: Callable[[], None] | None = None) -> None:
        """Claim one pool customer; the outcome (or the store's refusal and its reason) is a notification."""
        self._claim(customer_id, then)

    @work(thread=True, exclusive=False, exit_on_error=False, group="write")
    def _claim(self, customer_id: int, then: Callable[[], None] | None) -> None:
        outcome = claim(self.actor, [str(customer_id)])[0]
        self.call_from_thread(self._claimed, outcome, then)

    def _claimed(self, outcome, then) -> None:
        if outcome.claimed:
            self.notify(f"Claimed #{outcome.customer_id} {outcome.name}.")
        else:
            self.notify(f"Not claimed: {outcome.reason}.", title=outcome.name or "Claim", severity="warning")
        if then is not None:
            then()

    # --- failures --------------------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event)

    def worker_failed(self, event: Worker.StateChanged) -> None:
        """Every worker in the app reports here (screens forward theirs: screens/base.py): a store error becomes a
        notification with its sentence; anything else too, never a crash of the UI."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CrmError):
            self.notify(str(error), severity="error", timeout=8)
        elif isinstance(error, DatabaseError):
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            self.notify(f"The database refused the operation: {first}.", severity="error", timeout=8)
        else:
            self.notify(f"Unexpected failure ({type(error).__name__}: {error}).", severity="error", timeout=8)
