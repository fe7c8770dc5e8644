"""`crm product`: the catalogue (产品) quotes and contracts are priced from."""

import dataclasses
from typing import Annotated, Optional

import typer

from crmtui.commands import context, options
from crmtui.commands.output import emit_objects, emit_record, say
from crmtui.store.sales.products import ProductRow, add_product, edit_product, get_product, list_products

app = typer.Typer(help="Products: the catalogue quotes and contracts price their lines from.", no_args_is_help=True)

ProductArgument = Annotated[str, typer.Argument(help="Product id, code or unambiguous name.")]


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="A unique product code.")],
    name: Annotated[str, typer.Argument(help="The product's name.")],
    price: Annotated[str, typer.Option("--price", help="Unit price, e.g. 1999.00.")] = "0",
    unit: Annotated[str, typer.Option("--unit", help="Unit of sale: 套, 年, seat …")] = "unit",
    inactive: Annotated[bool, typer.Option("--inactive", help="Add it withdrawn (not offered).")] = False,
) -> None:
    """Add a product (managers and admins). Prints the new id.

    Example: crm product add CRM-PRO "CRM 专业版" --price 1999 --unit 套
    """
    typer.echo(add_product(context.actor(), code, name, price, unit, active=not inactive))


@app.command("list")
def list_(
    text: Annotated[Optional[str], typer.Option("--text", help="Code or name contains this.")] = None,
    active: Annotated[
        Optional[bool], typer.Option("--active/--inactive", help="Only offered, or only withdrawn.", show_default=False)
    ] = None,
    limit: options.LimitOption = 50,
    offset: options.OffsetOption = 0,
    fmt: options.FormatOption = None,
) -> None:
    """List the catalogue in code order.

    Example: crm product list --active --text 专业
    """
    rows = list_products(context.actor(), text, active, limit or None, offset)
    emit_objects(rows, context.output_format(fmt), row_type=ProductRow, empty="No products.")


@app.command("show")
def show(product: ProductArgument, fmt: options.FormatOption = None) -> None:
    """Show one product.

    Example: crm product show CRM-PRO
    """
    row = get_product(context.actor(), product)
    emit_record(dataclasses.asdict(row), context.output_format(fmt), title=f"Product {row.code}")


@app.command("edit")
def edit(
    product: ProductArgument,
    code: Annotated[Optional[str], typer.Option("--code", help="New code.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="New name.")] = None,
    price: Annotated[Optional[str], typer.Option("--price", help="New unit price.")] = None,
    unit: Annotated[Optional[str], typer.Option("--unit", help="New unit.")] = None,
    active: Annotated[
        Optional[bool], typer.Option("--active/--inactive", help="Offer it again, or withdraw it.", show_default=False)
    ] = None,
) -> None:
    """Change a product (managers and admins); existing quotes and contracts keep their prices.

    Example: crm product edit CRM-PRO --price 2199 --inactive
    """
    diff = edit_product(context.actor(), product, code=code, name=name, unit_price=price, unit=unit, active=active)
    say(f"Updated product {product}: {', '.join(diff)}." if diff else "Nothing to change.")
