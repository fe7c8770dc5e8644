"""One contract in full: its lines, its instalments with their status as of today, its payments and invoices,
and the balances they leave."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.models import ContractLine, Customer, Deal, User
from crmtui.store.money.contracts import ContractRow, find_contract
from crmtui.store.money.invoices import InvoiceRow, list_invoices
from crmtui.store.money.payments import InstalmentRow, PaymentRow, list_instalments, list_payments
from crmtui.store.sales.lines import Line, read_lines


@dataclass
class ContractDetail(ContractRow):
    deal: str | None = None
    quote: str | None = None
    overdue: Decimal = Decimal("0.00")
    uninvoiced: Decimal = Decimal("0.00")
    lines: list[Line] = field(default_factory=list)
    instalments: list[InstalmentRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    invoices: list[InvoiceRow] = field(default_factory=list)


def get_contract(actor: Actor, ref: str | int) -> ContractDetail:
    """One contract with its lines, instalments (status as of today), payments, invoices and balances."""
    contract = find_contract(actor, ref)
    customer = Customer.get_by_id(contract.customer_id)
    lines = read_lines(ContractLine, "contract", contract.id)
    instalments = list_instalments(actor, contract=contract.id, limit=None)
    payments = list_payments(actor, contract=contract.id, limit=None)
    invoices = list_invoices(actor, contract=contract.id, limit=None)
    paid = sum((p.amount for p in payments), Decimal("0.00"))
    invoiced = sum((i.amount for i in invoices), Decimal("0.00"))
    overdue = sum((i.open for i in instalments if i.status == "overdue"), Decimal("0.00"))
    deal = Deal.get_or_none(Deal.id == contract.deal_id) if contract.deal_id else None
    quote_number = contract.quote.number if contract.quote_id else None
    owner = User.get_or_none(User.id == contract.owner_id) if contract.owner_id else None
    return ContractDetail(
        contract.id,
        contract.number,
        customer.id,
        customer.name,
        contract.status,
        contract.signed_on,
        contract.start_on,
        contract.end_on,
        contract.amount,
        paid,
        contract.amount - paid,
        invoiced,
        owner.login if owner else None,
        deal.title if deal else None,
        quote_number,
        overdue,
        contract.amount - invoiced,
        lines,
        instalments,
        payments,
        invoices,
    )
