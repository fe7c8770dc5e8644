"""The Textual screens of crmtui: one module per screen, modals and shared widgets (never the CLI layer)."""
