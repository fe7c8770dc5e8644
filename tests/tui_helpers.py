"""Deterministic data for the TUI tests, made with store functions on the `team` fixture's organisation, with
CRM_NOW pinned so nothing depends on today's date."""

from __future__ import annotations

import asyncio
import functools

NOW = "2026-06-01T10:00:00"
COMPANIES = [
    "张伟科技",
    "王芳贸易",
    "李娜咨询",
    "刘洋物流",
    "陈静餐饮",
    "杨帆教育",
    "赵磊建材",
    "黄敏医药",
    "周杰传媒",
    "吴昊软件",
    "长城机械",
    "重庆火锅连锁",
    "行知书店",
    "Acme Trading",
    "北京智联",
    "上海云图",
    "深圳速达",
    "杭州绿源",
    "南京金陵酒店",
    "苏州丝绸",
    "成都熊猫文旅",
    "武汉光谷芯片",
    "西安古城旅游",
    "广州珠江船务",
    "厦门海景地产",
    "青岛啤酒屋",
    "天津港务",
    "大连渔业",
    "宁波模具",
    "合肥量子",
    "郑州粮油",
    "长沙米粉",
]


def seed() -> dict[str, int]:
    """(CRM_NOW pinned to NOW first.) 32 customers: wang owns 12, zhang 8, the 华东 pool 8, chen (华南) 4; follow-ups, next dates, tags, a contact.
    Returns customer ids by name."""
    from crmtui.store.customers.contacts import add_contact
    from crmtui.store.customers.followups import log_followup
    from crmtui.store.customers.records import add_customer
    from crmtui.store.kernel.access import actor_for

    root = actor_for("root")
    ids: dict[str, int] = {}
    for i, name in enumerate(COMPANIES):
        if i < 12:
            owner, territory = "wang", "华东"
        elif i < 20:
            owner, territory = "zhang", "华东"
        elif i < 28:
            owner, territory = "pool", "华东"
        else:
            owner, territory = "chen", "华南"
        tags = [("vip", "key")[i % 2]] if i % 3 == 0 else []
        ids[name] = add_customer(
            root,
            name,
            territory=territory,
            owner=owner,
            tier="ABCDE"[i % 5],
            phone=f"138{i:08d}",
            industry=("制造", "贸易", "服务")[i % 3],
            tags=tags,
        )
    wang = actor_for("wang")
    for n, name in enumerate(COMPANIES[:12]):
        if n % 4 == 3:
            continue
        log_followup(
            wang,
            ids[name],
            type=("call", "visit", "wechat")[n % 3],
            note=f"谈了报价 {n}",
            at=f"2026-05-{10 + n:02d}",
            next=("2026-06-01", "2026-06-03", "2026-05-28")[n % 3],
        )
    add_contact(wang, ids["张伟科技"], "张伟", title="总经理", phone="13900000001")
    return ids


async def settle(pilot, app, rounds: int = 40) -> None:
    """Let the workers finish and their messages land (thread workers post back to the UI thread)."""
    for _ in range(rounds):
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
        await asyncio.sleep(0.02)


def app_for(login: str):
    from crmtui.app import CrmApp
    from crmtui.store.kernel.access import actor_for

    return CrmApp(actor=actor_for(login))


def status(app) -> str:
    return str(app.screen.query_one("#status").content)


def shown_names(app) -> list[str]:
    from crmtui.screens.paged import PagedTable

    return [row.name for row in app.screen.query_one(PagedTable).page_rows]


def notifications(app) -> list[str]:
    return [n.message for n in app._notifications]


def sync(test):
    """Run an async Pilot test with asyncio.run (no pytest-asyncio needed); fixtures pass through."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


def seed_demo_data() -> None:
    """`crm demo --customers 200 --seed 1` on the bound store, at NOW (CRM_NOW must be pinned already)."""
    from crmtui.store.demo.seed import seed_demo
    from crmtui.store.kernel.access import SYSTEM

    seed_demo(SYSTEM, customers=200, seed=1)
