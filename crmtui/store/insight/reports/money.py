"""Receivables: what customers still owe on their instalments, by how long it is overdue."""

from __future__ import annotations

from peewee import fn

from crmtui.store.insight.reports.base import Report, ReportParams, by_person, money, people_filter, person_key, when
from crmtui.store.kernel.access import Actor
from crmtui.store.kernel.clock import local_today, parse_date
from crmtui.store.kernel.dialect import days_after
from crmtui.store.kernel.models import Contract, Customer, Instalment, Territory
from crmtui.store.money.payments import instalment_status, open_amount

AGE_BANDS = (("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90))  # days overdue; more is 90_plus


def receivables(actor: Actor, params: ReportParams) -> Report:
    """Open balances of instalments (payments.open_amount) as of today (--until: another day), split into not
    yet overdue and days overdue 0-30, 31-60, 61-90, 90+ (payments.instalment_status says which are overdue),
    per customer, rep (the contract's owner, else the customer's) or territory (the customer's)."""
    by = params.by or "customer"
    as_of = parse_date(params.until) if params.until else local_today()
    person = fn.COALESCE(Contract.owner, Customer.owner)
    balance = open_amount()
    overdue = instalment_status(as_of) == "overdue"
    late = days_after(as_of, Instalment.due_on)
    buckets = [fn.SUM(when(~overdue, balance))]
    buckets += [fn.SUM(when(overdue & (late >= low) & (late <= high), balance)) for _, low, high in AGE_BANDS]
    buckets += [fn.SUM(when(overdue & (late > AGE_BANDS[-1][2]), balance)), fn.SUM(balance)]
    query = (
        Instalment.select()
        .join(Contract, on=(Instalment.contract == Contract.id))
        .join(Customer, on=(Contract.customer == Customer.id))
        .where(Contract.deleted_at.is_null(), people_filter(actor, params, person), balance > 0)
    )
    if by == "customer":
        key = [Customer.name, Customer.id]
    elif by == "territory":
        query = query.join_from(Customer, Territory, on=(Customer.territory == Territory.id))
        key = [Territory.name]
    else:
        query, person_id = by_person(query, Customer, person, "rep")
        key = [person_id]
    rows = []
    for row in query.select(*key, *(b.coerce(False) for b in buckets)).group_by(*key).tuples():
        k, amounts = row[: len(key)], row[len(key) :]
        label = f"#{k[1]} {k[0]}" if by == "customer" else person_key(k[0])
        rows.append((label, *(money(a) for a in amounts)))
    rows.sort(key=lambda r: (-r[-1], r[0]))
    columns = [by, "not_due", *(f"overdue_{name}" for name, _, _ in AGE_BANDS), "overdue_90_plus", "total"]
    totals = ("total", *(sum((r[i] for r in rows), money(0)) for i in range(1, len(columns))))
    return Report(
        "receivables",
        f"Receivables by {by}",
        columns,
        rows,
        totals=totals,
        bar="total",
        notes=[f"open balances as of {as_of}"],
    )
