"""crmtui: a terminal CRM for sales teams (a Typer CLI and a Textual UI over one Peewee store)."""

__version__ = "0.1.0"
