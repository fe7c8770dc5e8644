"""`crm demo`: fill a database with a realistic, deterministic demo data set."""

from contextlib import contextmanager
from typing import Annotated

import typer

from crmtui.commands import context
from crmtui.commands.output import console, say
from crmtui.store.demo.seed import describe, has_data, seed_demo
from crmtui.store.kernel.access import SYSTEM, actor_for
from crmtui.store.platform.schema import ensure_ready
from crmtui.store.platform.session import connect


def demo(
    customers: Annotated[int, typer.Option("--customers", "-n", help="How many customers to make.", min=1)] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="The same seed (on the same day) makes the same rows.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Empty every table first (settings are kept), then seed.")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Seed only a database without customers; otherwise say so and exit 0.")
    ] = False,
) -> None:
    """Seed demo data: 3 territories (华东, 华南, 华北) with a manager and reps each (log in as li.na, the 华东
    manager, or admin), customers of every tier (some in the pool), contacts, a year of follow-ups, deals in every
    stage, quotes, contracts with instalments, payments and invoices, tickets and return visits. Dates lie around
    today (CRM_NOW pins it). Refuses a database holding data unless --force.

    Example: crm --db sqlite:///demo.db demo --customers 100000 --seed 7
    """
    connect(context.options.db)
    ensure_ready()
    if if_empty and has_data():
        say("The database holds data already; the demo was not seeded.")
        return
    # Without --user, an empty database is seeded (and a full one refused) as the system, as `make run` does;
    # emptying one with --force takes an admin.
    actor = actor_for(context.options.user) if context.options.user or (force and has_data()) else SYSTEM
    with _progress() as progress:
        result = seed_demo(actor, customers, seed, force, progress)
    say(describe(result))
    say("Try: crm --user li.na customer list --due today   (li.na manages 华东; admin sees everything)")


@contextmanager
def _progress():
    """A Rich progress bar per table on a terminal's stderr; nothing otherwise."""
    if not context.interactive():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tasks: dict[str, int] = {}
    with Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
    ) as bar:

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update
