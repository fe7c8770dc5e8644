"""End to end through the real `crm` entry point in tmux: open the TUI, log a follow-up with keys, quit, and find
it with `crm followup list`."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest
from conftest import CRM_SCRIPT
from tui_helpers import NOW, seed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)"),
]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def wait_for(session: str, text: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")


def send(session: str, *keys: str) -> None:
    for key in keys:  # one at a time, as a person types: focus moves between keys
        tmux("send-keys", "-t", session, key)
        time.sleep(0.15)


def test_log_a_followup_in_the_tui_then_list_it_with_the_cli(team, monkeypatch, crm, store):
    monkeypatch.setenv("CRM_NOW", NOW)
    seed()
    session = "crm-e2e-" + uuid.uuid4().hex[:8]
    command = f"CRM_NOW={NOW} CRM_DB='{store}' TERM=xterm-256color {CRM_SCRIPT} --user wang"  # `crm` alone: the TUI
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "1–12 of 12 customers")
        send(session, "/")
        send(session, *"cqhg")
        wait_for(session, "1–1 of 1 customers")
        send(session, "Escape", "f")
        wait_for(session, "Follow-up · 重庆火锅连锁")
        send(session, *"tmux-note", "Tab", *"+2d", "Enter")
        wait_for(session, "2026-06-03")  # the next follow-up date, now in the list row
        send(session, "q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    listed = crm("followup", "list", "--customer", "重庆火锅连锁", "--format", "csv", user="wang", env={"CRM_NOW": NOW})
    assert listed.exit_code == 0, listed.stderr
    rows = listed.stdout.strip().splitlines()
    assert len(rows) == 2 and "tmux-note" in rows[1] and "2026-06-03" in rows[1], listed.stdout
