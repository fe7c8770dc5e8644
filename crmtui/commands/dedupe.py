"""`crm customer dupes` and `crm customer merge`: find likely duplicate customers and fold them into one."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit, say
from crmtui.store.customers.dupes import find_dupes
from crmtui.store.customers.dupes import merge as merge_customers
from crmtui.store.customers.records import find_customer


def dupes(
    similarity: Annotated[
        int,
        typer.Option(
            "--similarity", help="How alike two names must be to group them, in percent (100: only equal names)."
        ),
    ] = 90,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", help="At most this many groups.")] = None,
    fmt: options.FormatOption = None,
) -> None:
    """List groups of likely duplicate customers: the same name once width, case, spacing and company suffixes
    (有限公司, Co., Ltd., Inc. …) are set aside, the same phone or e-mail, or very similar names. One row per
    customer, numbered by group.

    Example: crm customer dupes --similarity 85 --limit 20
    """
    groups = find_dupes(context.actor(), similarity, limit)
    rows = (
        (number, m.id, m.name, m.phone, m.email, m.owner, "; ".join(group.reasons))
        for number, group in enumerate(groups, 1)
        for m in group.members
    )
    emit(["group", "id", "name", "phone", "email", "owner", "why"], rows, context.output_format(fmt))
    say(f"{len(groups)} group(s) of likely duplicates." if groups else "No likely duplicates.")


def merge(
    keep: Annotated[str, typer.Argument(help="The customer to keep (id or unambiguous name).", show_default=False)],
    others: Annotated[
        list[str], typer.Argument(help="The customers merged into it and then deleted.", show_default=False)
    ],
) -> None:
    """Merge customers into KEEP: their contacts, follow-ups, deals, contracts, quotes, tickets, visits and tags
    move to KEEP, KEEP's empty phone/e-mail/… are filled from them, and they are deleted (restorable). Audited.

    Example: crm customer merge 1024 1077 "北京华南科技"
    """
    actor = context.actor()
    kept = find_customer(actor, keep, write=True)
    result = merge_customers(actor, kept.id, [find_customer(actor, ref, write=True).id for ref in others])
    moved = ", ".join(f"{n} {label}" for label, n in result.moved.items() if n) or "nothing to move"
    say(f"Merged {', '.join(f'#{i}' for i in result.merged)} into #{result.kept} {kept.name}: {moved}.")
