"""`crm settings`: the database-wide settings (currency, repurchase and churn days)."""

from typing import Annotated

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, say
from crmtui.store.kernel.settings import SettingRow, set_setting, settings

app = typer.Typer(help="Database settings: currency, repurchase_days, risk_days.", no_args_is_help=True)


@app.command("show")
def show(fmt: options.FormatOption = None) -> None:
    """Show every setting: its value, its default and whether it was set.

    Example: crm settings show --format json
    """
    context.actor()  # opens the store (and checks who is acting)
    emit_objects(settings(), context.output_format(fmt), row_type=SettingRow, empty="No settings.")


@app.command("set")
def set_(
    key: Annotated[str, typer.Argument(help="currency, repurchase_days or risk_days.")],
    value: Annotated[str, typer.Argument(help="An ISO 4217 code (CNY, USD...) or a number of days (1-3650).")],
) -> None:
    """Change a setting (admins only). The currency cannot change once amounts are recorded.

    Example: crm settings set repurchase_days 180
    """
    diff = set_setting(context.actor(), key, value)
    say(f"{key} is now {diff[next(iter(diff))][1]}." if diff else f"{key} was already {value}; nothing to change.")
