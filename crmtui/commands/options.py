"""The options many commands share, declared once: a list's page (--limit, --offset), its output format, and the
usual filters (--territory, --customer, --owner, --tier, --since/--until), so they read and behave the same
everywhere. A factory takes the help text where what the option narrows differs from command to command."""

from typing import Annotated, Optional

from typer import Option

from crmtui.commands.context import check_format

# Every listing command takes --format too, so it may follow the command as well as precede it.
FormatOption = Annotated[
    Optional[str],
    Option("--format", "-f", help="table, csv, tsv, json or jsonl.", callback=check_format, show_default=False),
]
LimitOption = Annotated[int, Option("--limit", "-n", help="At most this many rows (0: all).")]
OffsetOption = Annotated[int, Option("--offset", help="Skip this many rows first.")]
TerritoryOption = Annotated[Optional[str], Option("--territory", "-t", help="Territory name or id.")]
PhoneOption = Annotated[Optional[str], Option("--phone", help="Phone number.")]
EmailOption = Annotated[Optional[str], Option("--email", help="Email address.")]
PipelineOption = Annotated[
    Optional[str], Option("--pipeline", "-p", help="Pipeline name or id (default: the default pipeline).")
]
SinceOption = Annotated[Optional[str], Option("--since", metavar="DATE", help="From this day on.")]
UntilOption = Annotated[Optional[str], Option("--until", metavar="DATE", help="Up to and including this day.")]


def territory(help: str):
    return Annotated[Optional[str], Option("--territory", "-t", help=help)]


def customer(rows: str):
    """--customer narrowing a list to one customer's ROWS (tickets, quotes …)."""
    return Annotated[Optional[str], Option("--customer", "-c", help=f"Only this customer's {rows}.")]


def owner(help: str):
    return Annotated[Optional[str], Option("--owner", "-o", help=help)]


def tiers(help: str = "A tier, or several: A,B."):
    return Annotated[Optional[str], Option("--tier", help=help)]


def dry_run(help: str):
    return Annotated[bool, Option("--dry-run", help=help)]
