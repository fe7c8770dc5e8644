"""`crm init`: create or upgrade the schema and the first admin."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context
from crmtui.commands.output import say
from crmtui.store.platform.session import connect
from crmtui.store.platform.setup import initialize


def init(
    admin: Annotated[Optional[str], typer.Option("--admin", help="Create this admin user if missing.")] = None,
) -> None:
    """Create or upgrade the database (backing it up first), and the first admin. Safe to run again.

    Example: crm --db sqlite:///team.db init --admin alice
    """
    sqlite_file = connect(context.options.db)
    applied, saved, created = initialize(sqlite_file, admin)
    if saved:
        say(f"Backed up the database to {saved}.")
    say(f"Applied {len(applied)} migration(s)." if applied else "The schema is up to date.")
    if created:
        say(f"Created admin {admin!r}. Act as them with --user {admin} or CRM_USER={admin}.")
