"""Quote and contract lines: the one rule for a line's total, and the parsing of what users type for a line.

A line's total is quantity × unit price × (1 − discount %), rounded half-up to the cent; a document's total is the
sum of its rounded line totals. Quantities are exact decimals (> 0); discounts 0–100 % with up to two decimals,
kept as basis points (12.5 % = 1250)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crmtui.store.kernel import values
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Product
from crmtui.store.kernel.settings import currency
from crmtui.store.kernel.values import CENT
from crmtui.store.sales.products import find_product

FULL_BP = 10000


@dataclass(frozen=True)
class LineInput:
    """A line as asked for: a product (id, code or name), a quantity, and optionally a price and a discount."""

    product: str
    quantity: str | Decimal | int
    unit_price: str | Decimal | None = None  # default: the product's unit price
    discount: str | Decimal | int | None = None  # percent, 0–100


@dataclass
class Line:
    product_id: int
    code: str
    product: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    discount_bp: int
    total: Decimal

    @property
    def discount(self) -> Decimal:
        return Decimal(self.discount_bp) / 100


def parse_quantity(text) -> Decimal:
    value = values.decimal(text, "Quantity")
    if value <= 0:
        raise BadInput(f"Quantity {text} must be more than 0.")
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def parse_discount(text) -> int:
    """A discount in percent (a trailing % allowed) as basis points."""
    value = values.decimal(str(text).strip().rstrip("%"), "Discount")
    if not 0 <= value <= 100:
        raise BadInput(f"Discount {text} must be between 0 and 100 %.")
    if value != value.quantize(CENT):
        raise BadInput(f"Discount {text} has more than two decimals.")
    return int(value * 100)


def line_total(quantity: Decimal, unit_price: Decimal, discount_bp: int = 0) -> Decimal:
    """quantity × unit price × (1 − discount), rounded half-up to the cent (exact Decimal arithmetic throughout)."""
    exact = Decimal(quantity) * Decimal(unit_price) * (FULL_BP - discount_bp) / FULL_BP
    return values.bounded(exact, "A line").quantize(CENT, rounding=ROUND_HALF_UP)


def lines_total(lines) -> Decimal:
    """The sum of the (already rounded) line totals."""
    return values.bounded(sum((line.total for line in lines), Decimal("0.00")), "The lines").quantize(CENT)


def parse_line_spec(spec: str) -> LineInput:
    """`PRODUCT:QTY[:PRICE][:DISCOUNT%]` as typed on the command line. A third part ending in % is the discount;
    an empty part keeps the default (`P1:3::10%`)."""
    parts = [p.strip() for p in spec.split(":")]
    if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
        raise BadInput(f"Line {spec!r} should be PRODUCT:QTY[:PRICE][:DISCOUNT%].")
    price = parts[2] if len(parts) > 2 and parts[2] else None
    discount = parts[3] if len(parts) > 3 and parts[3] else None
    if len(parts) == 3 and price and price.endswith("%"):
        price, discount = None, price
    return LineInput(parts[0], parts[1], price, discount)


def build_lines(inputs) -> list[Line]:
    """Resolve and price the lines (LineInput or spec strings); an inactive product is refused."""
    if isinstance(inputs, (str, LineInput)):
        inputs = [inputs]
    lines = []
    for item in inputs:
        spec = parse_line_spec(item) if isinstance(item, str) else item
        product = find_product(spec.product)
        if not product.active:
            raise Refused(f"Product {product.code} ({product.name}) is no longer offered.")
        quantity = parse_quantity(spec.quantity)
        price = (
            product.unit_price if spec.unit_price is None else values.money(spec.unit_price, "Unit price", currency())
        )
        discount_bp = 0 if spec.discount is None else parse_discount(spec.discount)
        total = line_total(quantity, price, discount_bp)
        lines.append(Line(product.id, product.code, product.name, product.unit, quantity, price, discount_bp, total))
    return lines


def insert_lines(line_model, parent_field: str, parent_id: int, lines: list[Line]) -> None:
    """Write LINES under a quote or a contract (QuoteLine/ContractLine share the columns)."""
    if lines:
        line_model.insert_many(
            [
                {
                    parent_field: parent_id,
                    "product": line.product_id,
                    "quantity": str(line.quantity),
                    "unit_price": line.unit_price,
                    "discount_bp": line.discount_bp,
                    "total": line.total,
                }
                for line in lines
            ]
        ).execute()


def read_lines(line_model, parent_field: str, parent_id: int) -> list[Line]:
    """The lines of one quote or contract, in the order they were written."""
    parent = getattr(line_model, parent_field)
    query = (
        line_model.select(
            Product.id,
            Product.code,
            Product.name,
            Product.unit,
            line_model.quantity,
            line_model.unit_price,
            line_model.discount_bp,
            line_model.total,
        )
        .join(Product, on=(line_model.product == Product.id))
        .where(parent == parent_id)
        .order_by(line_model.id)
        .tuples()
    )
    return [
        Line(pid, code, name, unit, Decimal(q), price, bp, total)
        for pid, code, name, unit, q, price, bp, total in query
    ]


def copy_lines(lines: list[Line]) -> list[dict]:
    """Lines as plain dicts (for audit trails)."""
    return [
        {
            "product": line.code,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount_bp": line.discount_bp,
            "total": str(line.total),
        }
        for line in lines
    ]
