"""What every screen and worker-owning widget shares: worker failures go to the app's one handler
(Worker.StateChanged does not bubble, so each owner forwards it)."""

from __future__ import annotations

from textual.worker import Worker


class ReportsFailures:
    """Mix into a Screen or Widget that starts workers: a failed worker becomes a notification (CrmApp)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.worker_failed(event)
