"""`crm pool`: the public pool (公海池) — list, claim, release, assign, its rules, and reclaim warnings."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record, say
from crmtui.store.customers.records import CustomerFilter
from crmtui.store.pool.assign import assign as assign_customers
from crmtui.store.pool.claims import PoolRow, list_pool
from crmtui.store.pool.claims import claim as claim_customers
from crmtui.store.pool.owned import release as release_customers
from crmtui.store.pool.rules import TierRow, set_rules, show_rules
from crmtui.store.pool.warnings import WarnRow
from crmtui.store.pool.warnings import warn as due_soon

app = typer.Typer(
    help="The public pool (公海): list, claim, release, assign; rules and warnings.", no_args_is_help=True
)
rules_app = typer.Typer(
    help="A territory's pool rules: limits, caps, cooldown and reclaim days per tier.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")

CustomersArgument = Annotated[list[str], typer.Argument(help="Customer ids or unambiguous names.")]
YesNo = Annotated[Optional[str], typer.Option(metavar="yes|no")]
TABLE_COLUMNS = ["id", "name", "tier", "territory", "days_in_pool", "former_owner", "last_followup_at", "tags"]


@app.command("list")
def list_(
    territory: options.TerritoryOption = None,
    tier: options.tiers("A tier, or several: A,B.") = None,
    tag: Annotated[Optional[str], typer.Option("--tag", help="Only customers with this tag.")] = None,
    text: Annotated[
        Optional[str], typer.Option("--text", help="Search text: name, pinyin, initials, phone, email.")
    ] = None,
    sort: Annotated[
        Optional[str],
        typer.Option("--sort", help="name, id, tier, created, updated, last_followup; prefix - to reverse."),
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the pool customers you can see, with days in the pool and the former owner.

    Example: crm pool list --territory 华东 --tier A,B --sort -created
    """
    flt = CustomerFilter(tier=tier, tag=tag, text=text)
    chosen = context.output_format(fmt)
    columns = TABLE_COLUMNS if chosen == "table" else None  # CSV and JSON carry every field
    rows = list_pool(context.actor(), territory, flt, sort, limit or None, offset)
    emit_objects(rows, chosen, columns, row_type=PoolRow, empty="No customers in the pool.")


@app.command("claim")
def claim(
    customers: Annotated[Optional[list[str]], typer.Argument(help="Customer ids or unambiguous names.")] = None,
    next_: Annotated[
        Optional[int], typer.Option("--next", metavar="N", help="Claim the N oldest pool customers.")
    ] = None,
    tier: options.tiers("With --next: only this tier.") = None,
    territory: options.TerritoryOption = None,
    fmt: options.FormatOption = None,
) -> None:
    """Claim pool customers; prints each outcome, and exits 5 when every claim was refused.

    A claim is refused by the daily limit, the owned cap, the cooldown, or because someone claimed it first.

    Example: crm pool claim 1204 华南科技 ; crm pool claim --next 5 --tier A
    """
    outcomes = claim_customers(context.actor(), customers or (), next_, tier, territory)
    emit_objects(
        outcomes,
        context.output_format(fmt),
        ["customer_id", "name", "outcome", "reason", "owner"],
        empty="Nothing to claim.",
    )
    if not any(o.claimed for o in outcomes):
        raise typer.Exit(5)


@app.command("release")
def release(
    customers: CustomersArgument,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why they go back to the pool (required).")] = "",
) -> None:
    """Put customers you own (or your team owns) back into the pool, with a reason.

    Example: crm pool release 1204 1205 --reason "not a fit: wrong industry"
    """
    ids = release_customers(context.actor(), customers, reason)
    say(f"Released {len(ids)} customer{'s' if len(ids) != 1 else ''} to the pool: {', '.join(f'#{i}' for i in ids)}.")


@app.command("assign")
def assign(
    territory: options.TerritoryOption,
    to: Annotated[
        Optional[str],
        typer.Option("--to", help="Reps to give to, comma separated (default: the territory's active reps)."),
    ] = None,
    per_rep: Annotated[Optional[int], typer.Option("--per-rep", help="Customers for each rep.")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Customers in all.")] = None,
    tier: options.tiers("Only pool customers of this tier (or several: A,B).") = None,
    strategy: Annotated[
        str, typer.Option("--strategy", help="even (random), round-robin, or weighted (by remaining capacity).")
    ] = "even",
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed for a repeatable random plan.")] = None,
    dry_run: options.dry_run("Show the plan; change nothing.") = False,
    fmt: options.FormatOption = None,
) -> None:
    """Give pool customers to reps in one batch (managers). Prints per rep: owned before, given, after.

    Example: crm pool assign --territory 华东 --per-rep 30 --tier A,B --strategy even --seed 7 --dry-run
    """
    reps = [r.strip() for r in to.split(",") if r.strip()] if to else None
    result = assign_customers(context.actor(), territory, reps, per_rep, limit, tier, strategy, seed, dry_run)
    emit_objects(
        result.rows, context.output_format(fmt), ["rep", "active", "cap", "owned_before", "given", "after"], empty=None
    )
    verb = "Would give" if dry_run else "Gave"
    say(f"{verb} {result.given} customers of {result.territory}'s pool ({result.strategy}).")


@app.command("warn")
def warn(
    user: Annotated[Optional[str], typer.Option("--user", help="Whose customers (default: yours).")] = None,
    fmt: options.FormatOption = None,
) -> None:
    """List customers that go back to the pool within the territory's warn days unless followed up.

    Example: crm pool warn --user wang
    """
    rows = due_soon(context.actor(), user)
    emit_objects(rows, context.output_format(fmt), row_type=WarnRow, empty=None)
    if not rows:  # in every format, on stderr
        say("Nothing is due to be reclaimed soon.")


def _yes_no(value: str | None, option: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("yes", "y", "true", "on"):
        return True
    if value.lower() in ("no", "n", "false", "off"):
        return False
    raise typer.BadParameter(f"{option} takes yes or no")


def _days(value: str | None, option: str) -> int | None:
    """A day count; 'off' (or 0) turns the rule off."""
    if value is None:
        return None
    if value.lower() == "off":
        return 0
    if not value.isdigit():
        raise typer.BadParameter(f"{option} takes a number of days or off")
    return int(value)


@rules_app.command("show")
def rules_show(territory: options.TerritoryOption, fmt: options.FormatOption = None) -> None:
    """Show a territory's pool rules and its reclaim days per tier.

    Example: crm pool rules show --territory 华东
    """
    import dataclasses

    view = show_rules(context.actor(), territory)
    chosen = context.output_format(fmt)
    record = dataclasses.asdict(view)
    if chosen in ("json", "jsonl"):
        emit_record(record, chosen)
        return
    record.pop("tiers")
    emit_record(record, chosen, title=f"Pool rules of {view.territory}")
    if chosen == "table":
        typer.echo()
    emit_objects(
        view.tiers, chosen, title="Reclaim days per tier (empty: off)", row_type=TierRow, empty="No tier rules."
    )


@rules_app.command("set")
def rules_set(
    territory: options.TerritoryOption,
    tier: options.tiers("The tier the day counts are for.") = None,
    no_followup_days: Annotated[
        Optional[str],
        typer.Option("--no-followup-days", metavar="N|off", help="Reclaim after N days without a follow-up."),
    ] = None,
    no_deal_days: Annotated[
        Optional[str],
        typer.Option("--no-deal-days", metavar="N|off", help="Reclaim after N days owned without a won deal."),
    ] = None,
    keep_won: YesNo = None,
    warn_days: Annotated[Optional[int], typer.Option("--warn-days", help="Warn owners this many days before.")] = None,
    claim_limit: Annotated[Optional[int], typer.Option("--claim-limit", help="Claims per rep per day.")] = None,
    owned_cap: Annotated[Optional[int], typer.Option("--owned-cap", help="Customers a rep may own.")] = None,
    cap_counts_won: YesNo = None,
    cooldown_days: Annotated[
        Optional[int], typer.Option("--cooldown-days", help="Days before a rep may claim back what they gave up.")
    ] = None,
) -> None:
    """Change a territory's pool rules (managers of the territory and admins); audited.

    Example: crm pool rules set --territory 华东 --tier C --no-followup-days 10 --claim-limit 30 --keep-won yes
    """
    diff = set_rules(
        context.actor(),
        territory,
        tier,
        no_followup_days=_days(no_followup_days, "--no-followup-days"),
        no_deal_days=_days(no_deal_days, "--no-deal-days"),
        keep_won=_yes_no(keep_won, "--keep-won"),
        warn_days=warn_days,
        claim_limit=claim_limit,
        owned_cap=owned_cap,
        cap_counts_won=_yes_no(cap_counts_won, "--cap-counts-won"),
        cooldown_days=cooldown_days,
    )
    say(f"Changed {', '.join(diff)}." if diff else "Nothing to change.")
