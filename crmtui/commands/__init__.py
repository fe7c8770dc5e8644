"""The `crm` command line: one Typer module per noun, each a thin layer over crmtui.store."""
