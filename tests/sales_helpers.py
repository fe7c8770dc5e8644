"""Shared set-up for the sales tests: a small catalogue and customers owned by the team's reps."""

from __future__ import annotations

from conftest import as_user


def catalogue() -> None:
    from crmtui.store.sales.products import add_product

    manager = as_user("li.na")
    add_product(manager, "P1", "软件许可", "33.33", "套")
    add_product(manager, "TRAIN", "培训", "0.10", "小时")
    add_product(manager, "OLD", "旧版", "100", active=False)


def customers() -> dict[str, int]:
    from crmtui.store.customers.records import add_customer

    return {"宏达": add_customer(as_user("wang"), "宏达"), "张的客户": add_customer(as_user("zhang"), "张的客户")}


def contract_of_300(customer: str = "宏达", user: str = "wang") -> int:
    """300.00 in three instalments of 100 due 2026-10-01, 11-01 and 12-01."""
    from crmtui.store.money.contracts import add_contract

    return add_contract(
        as_user(user), customer, amount="300", signed_on="2026-10-01", end_on="2027-09-30", instalments=3, every="1m"
    )


def plan_of(contract_id: int, login: str = "wang") -> list[tuple]:
    from crmtui.store.money.payments import payment_plan

    return [(str(i.amount), str(i.paid), i.status) for i in payment_plan(as_user(login), contract_id)]
