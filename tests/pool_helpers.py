"""Quick customers for pool tests: raw inserts with the ownership fields set directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from peewee import chunked

from crmtui.store.kernel.models import Customer, Deal, OwnershipEvent, Pipeline, Stage

T0 = datetime(2026, 3, 2, 12, 0, 0)  # UTC; tests pin CRM_NOW relative to this


def add_customers(
    territory: int,
    count: int,
    owner: int | None = None,
    tier: str = "C",
    owned_at=None,
    last_followup_at=None,
    prefix: str = "c",
    **extra,
) -> list[int]:
    rows = [
        dict(
            name=f"{prefix}{i}",
            territory=territory,
            tier=tier,
            owner=owner,
            owned_at=owned_at if owner else None,
            pooled_at=None if owner else (extra.get("pooled_at") or T0 - timedelta(days=30)),
            last_followup_at=last_followup_at,
            created_at=T0 - timedelta(days=365),
            updated_at=T0,
            **{k: v for k, v in extra.items() if k != "pooled_at"},
        )
        for i in range(count)
    ]
    first = Customer.select(Customer.id).order_by(Customer.id.desc()).scalar() or 0
    with Customer._meta.database.atomic():
        for batch in chunked(rows, 1000):  # SQLite caps the parameters of one statement
            Customer.insert_many(batch).execute()
    return [i for (i,) in Customer.select(Customer.id).where(Customer.id > first).order_by(Customer.id).tuples()]


def win_deal(customer_id: int) -> None:
    pipeline = Pipeline.get(Pipeline.is_default)
    won = Stage.get(Stage.pipeline == pipeline, Stage.kind == "won")
    Deal.create(customer=customer_id, pipeline=pipeline, stage=won, title="won deal", amount=100)


def owners() -> dict[int, int | None]:
    return dict(Customer.select(Customer.id, Customer.owner).tuples())


def events(kind: str) -> list[tuple]:
    return list(
        OwnershipEvent.select(
            OwnershipEvent.customer, OwnershipEvent.from_user, OwnershipEvent.to_user, OwnershipEvent.reason
        )
        .where(OwnershipEvent.kind == kind)
        .order_by(OwnershipEvent.customer)
        .tuples()
    )


def utc_env(moment: datetime) -> str:
    """CRM_NOW is local time; the tests' TZ is whatever the machine has, so convert."""

    return moment.replace(tzinfo=UTC).astimezone().replace(tzinfo=None).isoformat()
