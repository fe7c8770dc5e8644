"""Shared set-up for the deal and stage tests: customers owned by the team's reps, and a clock to move."""

from __future__ import annotations

import json

from conftest import as_user

from crmtui.store.customers.records import add_customer
from crmtui.store.kernel.models import AuditLog


def customers(team) -> dict[str, int]:
    """宏达 (wang), 张记 (zhang), 陈氏 (chen, the other territory) and 公海客户 (the east pool)."""
    return {
        "宏达": add_customer(as_user("wang"), "宏达"),
        "张记": add_customer(as_user("zhang"), "张记"),
        "陈氏": add_customer(as_user("chen"), "陈氏"),
        "公海客户": add_customer(as_user("li.na"), "公海客户", owner="pool"),
    }


def at(monkeypatch, when: str) -> None:
    """Pin "now" (local time, as users type it)."""
    monkeypatch.setenv("CRM_NOW", when)


def audits(entity: str, entity_id: int) -> list[tuple[str, dict]]:
    query = AuditLog.select().where(AuditLog.entity == entity, AuditLog.entity_id == entity_id).order_by(AuditLog.id)
    return [(a.action, json.loads(a.changes)) for a in query]


def refused(run, cases, user: str) -> None:
    """Each (args, exit code, message) refused by RUN (the cli or crm fixture) with that code and one line."""
    for args, code, message in cases:
        result = run(*args, user=user)
        assert result.exit_code == code, (args, result.exit_code, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1, result.stderr
