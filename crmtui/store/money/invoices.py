"""Invoices (发票) on a contract: normal (普票) or special (专票), with the buyer's tax id. The total invoiced on a
contract never exceeds its amount unless forced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from peewee import JOIN, fn

from crmtui.store.customers.records import find_customer
from crmtui.store.kernel import audit, values
from crmtui.store.kernel.access import Actor, customer_scoped, find_customer_scoped
from crmtui.store.kernel.clock import local_today
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import locked
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.models import Contract, Customer, Invoice, from_cents
from crmtui.store.kernel.numbering import check_number_free, next_number
from crmtui.store.kernel.settings import currency
from crmtui.store.money.contracts import find_contract

TYPES = {"normal": "normal", "普票": "normal", "special": "special", "专票": "special"}
# 统一社会信用代码: 18 characters; older tax registration numbers have 15 or 20.
_TAX_ID = re.compile(r"^(?:[0-9A-Z]{15}|[0-9A-Z]{18}|[0-9A-Z]{20})$")


@dataclass
class InvoiceRow:
    id: int
    number: str
    contract: str
    customer: str
    amount: Decimal
    issued_on: date
    type: str
    buyer_tax_id: str | None


def check_type(kind: str) -> str:
    value = TYPES.get((kind or "").strip().lower())
    if value is None:
        raise BadInput(f"Unknown invoice type {kind!r}: use normal (普票) or special (专票).")
    return value


def check_tax_id(text: str | None) -> str | None:
    """A buyer's tax id: a unified social credit code (18 digits or capital letters), or an older 15/20 one."""
    if text is None or not text.strip():
        return None
    value = re.sub(r"[\s-]", "", text).upper()
    if not _TAX_ID.match(value):
        raise BadInput(f"Tax id {text!r} is not 18 (or 15 or 20) digits and capital letters.")
    return value


def invoiced_on(contract_id: int) -> Decimal:
    cents = Invoice.select(fn.COALESCE(fn.SUM(Invoice.amount), 0)).where(Invoice.contract == contract_id).scalar()
    return from_cents(int(cents or 0))


def add_invoice(
    actor: Actor,
    contract_ref: str | int,
    amount,
    issued_on=None,
    type: str = "normal",
    buyer_tax_id: str | None = None,
    number: str | None = None,
    force: bool = False,
) -> int:
    """Issue an invoice on a contract the actor may change; returns its id. NUMBER defaults to the next I2026-…;
    a special invoice (专票) needs the buyer's tax id. More than the contract amount in total is Refused unless
    FORCE."""
    money = values.money(amount, "Invoice amount", currency(), allow_zero=False)
    kind = check_type(type)
    tax_id = check_tax_id(buyer_tax_id)
    if kind == "special" and not tax_id:
        raise BadInput("A special invoice (专票) needs the buyer's tax id (--tax-id).")
    day = values.optional_day(issued_on) or local_today()
    with db.atomic():
        contract = find_contract(actor, contract_ref, write=True)
        locked(
            Contract.select(Contract.id).where(Contract.id == contract.id)
        ).execute()  # two invoices must not both fit
        if contract.status == "draft":
            raise Refused(f"Contract {contract.number} is still a draft: invoice it once it is active.")
        already = invoiced_on(contract.id)
        if already + money > contract.amount and not force:
            raise Refused(
                f"Contract {contract.number} is for {contract.amount} and {already} is already invoiced: "
                f"{money} more would exceed it (use --force to invoice anyway)."
            )
        number = (
            check_number_free(Invoice, Invoice.number, number, "invoice")
            if number
            else next_number(Invoice, Invoice.number, "I", day)
        )
        row = dict(number=number, contract=contract.id, amount=money, issued_on=day, type=kind, buyer_tax_id=tax_id)
        invoice_id = Invoice.insert(**row).execute()
        shown = {
            **row,
            "contract": contract.number,
            **({"forced": True} if force and already + money > contract.amount else {}),
        }
        audit.created(actor.login, "invoice", invoice_id, shown)
    return invoice_id


def _invoices():
    return (
        Invoice.select(
            Invoice.id,
            Invoice.number,
            Contract.number,
            Customer.name,
            Invoice.amount,
            Invoice.issued_on,
            Invoice.type,
            Invoice.buyer_tax_id,
        )
        .join_from(Invoice, Contract, JOIN.LEFT_OUTER, on=(Invoice.contract == Contract.id))
        .join_from(Contract, Customer, JOIN.LEFT_OUTER, on=(Contract.customer == Customer.id))
    )


def get_invoice(actor: Actor, ref: str | int) -> InvoiceRow:
    """An invoice by id or number, on a contract the actor sees."""
    query = (
        Invoice.select(Invoice)
        .join(Contract, on=(Invoice.contract == Contract.id))
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(Contract.deleted_at.is_null())
    )
    row = find_customer_scoped(actor, query, Invoice, ref, Invoice.number, "invoice")
    return InvoiceRow(*_invoices().where(Invoice.id == row.id).tuples().get())


def list_invoices(
    actor: Actor,
    contract: str | int | None = None,
    customer: str | int | None = None,
    type: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> list[InvoiceRow]:
    """Invoices on contracts the actor sees, newest first."""
    values.page(limit, offset)
    where = customer_scoped(actor, Contract) & Contract.deleted_at.is_null()
    if contract is not None:
        where &= Invoice.contract == (contract if isinstance(contract, int) else find_contract(actor, contract).id)
    if customer is not None:
        where &= Contract.customer == find_customer(actor, customer).id
    if type:
        where &= Invoice.type == check_type(type)
    query = _invoices().where(where).order_by(Invoice.id.desc()).offset(offset or None).limit(limit).tuples()
    return [InvoiceRow(*row) for row in query]
