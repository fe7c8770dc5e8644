"""The Textual screens of crmtui: one module per screen, modals and shared widgets. No typer here (DESIGN.md)."""
