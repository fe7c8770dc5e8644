"""`crm customer lock|unlock|transfer`: who keeps a customer, mounted on the customer command group by cli.py."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context
from crmtui.commands.output import say
from crmtui.store.pool.owned import set_locked
from crmtui.store.pool.owned import transfer as transfer_customer

CustomerArgument = Annotated[str, typer.Argument(help="Customer id or unambiguous name.")]


def _set_locked(customer: str, locked: bool) -> None:
    changed = set_locked(context.actor(), customer, locked)
    state = "locked" if locked else "unlocked"
    say(f"Customer {customer} is {state}." if changed else f"Customer {customer} was {state} already.")


def lock(customer: CustomerArgument) -> None:
    """Lock a customer: reclaim never takes it back to the pool (managers and admins).

    Example: crm customer lock 1204
    """
    _set_locked(customer, True)


def unlock(customer: CustomerArgument) -> None:
    """Unlock a customer, so the reclaim rules apply to it again.

    Example: crm customer unlock 1204
    """
    _set_locked(customer, False)


def transfer(
    customer: CustomerArgument,
    to: Annotated[str, typer.Option("--to", help="The rep who gets it (same territory).")],
    reason: Annotated[Optional[str], typer.Option("--reason", "-r", help="Why, for the ownership history.")] = None,
) -> None:
    """Give a customer to another rep of its territory (managers and admins; the owned cap holds).

    Example: crm customer transfer 1204 --to zhang --reason "wang is on leave"
    """
    outcome = transfer_customer(context.actor(), customer, to, reason)
    say(f"Customer #{outcome.customer_id} {outcome.name}: {outcome.reason} to {outcome.owner}.")
