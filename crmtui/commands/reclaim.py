"""`crm reclaim`: the rule-driven return of stale customers to the pool (回收), for cron."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context
from crmtui.commands.output import emit_objects, say


def reclaim(
    territory: Annotated[Optional[str], typer.Option("--territory", "-t", help="Only this territory (default: all you manage).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would go back; change nothing.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing unless something failed (for cron).")] = False,
    fmt: context.FormatOption = None,
) -> None:
    """Send customers whose tier rule fired back to the pool, in one pass; prints a summary per territory and
    rep. Exits 6 while another reclaim runs. CRM_NOW runs it as of another date.

    Example: CRM_USER=root crm reclaim --territory 华东 --dry-run
    """
    from crmtui.store.pool.reclaim import reclaim as run_reclaim

    result = run_reclaim(context.actor(), territory, dry_run)
    if quiet:
        return
    emit_objects(result.rows, context.output_format(fmt), ["territory", "owner", "reclaimed"], empty=None)  # the total follows
    verb = "Would reclaim" if dry_run else "Reclaimed"
    say(f"{verb} {result.total} customer{'s' if result.total != 1 else ''}.")
