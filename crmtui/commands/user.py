"""`crm user`: the people who use crm, their roles, territories and managers."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, say
from crmtui.store.org.users import UserRow, add_user, edit_user, list_users

app = typer.Typer(help="Users: admins, managers and reps.", no_args_is_help=True)

RoleOption = Annotated[Optional[str], typer.Option("--role", help="admin, manager or rep.")]
ManagerOption = Annotated[Optional[str], typer.Option("--manager", "-m", help="The manager's login.")]
NameOption = Annotated[Optional[str], typer.Option("--name", help="Display name.")]


@app.command("add")
def add(
    login: Annotated[str, typer.Argument(help="Login name (one word).")],
    role: Annotated[str, typer.Option("--role", help="admin, manager or rep.")] = "rep",
    territory: options.TerritoryOption = None,
    manager: ManagerOption = None,
    name: NameOption = None,
    email: options.EmailOption = None,
) -> None:
    """Add a user. Prints the new id.

    Example: crm user add wang.fang --role rep --territory 华东 --manager li.na --name 王芳
    """
    typer.echo(add_user(context.actor(), login, role, name, territory, manager, email))


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include deactivated users.")] = False,
    fmt: options.FormatOption = None,
) -> None:
    """List users with role, manager, territory and how many customers they own.

    Example: crm user list --format csv
    """
    rows = list_users(context.actor(), include_inactive=all_)
    emit_objects(rows, context.output_format(fmt), row_type=UserRow, empty="No users.")


@app.command("edit")
def edit(
    login: Annotated[str, typer.Argument(help="The user to change.")],
    role: RoleOption = None,
    territory: options.territory("Territory, or 'none'.") = None,
    manager: Annotated[Optional[str], typer.Option("--manager", "-m", help="Manager's login, or 'none'.")] = None,
    name: NameOption = None,
    email: options.EmailOption = None,
    active: Annotated[Optional[bool], typer.Option("--active/--inactive", help="Activate or deactivate.")] = None,
) -> None:
    """Change a user's role, territory, manager, name, email or active flag.

    Example: crm user edit wang.fang --territory 华南 --manager zhao.lei
    """
    edit_user(
        context.actor(),
        login,
        role=role,
        territory=territory,
        manager=manager,
        display_name=name,
        email=email,
        active=active,
    )
    say(f"Updated {login}.")


@app.command("deactivate")
def deactivate(login: Annotated[str, typer.Argument(help="The user to deactivate.")]) -> None:
    """Deactivate a user: they can no longer act, and assignment skips them. Their customers stay theirs.

    Example: crm user deactivate wang.fang
    """
    edit_user(context.actor(), login, active=False)
    say(f"Deactivated {login}.")
