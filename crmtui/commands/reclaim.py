"""`crm reclaim`: the rule-driven return of stale customers to the pool (回收), for cron."""

from typing import Annotated

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, say
from crmtui.store.pool.reclaim import reclaim as run_reclaim


def reclaim(
    territory: options.territory("Only this territory (default: all you manage).") = None,
    dry_run: options.dry_run("Show what would go back; change nothing.") = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing unless something failed (for cron).")
    ] = False,
    fmt: options.FormatOption = None,
) -> None:
    """Send customers whose tier rule fired back to the pool, in one pass; prints a summary per territory and
    rep. Exits 6 while another reclaim runs. CRM_NOW runs it as of another date.

    Example: CRM_USER=root crm reclaim --territory 华东 --dry-run
    """
    result = run_reclaim(context.actor(), territory, dry_run)
    if quiet:
        return
    emit_objects(
        result.rows, context.output_format(fmt), ["territory", "owner", "reclaimed"], empty=None
    )  # the total follows
    verb = "Would reclaim" if dry_run else "Reclaimed"
    say(f"{verb} {result.total} customer{'s' if result.total != 1 else ''}.")
