"""The door into the full-screen UI: `crm tui`, and `crm` alone on a terminal. It lives beside cli.py, outside
crmtui/commands, because command modules never import Textual; Textual loads only when the UI opens."""

from crmtui.commands import context


def launch() -> None:
    from crmtui.app import CrmApp  # Textual and the screens: only for the UI

    CrmApp(actor=context.actor()).run()


def tui() -> None:
    """Open the full-screen UI (also what `crm` alone does on a terminal).

    Example: crm --user wang.fang tui
    """
    launch()
