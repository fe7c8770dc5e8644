"""Products (产品): the catalogue quotes and contracts price their lines from. Everyone reads it; managers and
admins change it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, require_manager
from crmtui.store.kernel.db import db
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.lookup import resolve
from crmtui.store.kernel.models import Product
from crmtui.store.kernel.settings import currency

EDITABLE = ("code", "name", "unit", "unit_price", "active")


@dataclass
class ProductRow:
    id: int
    code: str
    name: str
    unit: str
    unit_price: Decimal
    active: bool


def _row(product: Product) -> ProductRow:
    return ProductRow(product.id, product.code, product.name, product.unit, product.unit_price, product.active)


def _text(value: str, what: str) -> str:
    """A product's required code, name or unit."""
    if not (value or "").strip():
        raise BadInput(f"A product needs a {what}.")
    return values.text(value, f"product {what}")


def _price(value) -> Decimal:
    return values.money(value, "Unit price", currency())


def _check_code_free(code: str, product_id: int | None = None) -> None:
    taken = Product.select(Product.id).where(fn.LOWER(Product.code) == code.lower())
    if product_id is not None:
        taken = taken.where(Product.id != product_id)
    if taken.exists():
        raise Refused(f"Product code {code!r} is already taken.")


def find_product(ref: str | int) -> Product:
    """A product by id (`12`, `#12`), exact code (any case), or unambiguous name."""
    text = str(ref).strip()
    if text and not text.lstrip("#").isdigit():
        by_code = Product.get_or_none(fn.LOWER(Product.code) == text.lower())
        if by_code is not None:
            return by_code
    elif text:
        by_code = Product.get_or_none(Product.code == text)  # a code made only of digits
        if by_code is not None and not Product.select().where(Product.id == int(text.lstrip("#"))).exists():
            return by_code
    return resolve(Product, ref, Product.name, Product.id.is_null(False), "product")


def add_product(actor: Actor, code: str, name: str, unit_price="0", unit: str = "unit", active: bool = True) -> int:
    """Add a product to the catalogue (managers and admins); returns its id."""
    require_manager(actor, "change the product catalogue")
    row = dict(
        code=_text(code, "code"),
        name=_text(name, "name"),
        unit=_text(unit, "unit"),
        unit_price=_price(unit_price),
        active=values.yes_no(active),
    )
    with db.atomic():
        _check_code_free(row["code"])
        product_id = Product.insert(**row).execute()
        audit.created(actor.login, "product", product_id, row)
    return product_id


def edit_product(actor: Actor, ref: str | int, **fields) -> dict:
    """Change the fields given (None leaves one as it is); returns {field: [old, new]} (empty: nothing changed)."""
    require_manager(actor, "change the product catalogue")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise BadInput(f"Cannot edit {', '.join(sorted(unknown))}.")
    checks = {
        "code": lambda v: _text(v, "code"),
        "name": lambda v: _text(v, "name"),
        "unit": lambda v: _text(v, "unit"),
        "unit_price": _price,
        "active": values.yes_no,
    }
    new = {k: checks[k](v) for k, v in fields.items() if v is not None}
    with db.atomic():
        product = find_product(ref)
        if "code" in new:
            _check_code_free(new["code"], product.id)
        return audit.update(actor.login, product, new, "product")


def get_product(actor: Actor, ref: str | int) -> ProductRow:
    return _row(find_product(ref))


def list_products(
    actor: Actor, text: str | None = None, active: bool | None = None, limit: int | None = 50, offset: int = 0
) -> list[ProductRow]:
    """The catalogue in code order; TEXT matches code or name; ACTIVE filters offered (True) or withdrawn (False)."""
    values.page(limit, offset)
    query = Product.select()
    if text:
        needle = text.strip().lower()
        query = query.where(fn.LOWER(Product.code).contains(needle) | fn.LOWER(Product.name).contains(needle))
    if active is not None:
        query = query.where(Product.active == active)
    return [_row(p) for p in query.order_by(Product.code, Product.id).offset(offset or None).limit(limit)]
