"""`crm contact`: the people at a customer."""

from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, say
from crmtui.store.customers.contacts import ContactRow, add_contact, edit_contact, list_contacts

app = typer.Typer(help="Contacts: the people at a customer.", no_args_is_help=True)

TitleOption = Annotated[Optional[str], typer.Option("--title", help="Job title.")]
WechatOption = Annotated[Optional[str], typer.Option("--wechat", help="WeChat id.")]
BirthdayOption = Annotated[Optional[str], typer.Option("--birthday", help="A date: 1990-05-01.")]


@app.command("add")
def add(
    customer: Annotated[str, typer.Argument(help="Customer id or unambiguous name.")],
    name: Annotated[str, typer.Argument(help="The contact's name.")],
    title: TitleOption = None,
    phone: options.PhoneOption = None,
    email: options.EmailOption = None,
    wechat: WechatOption = None,
    birthday: BirthdayOption = None,
) -> None:
    """Add a contact to a customer you may change. Prints the new id.

    Example: crm contact add 北京华南科技 刘洋 --title 采购经理 --phone 13912345678 --birthday 1985-03-08
    """
    typer.echo(
        add_contact(
            context.actor(), customer, name, title=title, phone=phone, email=email, wechat=wechat, birthday=birthday
        )
    )


@app.command("list")
def list_(
    customer: options.customer("contacts") = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the contacts of the customers you can see.

    Example: crm contact list --customer 张伟 --format csv
    """
    rows = list_contacts(context.actor(), customer, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=ContactRow, empty="No contacts.")


@app.command("edit")
def edit(
    contact: Annotated[str, typer.Argument(help="Contact id or unambiguous name.")],
    name: Annotated[Optional[str], typer.Option("--name", help="New name.")] = None,
    title: TitleOption = None,
    phone: options.PhoneOption = None,
    email: options.EmailOption = None,
    wechat: WechatOption = None,
    birthday: BirthdayOption = None,
) -> None:
    """Change a contact; an empty value ('') clears an optional field.

    Example: crm contact edit 刘洋 --title 总经理 --wechat liuyang88
    """
    diff = edit_contact(
        context.actor(), contact, name=name, title=title, phone=phone, email=email, wechat=wechat, birthday=birthday
    )
    say(f"Updated {contact}: {', '.join(diff)}." if diff else "Nothing to change.")
