"""`crm tui`: the full-screen UI. Textual is imported only here, so other commands start fast."""

from crmtui.commands import context


def launch() -> None:
    from crmtui.app import CrmApp

    CrmApp(actor=context.actor()).run()


def tui() -> None:
    """Open the full-screen UI (also what `crm` alone does on a terminal).

    Example: crm --user wang.fang tui
    """
    launch()
