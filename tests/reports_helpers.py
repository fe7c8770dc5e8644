"""Small fixed data for the report and agenda tests, written straight into the tables so every date is known.
Times are 12:00 UTC on the day named, so day counts are whole."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from crmtui.store.kernel.models import (
    Contact,
    Contract,
    Customer,
    Deal,
    DealStageHistory,
    Followup,
    Instalment,
    OwnershipEvent,
    Pipeline,
    Stage,
    Ticket,
)

NOW = datetime(2026, 3, 20, 12, 0, 0)  # UTC; tests pin CRM_NOW to it (pool_helpers.utc_env)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00")


def stages() -> dict[str, int]:
    pipeline = Pipeline.get(Pipeline.is_default)
    return dict(Stage.select(Stage.name, Stage.id).where(Stage.pipeline == pipeline).tuples())


def customer(name: str, territory: int, owner: int | None, tier: str = "C", last: str | None = None, **extra) -> int:
    return Customer.insert(
        name=name,
        territory=territory,
        owner=owner,
        tier=tier,
        owned_at=at("2026-01-01") if owner else None,
        pooled_at=None if owner else at("2026-01-01"),
        last_followup_at=at(last) if last else None,
        created_at=at("2025-06-01"),
        updated_at=at("2025-06-01"),
        **extra,
    ).execute()


def deal(customer_id: int, owner: int, amount: str, path: list[tuple[str, str]], expected: str | None = None) -> int:
    """A deal that went through PATH [(stage, day), ...]: created on the first day, in the last stage now (closed
    then when that stage is Won or Lost), each move in its history."""
    ids = stages()
    last_stage, last_day = path[-1]
    closed = at(last_day) if last_stage in ("Won", "Lost") else None
    deal_id = Deal.insert(
        customer=customer_id,
        pipeline=Pipeline.get(Pipeline.is_default),
        stage=ids[last_stage],
        title=f"deal {amount}",
        amount=Decimal(amount),
        owner=owner,
        created_at=at(path[0][1]),
        stage_entered_at=at(last_day),
        closed_at=closed,
        expected_close=date.fromisoformat(expected) if expected else None,
    ).execute()
    previous = None
    for stage, day in path:
        DealStageHistory.insert(deal=deal_id, from_stage=previous, to_stage=ids[stage], at=at(day), by=owner).execute()
        previous = ids[stage]
    return deal_id


def followup(customer_id: int, user: int, day: str, kind: str = "call") -> None:
    Followup.insert(customer=customer_id, user=user, type=kind, at=at(day), created_at=at(day)).execute()


def event(customer_id: int, kind: str, day: str, to_user=None, reason=None, from_user=None) -> None:
    OwnershipEvent.insert(
        customer=customer_id, kind=kind, at=at(day), to_user=to_user, from_user=from_user, reason=reason
    ).execute()


def contract(customer_id: int, owner: int | None, number: str, plan: list[tuple[str, str, str]], **extra) -> int:
    """A contract with instalments PLAN [(due day, amount, paid), ...]."""
    total = sum(Decimal(a) for _, a, _ in plan)
    contract_id = Contract.insert(
        customer=customer_id, owner=owner, number=number, amount=total, status="active", **extra
    ).execute()
    for seq, (due, amount, paid) in enumerate(plan, 1):
        Instalment.insert(
            contract=contract_id, seq=seq, due_on=date.fromisoformat(due), amount=Decimal(amount), paid=Decimal(paid)
        ).execute()
    return contract_id


def sales_data(team) -> dict[str, int]:
    """Customers, deals, follow-ups, ownership events and contracts whose report figures are worked out by hand
    in tests/test_reports.py."""
    ids = team.ids
    wang, zhang, chen = ids["wang"], ids["zhang"], ids["chen"]
    c = {
        "c1": customer("甲公司", team.east, wang, "A", last="2026-03-10"),
        "c2": customer("乙公司", team.east, wang, "B", last="2026-03-16"),
        "c3": customer("丙公司", team.east, wang, "C"),
        "c4": customer("丁公司", team.east, zhang, "C", last="2026-03-09"),
        "c5": customer("戊公司", team.south, chen, "C", last="2025-12-01"),
        "p1": customer("池一", team.east, None, "C", last="2025-06-01"),
        "p2": customer("池二", team.east, None, "C"),
        "p3": customer("池三", team.south, None, "C", last="2026-02-01"),
        "gone": customer("删掉的", team.east, None, "A", deleted_at=at("2026-03-01")),  # counted by no report
    }
    Stage.update(stuck_days=10).where(Stage.name == "Proposal").execute()
    Stage.update(stuck_days=30).where(Stage.name == "Lead").execute()
    deal(c["c1"], wang, "1000.00", [("Lead", "2026-01-05"), ("Proposal", "2026-01-10"), ("Won", "2026-01-15")])
    deal(c["c1"], wang, "500.50", [("Lead", "2026-01-10"), ("Won", "2026-02-09")])
    deal(c["c2"], wang, "200.00", [("Lead", "2026-02-01"), ("Qualified", "2026-02-03"), ("Lost", "2026-02-11")])
    deal(c["c4"], zhang, "3000.00", [("Lead", "2026-02-01"), ("Negotiation", "2026-02-21"), ("Won", "2026-03-03")])
    c["d5"] = deal(
        c["c4"], zhang, "800.00", [("Lead", "2026-03-01"), ("Proposal", "2026-03-05")], expected="2026-04-15"
    )
    deal(c["c5"], chen, "1200.00", [("Lead", "2026-03-02")], expected="2026-05-10")
    deal(c["c5"], chen, "400.00", [("Lead", "2026-03-03"), ("Lost", "2026-03-13")])
    followup(c["c1"], wang, "2026-03-02", "call")
    followup(c["c1"], wang, "2026-03-10", "call")
    followup(c["c2"], wang, "2026-03-16", "visit")
    followup(c["c4"], zhang, "2026-03-09", "wechat")
    followup(c["c5"], chen, "2026-02-20", "email")
    event(c["c3"], "create", "2026-03-04", to_user=wang)
    event(c["c4"], "claim", "2026-03-05", to_user=zhang)
    event(c["p2"], "claim", "2026-03-06", to_user=zhang)
    event(c["p1"], "reclaim", "2026-03-15", reason="no follow-up for 14 days (tier C)", from_user=wang)
    event(c["p2"], "release", "2026-03-12", reason="not a fit", from_user=zhang)
    event(c["c5"], "assign", "2026-03-10", to_user=chen)
    contract(
        c["c1"],
        wang,
        "K1",
        [("2026-01-10", "1000", "1000"), ("2026-02-10", "1000", "400"), ("2026-04-10", "1000", "0")],
    )
    contract(c["c4"], zhang, "K2", [("2025-11-01", "500", "0"), ("2026-03-05", "700", "0")])
    return c


def agenda_data(team) -> dict[str, int]:
    """wang's day on 2026-03-20, one or two things in every section (tests/test_agenda.py)."""
    wang = team.ids["wang"]
    c = {
        "today": customer(
            "今天公司", team.east, wang, "A", last="2026-03-10", next_followup_at=datetime(2026, 3, 20, 15, 0)
        ),
        "late": customer(
            "逾期公司", team.east, wang, "B", last="2026-03-16", next_followup_at=datetime(2026, 3, 18, 9, 0)
        ),
        "later": customer(
            "以后公司", team.east, wang, "A", last="2026-03-19", next_followup_at=datetime(2026, 3, 25, 9, 0)
        ),
        "quiet": customer("安静公司", team.east, wang, "C"),
    }
    Customer.update(owned_at=at("2026-03-08")).where(Customer.id == c["quiet"]).execute()  # tier C: reclaimed 03-22
    Stage.update(stuck_days=10).where(Stage.name == "Proposal").execute()
    c["stuck"] = deal(c["today"], wang, "800.00", [("Lead", "2026-03-01"), ("Proposal", "2026-03-05")])
    deal(c["today"], wang, "900.00", [("Lead", "2026-03-15"), ("Proposal", "2026-03-18")])  # 2 days: not stuck
    c["k1"] = contract(
        c["today"],
        wang,
        "K1",
        [("2026-01-10", "1000", "1000"), ("2026-02-10", "1000", "400"), ("2026-04-10", "1000", "0")],
        end_on=date(2026, 4, 10),
    )
    contract(
        c["late"], wang, "K0", [("2025-01-10", "100", "100")], signed_on=date(2025, 1, 1), end_on=date(2025, 12, 31)
    )
    c["ticket"] = Ticket.insert(
        subject="发票抬头错误",
        customer=c["late"],
        assignee=wang,
        status="open",
        priority="high",
        due_by=at("2026-03-21"),
    ).execute()
    Ticket.insert(subject="已解决", customer=c["late"], assignee=wang, status="closed").execute()
    c["born_soon"] = Contact.insert(customer=c["today"], name="李雷", birthday=date(1990, 3, 22)).execute()
    c["born_today"] = Contact.insert(customer=c["late"], name="韩梅梅", birthday=date(1985, 3, 20)).execute()
    Contact.insert(customer=c["late"], name="不是今天", birthday=date(1980, 4, 1)).execute()
    return c
