"""`crm demo`: a realistic, deterministic data set (customers, contacts, a year of follow-ups, deals, quotes,
contracts with instalments and payments, invoices, tickets and return visits) for trying crmtui and for the
benchmarks.

Deterministic: the same seed and the same day give the same rows. Dates are laid out around the local day the
demo runs (clock.local_today(), so CRM_NOW pins it), so the data always looks fresh: follow-ups due today and
overdue, stuck deals, instalments coming due. Customers, deals and the sales behind them are made by cheap Python
(random.Random(seed) per table, timestamps and dates looked up in precomputed tables of strings, pinyin cached per
name) and written through the raw cursor (imports.bulk.write_rows: executemany on SQLite, COPY on PostgreSQL) with
explicit ids, so the rows that refer to each other never need a query; never a Model.create per row. The bulky,
simple tables (contacts, follow-ups, tags, ownership events: two thirds of the rows) are made by the database itself,
INSERT ... SELECTs over the customers just written, every choice hashed from the row's ids and the seed.
Both at once, on two cores: customers are written a chunk at a time, and while the database makes a chunk's first
contacts, follow-ups and tags (the GIL let go), a worker thread makes the next chunk; it makes the deals and sales
while the later contacts and the events are inserted. The rows and their order are those of one thread.
Owned customers keep to the pool rules as of the seed moment (a team reclaiming daily leaves none past its tier's
limit, a few within the warning days); a final reclaim pass makes sure of it. The search index is suspended and
rebuilt once (search.bulk_loading), and each customer's search key is made by search.customer_key, as `customer add`
makes it, and written to its own table.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from time import perf_counter

from peewee import AutoField

from crmtui.store.customers import pinyin
from crmtui.store.kernel.access import Actor, require_admin
from crmtui.store.kernel.clock import day_start, local_today
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.errors import BadInput, Refused
from crmtui.store.kernel.bulk import indexes_rebuilt, write_rows
from crmtui.store.kernel.models import ALL_MODELS, AuditLog, Contact, Contract, ContractLine, Customer, CustomerSearchKey, CustomerTag, Deal, DealStageHistory, Followup, Instalment, Invoice, OwnershipEvent, Payment, Pipeline, PoolRules, Product, Quote, QuoteLine, Setting, Stage, Territory, Ticket, TierRule, User, Visit
from crmtui.store.kernel.values import TIERS
from crmtui.store.org.territories import DEFAULT_NO_FOLLOWUP_DAYS
from crmtui.store.customers.search import bulk_loading, customer_key
from crmtui.store.sales.pipelines import ensure_default_pipeline
from crmtui.store.kernel.access import SYSTEM
from crmtui.store.pool.reclaim import reclaim

Progress = Callable[[str, int, int], None]  # (phase, done, total)
Write = tuple[type, list[str], list[tuple]]  # rows for a model's table: (model, columns, rows)

DEFAULT_CUSTOMERS = 2000
BIG = 100_000  # from this many customers on, 20 reps per territory instead of 8
STUCK_DAYS = (30, 30, 21, 14)  # the default pipeline's open stages, in order
TIER_WEIGHTS = (("A", 6), ("B", 16), ("C", 34), ("D", 28), ("E", 16))
POOL_SHARE = 0.15
LOCKED_SHARE = 0.03
WARN_SHARE = 0.02  # owned customers whose reclaim comes within the warning days
CUSTOMER_CHUNK = 50_000  # customers made and written at a time, each chunk's other tables made by the database
CONTACTS_EACH = 3  # at most
CUSTOMER_COLUMNS = [  # external_id and deleted_at stay NULL
    "id", "name", "tier", "phone", "email", "industry", "source", "address", "territory_id", "owner_id",
    "former_owner_id", "owned_at", "pooled_at", "last_followup_at", "next_followup_at", "locked", "created_at",
    "updated_at",
]  # fmt: skip
PAST_DAYS = 1100  # the oldest customer was created about three years ago
FUTURE_DAYS = 800  # contracts run up to two years ahead

ADMIN = ("admin", "系统管理员")
# territory: (manager login, display name, cities of the territory)
TERRITORIES = {
    "华东": ("li.na", "李娜", ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "无锡", "温州", "济南", "青岛")),
    "华南": ("zhao.lei", "赵磊", ("广州", "深圳", "厦门", "福州", "东莞", "佛山", "南宁", "海口", "珠海", "长沙")),
    "华北": ("wang.qiang", "王强", ("北京", "天津", "石家庄", "太原", "呼和浩特", "大连", "沈阳", "郑州", "唐山", "保定")),
}
REP_NAMES = (
    "张伟 王芳 刘洋 陈静 杨帆 黄磊 周杰 吴敏 徐丽 孙浩 马超 朱琳 胡军 郭涛 何静 高峰 林婷 罗勇 郑洁 梁斌 "
    "谢娟 宋佳 唐明 许诺 韩雪 冯刚 邓超 曹颖 彭飞 曾强 肖红 田甜 董洁 袁鹏 潘婷 蔡明 蒋雯 余亮 杜鹃 叶青 "
    "程功 苏敏 魏东 吕俊 丁宁 任杰 沈冰 姚远 卢森 姜山 崔健 钟鸣 谭晶 陆毅 汪涵 范冰 金鑫 石磊 廖凡 邹市"
).split()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌浩宇轩晨欣怡佳琪思雨子涵梓萱一诺博文嘉豪俊"
BRANDS = (
    "华南 华信 宏达 恒通 金桥 瑞丰 东方 长城 天成 远航 博雅 新华 中科 汇丰 鼎盛 启明 星辰 海纳 卓越 万达 "
    "盛世 嘉禾 永泰 信达 联创 智汇 同创 安泰 银河 蓝海 云帆 光明 和谐 锦程 富源 泰和 华夏 腾飞 鑫源 众诚"
).split()
INDUSTRIES = (
    ("科技", "软件"), ("贸易", "贸易"), ("实业", "制造"), ("电子", "电子"), ("医药", "医药"), ("物流", "物流"),
    ("建设", "建筑"), ("食品", "食品"), ("教育科技", "教育"), ("信息技术", "软件"), ("机械", "制造"),
    ("化工", "化工"), ("新能源", "能源"), ("传媒", "传媒"), ("环保科技", "环保"), ("餐饮管理", "餐饮"),
)  # name part, industry
SUFFIXES = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")
EN_FIRST = "Acme Globex Initech Umbrella Stark Wayne Pacific Orient Harbor Summit Evergreen Silverline Bluewave Redstone Golden Northstar".split()
EN_KIND = ("Trading", "Technologies", "Logistics", "Industries", "Consulting", "Foods", "Electronics", "Medical")
EN_SUFFIX = ("Co., Ltd.", "Ltd.", "Inc.", "Group", "(China) Co., Ltd.")
EN_PEOPLE = "Tom Lee|Anna Smith|David Chen|Emily Wang|Michael Brown|Sarah Johnson|Kevin Liu|Grace Zhang".split("|")
SOURCES = ("官网", "展会", "转介绍", "电话营销", "广告", "合作伙伴", "老客户", "线上活动")
TAGS = ("重点客户", "老客户", "高意向", "价格敏感", "政府项目", "上市公司", "外资", "VIP", "续约", "决策慢")
TITLES = ("总经理", "采购经理", "财务总监", "技术负责人", "行政主管", "销售总监", "IT经理", "董事长助理", "CEO", "运营经理")
FOLLOWUP_TYPES = (("call", 38), ("wechat", 25), ("visit", 10), ("email", 10), ("meeting", 8), ("sms", 6), ("other", 3))
NOTES = (
    "电话沟通需求，客户对价格比较敏感", "微信发送产品资料，等待反馈", "上门拜访，见到采购经理", "发送报价单",
    "客户要求演示系统", "讨论合同条款", "客户预算下季度才批", "约好下周再联系", "技术交流，确认方案细节",
    "客户在比较竞品", "回访使用情况，反馈良好", "催款，财务说本周安排", "Called, left a voicemail",
    "Sent the proposal by email", "Demo went well, waiting for the decision", "",
)
STAGE_WEIGHTS = (20, 15, 12, 8, 30, 15)  # Lead, Qualified, Proposal, Negotiation, Won, Lost
LOST_REASONS = ("价格太高", "选择了竞品", "预算取消", "需求变化", "联系不上")
DEAL_TITLES = ("年度采购", "系统升级", "新项目", "设备更新", "服务续约", "扩容", "试点项目", "集团推广")
PRODUCTS = (
    ("CRM-STD", "CRM 标准版（年）", "套", 1_980_000), ("CRM-PRO", "CRM 专业版（年）", "套", 4_680_000),
    ("CRM-ENT", "CRM 企业版（年）", "套", 12_800_000), ("SEAT", "用户许可", "个", 98_000),
    ("IMPL", "实施服务", "人天", 250_000), ("TRAIN", "培训服务", "场", 800_000),
    ("SUPPORT", "年度技术支持", "年", 1_500_000), ("API", "接口开发", "项", 3_000_000),
    ("SMS", "短信包（1万条）", "包", 45_000), ("STORAGE", "存储扩容 100G", "个", 120_000),
    ("SERVER", "服务器", "台", 3_580_000), ("CONSULT", "咨询服务", "人天", 300_000),
)  # code, name, unit, unit price (cents)
TICKET_SUBJECTS = ("无法登录", "数据导出报错", "发票信息修改", "新增用户许可", "系统响应慢", "培训需求", "Report is blank", "接口对接问题")
VISIT_NOTES = ("使用顺利，考虑增购", "希望增加报表功能", "实施满意", "响应速度需要提升", "整体满意", "")


@dataclass
class DemoResult:
    seed: int
    anchor: date
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def has_data() -> bool:
    """Whether the database already holds a team's data (customers or territories); users alone (the admin that
    `crm init` made) do not count."""
    return Customer.select().exists() or Territory.select().exists()


def seed_demo(
    actor: Actor, customers: int = DEFAULT_CUSTOMERS, seed: int = 1, force: bool = False, progress: Progress | None = None
) -> DemoResult:
    """Fill the database with CUSTOMERS demo customers and everything around them. A database holding data is
    refused unless FORCE, which first empties every table but the settings (in the same transaction)."""
    if customers < 1:
        raise BadInput("--customers takes a number, 1 or more.")
    if actor.id is not None:
        require_admin(actor, "seed demo data")
    started = perf_counter()
    if has_data() and not force:
        raise Refused("The database holds data already: use --force to empty it and seed the demo again.")
    result = DemoResult(seed, local_today())
    with _fast_sqlite(), db.atomic(), bulk_loading():
        if force:  # inside the bulk load: on SQLite no index trigger runs per deleted customer
            _empty_tables()
        ensure_default_pipeline()
        with _indexes_suspended():
            _Seeder(customers, seed, result, progress or (lambda *_: None)).run()
        _reclaim_as_of_now(result)
    if is_postgres():
        _reset_sequences()
    result.seconds = perf_counter() - started
    return result


BULK_TABLES = ("customer", "contact", "followup", "customer_tag", "ownership_event", "deal", "deal_stage_history")
BULK_PRAGMAS = {"cache_size": -1_000_000, "threads": 2, "temp_store": 1, "synchronous": 0}  # SQLite, the load only
SORTER_CACHE = -16_000  # SQLite's page cache (KiB) while the indexes are built: the size of the sorter's runs


@contextmanager
def _fast_sqlite() -> Iterator[None]:
    """SQLite, for the load only, all restored after: foreign keys unchecked (the demo writes ids it made itself,
    parents first), a big page cache, sorter threads for the index builds with their runs in temporary files
    (SQLite sorts on one thread when temporary storage is in memory), no fsync, and a rollback journal instead of
    the WAL. No fsync risks the file only if the machine itself goes down while the load commits (a failed or
    killed load still rolls back), and the file holds no team data then: a full one is refused, --force empties
    it; a rerun of the demo recovers it. The WAL would take every new page twice (once into the log, once
    when it is checkpointed into the file); a rollback journal only keeps the pages that were there before, so a
    fresh file's load is written once and a failure still rolls back. When another connection holds the file the
    journal cannot change and the load simply runs in WAL. PRAGMA foreign_keys and journal_mode only change
    outside a transaction."""
    if is_postgres():
        yield
        return
    pragmas = {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name in BULK_PRAGMAS}
    db.execute_sql("PRAGMA foreign_keys = OFF")
    for name, value in BULK_PRAGMAS.items():
        db.execute_sql(f"PRAGMA {name} = {value}")
    journal = _journal_mode("delete")
    try:
        yield
    finally:
        _journal_mode(journal)
        db.execute_sql("PRAGMA foreign_keys = ON")
        for name, value in pragmas.items():
            db.execute_sql(f"PRAGMA {name} = {value}")


def _journal_mode(mode: str) -> str:
    """Switch SQLite's journal to MODE when no other connection holds the file; returns the mode it had."""
    before = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
    if before != mode and db.obj.database != ":memory:":
        try:
            db.execute_sql(f"PRAGMA journal_mode = {mode}")
        except Exception:  # noqa: BLE001 - busy: another connection has the file open; keep its journal
            pass
    return before


@contextmanager
def _indexes_suspended() -> Iterator[None]:
    """SQLite: the big tables' secondary indexes dropped while their rows are written, then made again from their
    own SQL (building an index once from sorted keys is several times cheaper than growing it row by row), with a
    small page cache: the sorter then sorts runs of that size on its worker threads while the main thread reads on
    (with the big one it sorts the whole index as one run on the main thread, half as fast). In the caller's
    transaction, so a failure leaves them as they were."""
    with indexes_rebuilt(*BULK_TABLES, unique=True):
        yield
        if not is_postgres():
            db.execute_sql(f"PRAGMA cache_size = {SORTER_CACHE}")
    if not is_postgres():
        db.execute_sql(f"PRAGMA cache_size = {BULK_PRAGMAS['cache_size']}")


def _reclaim_as_of_now(result: DemoResult) -> None:
    """The store's reclaim pass as of the seed moment (one set-based UPDATE, after the indexes are back), so no
    owned customer is past its tier's rule, as a team reclaiming daily leaves it; whatever it takes back gets
    its ownership event and audit row the usual way."""
    result.counts["reclaimed"] = reclaim(SYSTEM).total


def _empty_tables() -> None:
    """Every table but the settings, children first (one transaction: the caller's)."""
    for model in reversed(ALL_MODELS):
        if model is not Setting:
            if is_postgres():
                db.execute_sql(f'TRUNCATE "{model._meta.table_name}" RESTART IDENTITY CASCADE')
            else:
                model.delete().execute()


def _reset_sequences() -> None:
    """PostgreSQL: the ids were written explicitly; move each sequence past them."""
    for model in ALL_MODELS:
        _sequence_from_largest(model)


def _next_id(model) -> int:
    from peewee import fn

    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def _weighted(pairs: Iterable[tuple], size: int = 1000) -> list:
    """A lookup table of SIZE cells, each value taking cells in proportion to its weight: table[int(r() * size)]."""
    pairs = list(pairs)
    total = sum(w for _, w in pairs)
    table: list = []
    for value, weight in pairs:
        table += [value] * round(weight * size / total)
    table += [pairs[-1][0]] * (size - len(table))
    return table[:size]



# -- SQL for the tables the database makes itself (both backends) ------------------------------------------------

PRIME = 2147483647  # 2**31 - 1: a square of a residue still fits a signed 64-bit integer


def _draw(key: str, salt: int) -> str:
    """SQL for a pseudo-random integer in [0, PRIME) that depends only on the integer SQL KEY and SALT: a
    multiplicative hash squared modulo a prime (the square keeps draws of one row with different salts apart)."""
    m = 48271 + (salt * 2654435761) % 2_000_000_000
    a = (salt * 40503 + 12345) % PRIME
    x = f"(CAST({key} AS BIGINT) * {m} + {a}) % {PRIME}"
    return f"(({x}) * ({x}) % {PRIME})"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pick(values, index: str, keys=None) -> str:
    """SQL choosing VALUES[INDEX] (or the value whose key in KEYS equals INDEX)."""
    keys = [_q(k) for k in keys] if keys is not None else range(len(values))
    return f"CASE {index} " + " ".join(f"WHEN {k} THEN {_q(v)}" for k, v in zip(keys, values)) + " END"


def _substr(text: str, start: str, length: int) -> str:
    """substr(TEXT, START, LENGTH) with START an int (PostgreSQL has no substr taking a bigint)."""
    return f"substr({text}, CAST({start} AS INTEGER), {length})"


def _char(chars: str, draw: str) -> str:
    return _substr(_q(chars), f"1 + {draw} % {len(chars)}", 1)


def _numbers(top: int) -> str:
    """A WITH clause naming the numbers 0 .. TOP - 1 `nums(n)`."""
    return f"WITH RECURSIVE nums(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM nums WHERE n < {top - 1})"


# Ends a subquery in FROM so that it is not merged into the query around it: its columns are computed once a
# row, instead of once each time the outer expressions name them (SQLite computes no common subexpressions).
_FENCE_SQLITE, _FENCE_PG = " LIMIT -1 OFFSET 0", " OFFSET 0"


def _pg_order(columns: str) -> str:
    """PostgreSQL: ORDER BY COLUMNS, so the ids a sequence hands out are the same run after run. SQLite makes the
    rows in that order already (the CROSS JOIN fixes the loops), and numbers them as they come."""
    return f" ORDER BY {columns}" if is_postgres() else ""


def _fence() -> str:
    return _FENCE_PG if is_postgres() else _FENCE_SQLITE


def _time_number(column: str) -> str:
    """SQL for the time in COLUMN in the form _minus_minutes takes: SQLite's julian day number (a number is
    cheaper to subtract from than a text date parsed again for every row), PostgreSQL's timestamp itself."""
    return column if is_postgres() else f"julianday({column})"


def _minus_minutes(time: str, minutes: str) -> str:
    """SQL for the time MINUTES before TIME (made by _time_number)."""
    if is_postgres():
        return f"({time} - ({minutes}) * interval '1 minute')"
    return f"datetime({time} - ({minutes}) / 1440.0)"


def _minutes_between(later: str, *earlier: str) -> str:
    """SQL for the minutes from the latest of EARLIER to LATER."""
    if is_postgres():
        return f"(extract(epoch FROM {later} - greatest({', '.join(earlier)})) / 60)"
    return f"((julianday({later}) - julianday(max({', '.join(earlier)}))) * 1440)"


def _literal_time(text: str) -> str:
    return f"CAST({_q(text)} AS TIMESTAMP)" if is_postgres() else _q(text)


def _date(text: str) -> str:
    return f"CAST({text} AS DATE)" if is_postgres() else text


def _sequence_from_largest(model) -> None:
    """PostgreSQL: the next id MODEL's sequence hands out follows the largest id there (SQLite numbers so itself).
    A table keyed by a name or by its customer has no sequence."""
    if is_postgres() and isinstance(model._meta.primary_key, AutoField):
        table = model._meta.table_name
        largest = f'COALESCE((SELECT max(id) FROM "{table}"), 0)'
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {largest} + 1, false)")


class _Seeder:
    def __init__(self, customers: int, seed: int, result: DemoResult, progress: Progress):
        self.n = customers
        self.seed = seed
        self.result = result
        self.progress = progress
        self.today = result.anchor
        base = day_start(self.today)  # UTC instant of local midnight today
        self.base_minute = base.hour * 60 + base.minute
        margin = PAST_DAYS + 30  # days the tables reach back (created_at goes back PAST_DAYS + 3)
        first = base.date() - timedelta(days=margin)
        self.day0 = margin  # index of base.date() in the tables below
        self.daystr = [(first + timedelta(days=d)).isoformat() + " " for d in range(margin + FUTURE_DAYS)]
        self.timestr = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]
        local_first = self.today - timedelta(days=margin)
        self.date0 = margin
        self.datestr = [(local_first + timedelta(days=d)).isoformat() for d in range(margin + FUTURE_DAYS)]

    # -- time: ints are minutes from local midnight today (negative: the past), days are days from today --------

    def ts(self, minute: int) -> str:
        m = self.base_minute + minute
        return self.daystr[self.day0 + m // 1440] + self.timestr[m % 1440]

    def day(self, offset: int) -> str:
        return self.datestr[self.date0 + offset]

    def rng(self, part: int) -> random.Random:
        return random.Random(self.seed * 1000 + part)

    def write(self, model, columns: list[str], rows: Iterable, total: int) -> int:
        """Write ROWS (explicit ids first) to MODEL's table, reporting progress towards TOTAL (the table's rows over
        all its writes); returns how many."""
        name = model._meta.table_name
        before = self.result.counts.get(name, 0)
        counter = [before]

        def counted() -> Iterator:
            every = 50_000
            for row in rows:
                counter[0] += 1
                if counter[0] % every == 0:
                    self.progress(name, counter[0], max(total, counter[0]))
                yield row

        self.progress(name, before, total)
        write_rows(name, columns, counted())
        self.progress(name, counter[0], max(total, counter[0]))
        self.result.counts[name] = counter[0]
        return counter[0] - before

    def finished(self, *models) -> None:
        """Report the phases of MODELS done (their totals were estimates)."""
        for model in models:
            name = model._meta.table_name
            self.progress(name, self.result.counts[name], self.result.counts[name])

    # -- the whole set ---------------------------------------------------------------------------------------

    def run(self) -> None:
        self.team()
        self.catalogue()
        # The worker thread makes rows in Python while the database runs an INSERT ... SELECT here (sqlite3 and
        # psycopg let go of the GIL meanwhile), and only then: beside a busy Python thread, a write row by row
        # (executemany, COPY) would wait up to the 5 ms switch interval for the GIL after each row.
        with ThreadPoolExecutor(1) as worker:
            self.customers(worker)
            first = {model: _next_id(model) for model in (Deal, Quote, Contract, Invoice)}
            sales = worker.submit(self.sales_rows, first)
            self.contacts(self.customer_ids, range(1, CONTACTS_EACH))
            self.events()
            writes = sales.result()
        for model, columns, rows in writes:
            self.write(model, columns, rows, len(rows))
        self.finished(Contact, Followup, CustomerTag, OwnershipEvent)
        AuditLog.insert(
            actor=None, at=day_start(self.today), entity="demo", entity_id=None, action="seed",
            changes=f'{{"customers": [null, {self.n}], "seed": [null, {self.seed}]}}',
        ).execute()  # fmt: skip

    def team(self) -> None:
        reps_each = 20 if self.n >= BIG else 8
        existing = dict(User.select(User.login, User.id).tuples())
        uid = _next_id(User)
        tid = _next_id(Territory)
        users: list[dict] = []

        def user(login: str, name: str, role: str, territory=None, manager=None) -> int:
            nonlocal uid
            if login in existing:
                return existing[login]
            users.append(dict(id=uid, login=login, display_name=name, role=role, territory=territory,
                              manager=manager, email=f"{login}@demo.crmtui.cn", created_at=day_start(self.today)))  # fmt: skip
            uid += 1
            return uid - 1

        self.admin = user(*ADMIN, "admin")
        territories, rules, tiers = [], [], []
        self.reps: dict[int, list[int]] = {}
        self.manager_of: dict[int, int] = {}
        self.city_territory: dict[str, int] = {}
        rep_names = iter(REP_NAMES)
        owned_each = self.n * (1 - POOL_SHARE) / (3 * reps_each)
        cap = max(300, int(owned_each * 1.25 / 100 + 1) * 100)
        for name, (login, display, cities) in TERRITORIES.items():
            territories.append(dict(id=tid, name=name, created_at=day_start(self.today)))
            rules.append(dict(territory=tid, owned_cap=cap))
            tiers += [dict(territory=tid, tier=t, no_followup_days=d) for t, d in DEFAULT_NO_FOLLOWUP_DAYS.items()]
            self.city_territory.update(dict.fromkeys(cities, tid))
            tid += 1
        Territory.insert_many(territories).execute()
        for t in territories:
            login, display, _ = TERRITORIES[t["name"]]
            manager = user(login, display, "manager", t["id"], None)
            self.manager_of[t["id"]] = manager
            self.reps[t["id"]] = []
            for _ in range(reps_each):
                rep = next(rep_names)
                keys = [pinyin._char_key(c)[0] for c in rep]
                self.reps[t["id"]].append(user(f"{keys[0]}.{''.join(keys[1:])}", rep, "rep", t["id"], manager))
        User.insert_many(users).execute()
        PoolRules.insert_many(rules).execute()
        TierRule.insert_many(tiers).execute()
        self.result.counts.update(user=len(users), territory=len(territories))

    def catalogue(self) -> None:
        pid = _next_id(Product)
        Product.insert_many(
            [dict(id=pid + i, code=c, name=n, unit=u, unit_price=p / 100) for i, (c, n, u, p) in enumerate(PRODUCTS)]
        ).execute()
        self.products = [(pid + i, price) for i, (_, _, _, price) in enumerate(PRODUCTS)]
        pipeline = Pipeline.get(Pipeline.is_default)
        stages = list(Stage.select().where(Stage.pipeline == pipeline).order_by(Stage.position))
        open_stages = [s for s in stages if s.kind == "open"]
        for stage, days in zip(open_stages, STUCK_DAYS):
            Stage.update(stuck_days=days).where(Stage.id == stage.id).execute()
        won = next(s for s in stages if s.kind == "won")
        lost = next(s for s in stages if s.kind == "lost")
        self.pipeline = pipeline.id
        self.open_stages = [(s.id, d) for s, d in zip(open_stages, [*STUCK_DAYS, *[None] * len(open_stages)])]
        self.won, self.lost = won.id, lost.id
        self.result.counts["product"] = len(PRODUCTS)

    # -- customers ---------------------------------------------------------------------------------------------

    def customers(self, worker: ThreadPoolExecutor) -> None:
        """Customers and their search keys, CUSTOMER_CHUNK at a time, each chunk followed by the rows the database
        makes from it (first contacts, follow-ups, tags) while the worker makes the next chunk."""
        self.cid0 = _next_id(Customer)
        self.ct0 = _next_id(Contact)  # a customer's first contact is ct0 + its index (see contacts)
        self.customer_ids = (self.cid0, self.cid0 + self.n - 1)
        chunks = self.customer_chunks()
        chunk = next(chunks, None)
        while chunk is not None:
            rows, keys = chunk
            self.write(Customer, CUSTOMER_COLUMNS, rows, self.n)
            self.write(CustomerSearchKey, ["customer_id", "search_text"], keys, self.n)
            coming = worker.submit(next, chunks, None)  # made while the database works on this chunk
            ids = (rows[0][0], rows[-1][0])
            self.contacts(ids, range(1))
            self.followups(ids)
            self.tags(ids)
            chunk = coming.result()

    def customer_chunks(self) -> Iterator[tuple[tuple, tuple]]:
        """Customer rows and their search-key rows, CUSTOMER_CHUNK customers at a time; what later tables need is
        kept per customer in flat lists."""
        n, r = self.n, self.rng(1).random
        tiers = _weighted(TIER_WEIGHTS)
        cities = [c for _, _, cs in TERRITORIES.values() for c in cs]
        territory_ids = list(self.reps)
        sources = SOURCES
        # per customer, for the deals that follow
        self.c_owner = owner_of = [0] * n  # 0: in the pool
        self.c_user = user_of = [0] * n  # who follows it up: the owner, else the former owner, else 0
        followup_counts = _weighted(((0, 6), (1, 14), (2, 20), (3, 22), (4, 17), (5, 11), (6, 6), (7, 4)))
        ts, tier_days = self.ts, DEFAULT_NO_FOLLOWUP_DAYS
        day = 1440
        key_cache: dict[str, str] = {}

        def office(minute: int) -> int:
            """A local office-hours time (9:00-18:00) on MINUTE's day, never later than yesterday."""
            return min(minute // day, -1) * day + 540 + int(r() * 540)

        def rows() -> Iterator[tuple[tuple, tuple]]:
            for i in range(n):
                kind = r()
                if kind < 0.86:
                    city = cities[int(r() * len(cities))]
                    b = int(r() * len(BRANDS))
                    brand = BRANDS[b]
                    part, industry = INDUSTRIES[int(r() * len(INDUSTRIES))]
                    name = city + brand + part + SUFFIXES[int(r() * len(SUFFIXES))]
                    territory = self.city_territory[city]
                    email = f"info{i}@{city_code(city)}{b}.com.cn" if r() < 0.6 else None
                    address = f"{city}市{brand}路{int(r() * 900) + 1}号"
                elif kind < 0.94:
                    name = f"{EN_FIRST[int(r() * 16)]} {EN_KIND[int(r() * 8)]} {EN_SUFFIX[int(r() * 5)]}"
                    industry = ("贸易", "软件", "制造", "物流", "咨询", "食品", "电子", "医药")[int(r() * 8)]
                    territory = territory_ids[int(r() * 3)]
                    email = f"contact{i}@{name.split()[0].lower()}.com"
                    address = None
                else:  # a person buying for themselves
                    name = SURNAMES[int(r() * len(SURNAMES))] + GIVEN[int(r() * len(GIVEN))]
                    if r() < 0.6:
                        name += GIVEN[int(r() * len(GIVEN))]
                    industry, address = "个人", None
                    territory = territory_ids[int(r() * 3)]
                    email = f"u{i}@qq.com" if r() < 0.5 else None
                phone = f"1{(38, 39, 37, 86, 59, 58, 36, 88)[int(r() * 8)]}{int(r() * 100_000_000):08d}"
                tier = tiers[int(r() * 1000)]
                created = -int(r() * PAST_DAYS * day) - 3 * day
                reps = self.reps[territory]
                fu = followup_counts[int(r() * 1000)]
                pool = r() < POOL_SHARE
                locked = False
                owner = former = None
                owned_at = pooled_at = None
                last = nxt = None
                if pool:
                    former = reps[int(r() * len(reps))] if r() < 0.7 else None
                    if former:
                        owned = created + int(r() * (-created) * 0.5)
                        pooled = -int(r() * 200 * day) - day
                        if pooled <= owned:  # owned lately: back in the pool between then and yesterday
                            pooled = owned + 1 + int(r() * (-owned - day))
                        last = pooled - tier_days[tier] * day - int(r() * 5 * day) if fu else None
                        if last is not None and last <= created:
                            last = created + int(r() * (pooled - created))
                        if last is not None:
                            last = office(last)
                        user_of[i] = former
                    else:
                        pooled = created
                        fu = 0
                    pooled_at = ts(pooled)
                else:
                    owner = self.manager_of[territory] if r() < 0.02 else reps[int(r() * len(reps))]
                    owned = created + int(r() * min(-created, 400 * day) * 0.8)
                    user_of[i] = owner
                    locked = r() < LOCKED_SHARE
                    # As a team reclaiming daily leaves it: no owned customer is past its tier's no-follow-up
                    # limit; a few (WARN_SHARE) come within the warning days, the others are followed up well
                    # before (the final reclaim pass in seed_demo takes back whatever still slips through).
                    limit = tier_days[tier]
                    if fu:
                        if r() < WARN_SHARE:
                            last = -(limit - 1 - int(r() * 2)) * day + 540 + int(r() * 540)
                        else:
                            last = -(1 + int(r() * (limit - 4))) * day + 540 + int(r() * 540)
                        if last <= created:
                            last = created + 60
                        if owned >= last:
                            owned = max(created, last - 1 - int(r() * 30 * day))
                        # the next follow-up: some due today, some overdue, the rest ahead
                        p = r()
                        if p < 0.08:
                            nxt = 9 * 60 + int(r() * 9 * 60)  # today, local office hours
                        elif p < 0.2:
                            nxt = -int(r() * 20 + 1) * day + 10 * 60
                        elif p < 0.7:
                            nxt = int(r() * 30 + 1) * day + 10 * 60
                        if nxt is not None and nxt <= last:
                            nxt = last + day
                    else:  # lately given, not yet followed up
                        owned = max(created, -int(r() * (limit - 4) * day) - 60)
                    owned_at = ts(owned)
                owner_of[i] = owner or 0
                key = key_cache.get(name)
                if key is None:
                    key = key_cache[name] = customer_key(name)
                search_key = key + " " + phone + (" " + email if email else "")  # customer_key(name, phone, email)
                moved = owned if owner else (pooled if pool else created)  # its latest change of hands
                updated = max(created, moved, created if last is None else last)
                yield (
                    self.cid0 + i, name, tier, phone, email, industry, sources[int(r() * 8)], address, territory,
                    owner, former, owned_at, pooled_at, ts(last) if last is not None else None,
                    ts(nxt) if nxt is not None else None, locked, ts(created), ts(updated),
                ), (self.cid0 + i, search_key)  # fmt: skip

        city_codes = {c: "".join(pinyin._char_key(ch)[0] for ch in c) for c in cities}

        def city_code(city: str) -> str:
            return city_codes[city]

        made = rows()
        while chunk := list(islice(made, CUSTOMER_CHUNK)):
            yield tuple(zip(*chunk))

    # -- the bulky, simple tables: made by the database from the customers already written ----------------------
    # Each is one INSERT ... SELECT over the customers (times a small numbers table), every choice a deterministic
    # function of the row's key and the seed (_draw), so no Python runs per row and no row crosses the driver.

    def insert_select(self, model, sql: str, total: int) -> int:
        """Run SQL (an INSERT ... SELECT into MODEL's table), reporting progress towards TOTAL (an estimate of the
        table's rows over all its statements); returns how many rows."""
        name = model._meta.table_name
        before = self.result.counts.get(name, 0)
        self.progress(name, before, total)
        _sequence_from_largest(model)
        if is_postgres():
            sql = sql.replace("%", "%%")  # peewee passes () as parameters: psycopg reads % as a placeholder
        count = db.execute_sql(sql).rowcount
        if not is_postgres():  # Python's sqlite3 counts nothing for a statement that starts WITH
            count = db.execute_sql("SELECT changes()").fetchone()[0]
        self.result.counts[name] = before + count
        self.progress(name, before + count, max(total, before + count))
        return count

    def draw(self, key: str, part: int) -> str:
        return _draw(key, self.seed * 1000 + part)

    def contacts(self, ids: tuple[int, int], numbers: range) -> None:
        """The customers IDS' (first, last) contacts whose number (0-2) is in NUMBERS, of 1–3 a customer: written
        first for every customer, then the second ones, then the third, so a customer's first contact is ct0 + its
        index. About one in six with a birthday, some today or within the fortnight."""
        # three draws a row (and one a customer), each read as several independent digits-wide choices
        draws = [self.draw("CAST(c.id AS BIGINT) * 4 + n", part) for part in (22, 23, 24)]
        who, what, when = "r.who", "r.what", "r.pick"  # each drawn once per row in the fenced subquery below
        count = self.draw("c.id", 20)
        count = f"(CASE WHEN {count} % 1000 < 450 THEN 1 WHEN {count} / 1000 % 1000 < 700 THEN 2 ELSE 3 END)"
        name = (
            f"CASE WHEN {who} % 100 < 93 THEN {_char(SURNAMES, f'{who} / 100')} || {_char(GIVEN, f'{who} / 10000')}"
            f" || CASE WHEN {who} / 1000000 % 100 < 55 THEN {_char(GIVEN, what)} ELSE '' END"
            f" ELSE {_pick(EN_PEOPLE, f'{what} % {len(EN_PEOPLE)}')} END"
        )
        days = [self.day(offset)[5:].replace("02-29", "02-28") for offset in range(-2, 365)]
        soon = f"{when} / 100 % 10 = 0"  # a tenth of the birthdays fall within the fortnight
        offset = f"(CASE WHEN {soon} THEN {when} / 1000 % 14 ELSE 2 + {when} / 1000 % 365 END)"
        month_day = _substr(_q("".join(days)), f"1 + 5 * {offset}", 5)
        year = f"CAST({self.today.year - 25} - {when} / 1000000 % 30 AS TEXT)"
        birthday = "CASE WHEN " + when + " % 100 < 16 THEN " + _date(year + " || '-' || " + month_day) + " END"
        digits = f"CAST(10000000 + {what} / 100 % 90000000 AS TEXT)"
        phone = f"'1' || {_substr(_q('3839358650'), f'1 + 2 * ({what} / 10 % 5)', 2)} || {digits}"
        title = _pick(TITLES, f"{when} / 10 % {len(TITLES)}")
        sql = f"""{_numbers(CONTACTS_EACH)}
            INSERT INTO contact (customer_id, name, title, phone, email, wechat, birthday, created_at)
            SELECT r.id, {name}, {title}, {phone},
                CASE WHEN {what} / 10000 % 10 < 4
                    THEN 'c' || CAST(r.id AS TEXT) || '-' || CAST(r.n AS TEXT) || '@example.cn' END,
                CASE WHEN {what} / 100000 % 2 = 0 THEN 'wx' || CAST(r.id AS TEXT) || CAST(r.n AS TEXT) END,
                {birthday}, r.created_at
            FROM (
                SELECT c.id, n, c.created_at, {draws[0]} AS who, {draws[1]} AS what, {draws[2]} AS pick
                FROM nums CROSS JOIN customer c
                WHERE n BETWEEN {numbers.start} AND {numbers.stop - 1} AND c.id BETWEEN {ids[0]} AND {ids[1]}
                    AND n < {count}{_pg_order('n, c.id')}{_fence()}
            ) r"""
        self.insert_select(Contact, sql, int(self.n * 1.7))

    def followups(self, ids: tuple[int, int]) -> None:
        """Up to a year of follow-ups per customer of IDS (first, last) that has a last one: the latest at its
        last_followup_at (its next at the customer's next_followup_at), earlier ones about 35 days apart going back,
        never before the customer existed nor more than a year ago; by the owner, else the former owner."""
        counts = "".join(str(k) for k in _weighted(((1, 14), (2, 20), (3, 22), (4, 17), (5, 11), (6, 6), (7, 4)), 100))
        pick = self.draw("c.id", 40)
        count = f"CAST({_substr(_q(counts), f'1 + {pick} % 100', 1)} AS INTEGER)"
        shift = lambda k: self.draw(f"CAST(c.id AS BIGINT) * 8 + {k}", 41)  # noqa: E731 - the K-th one's jitter

        def back(k: str, shift: str) -> str:  # minutes between the last follow-up and the K-th one before it
            jitter = f"(({shift} % 21 - 10) * 1440 + {shift} / 21 % 181 - 90)"  # +-10 days, +-1.5 hours
            return f"(CASE WHEN {k} = 0 THEN 0 ELSE ({k}) * 50400 + {jitter} END)"

        types = _weighted(((k, w) for k, (_, w) in enumerate(FOLLOWUP_TYPES)), 100)
        type_index = _substr(_q("".join(map(str, types))), "1 + f.choice % 100", 1)
        kind = _pick([t for t, _ in FOLLOWUP_TYPES], f"CAST({type_index} AS INTEGER)")
        year_ago = _literal_time(self.ts(-365 * 1440))
        room = _minutes_between("c.last_followup_at", year_ago, "c.created_at")
        later = _minus_minutes("f.last", back("f.n - 1", "f.shift_before"))  # the time of the one after
        # Fenced subqueries, innermost first: each customer's values (once a customer), the draws (once a row),
        # the time (once a row), the columns (the time of the one after: only where it is the next one's).
        sql = f"""{_numbers(7)}
            INSERT INTO followup (customer_id, contact_id, user_id, type, at, note, next_at, created_at)
            SELECT f.id, {self.ct0 - self.cid0} + f.id, f.user_id, {kind}, f.at,
                {_pick(NOTES, f'f.choice / 100 % {len(NOTES)}')},
                CASE WHEN f.n = 0 THEN f.next WHEN f.choice / 10000 % 2 = 0 THEN {later} END, f.at
            FROM (
                SELECT r.id, r.n, r.user_id, r.choice, r.next, r.last, r.shift_before,
                    {_minus_minutes("r.last", back("r.n", "r.shift"))} AS at
                FROM (
                    SELECT c.id, n, c.user_id, c.next, c.last, c.room, {shift("n")} AS shift,
                        CASE WHEN n > 0 THEN {shift("n - 1")} END AS shift_before,
                        {self.draw("CAST(c.id AS BIGINT) * 8 + n", 43)} AS choice
                    FROM (
                        SELECT c.id, COALESCE(c.owner_id, c.former_owner_id) AS user_id, c.next_followup_at AS next,
                            {_time_number("c.last_followup_at")} AS last, {count} AS count, {room} AS room
                        FROM customer c
                        WHERE c.id BETWEEN {ids[0]} AND {ids[1]} AND c.last_followup_at IS NOT NULL{_fence()}
                    ) c CROSS JOIN nums
                    WHERE n < c.count{_pg_order('c.id, n')}{_fence()}
                ) r
                WHERE {back("r.n", "r.shift")} < r.room{_fence()}
            ) f"""
        self.insert_select(Followup, sql, int(self.n * 2.8))

    def customer_draw(self, part: int) -> str:
        """SQL for a draw of customer c's own."""
        return self.draw("CAST(c.id AS BIGINT)", part)

    def tags(self, ids: tuple[int, int]) -> None:
        """Tags of the customers IDS (first, last): two in five customers, some with two."""
        d = self.customer_draw
        tag = _pick(TAGS, f"({d(50)} % {len(TAGS)} + n * (1 + {d(51)} % {len(TAGS) - 1})) % {len(TAGS)}")
        sql = f"""{_numbers(2)}
            INSERT INTO customer_tag (customer_id, tag)
            SELECT c.id, {tag} FROM customer c CROSS JOIN nums
            WHERE c.id BETWEEN {ids[0]} AND {ids[1]} AND {d(52)} % 100 < 40 AND (n = 0 OR {d(53)} % 100 < 30)
            {_pg_order('c.id, n')}"""
        self.insert_select(CustomerTag, sql, int(self.n * 0.52))

    def events(self) -> None:
        """Ownership events: each owned customer assigned by its manager or claimed at owned_at; each pool customer
        with a former owner got at its creation and went back (reclaimed by its tier's rule, or released) at
        pooled_at."""
        d = self.customer_draw
        manager = "CASE c.territory_id " + " ".join(f"WHEN {t} THEN {m}" for t, m in self.manager_of.items()) + " END"
        assign = f"{d(54)} % 100 < 60"

        def got(user: str, at: str, where: str) -> str:
            return f"""INSERT INTO ownership_event (customer_id, from_user_id, to_user_id, kind, reason, at, by_id)
                SELECT c.id, NULL, {user}, CASE WHEN {assign} THEN 'assign' ELSE 'claim' END,
                    CASE WHEN {assign} THEN '分配新客户' END, {at}, CASE WHEN {assign} THEN {manager} ELSE {user} END
                FROM customer c WHERE c.id >= {self.cid0} AND {where}{_pg_order('c.id')}"""

        went_back = "c.owner_id IS NULL AND c.former_owner_id IS NOT NULL"
        total = int(self.n * 1.05)
        self.insert_select(OwnershipEvent, got("c.owner_id", "c.owned_at", "c.owner_id IS NOT NULL"), total)
        self.insert_select(OwnershipEvent, got("c.former_owner_id", "c.created_at", went_back), total)
        rules = [f"no follow-up for {DEFAULT_NO_FOLLOWUP_DAYS[t]} days (tier {t})" for t in TIERS]  # as reclaim names them
        rules = _pick(rules, "c.tier", TIERS)
        reclaimed = f"{d(55)} % 100 < 70"
        sql = f"""INSERT INTO ownership_event (customer_id, from_user_id, to_user_id, kind, reason, at, by_id)
            SELECT c.id, c.former_owner_id, NULL, CASE WHEN {reclaimed} THEN 'reclaim' ELSE 'release' END,
                CASE WHEN {reclaimed} THEN {rules} ELSE '客户暂无需求' END, c.pooled_at,
                CASE WHEN {reclaimed} THEN NULL ELSE c.former_owner_id END
            FROM customer c WHERE c.id >= {self.cid0} AND {went_back}{_pg_order('c.id')}"""
        self.insert_select(OwnershipEvent, sql, total)

    # -- the sales process: rows made in Python from the customers' owners alone, with no database access (the
    # worker thread makes them), numbered from the first ids given ----------------------------------------------

    def sales_rows(self, first: dict) -> list[Write]:
        """Deals, the sales behind them and after-sales, numbered from FIRST (model: id); the writes, in order."""
        return [*self.deals(first[Deal]), *self.sales(first), *self.aftersales()]

    def deals(self, did: int) -> list[Write]:
        """About 0.2 deals a customer, numbered from DID, in every stage, each with its stage history; won ones are
        kept in self.won_deals for the contracts."""
        r = self.rng(5).random
        ts, day = self.ts, 1440
        stage_of = _weighted(((k, w) for k, w in enumerate(STAGE_WEIGHTS)))
        self.won_deals: list[tuple] = []  # (deal id, customer index, owner, closed minute, amount cents, lines)
        self.quoted: list[tuple] = []  # (deal id, customer index, owner, created minute, status, lines, total)
        deal_rows: list[tuple] = []
        history: list[tuple] = []
        open_count = len(self.open_stages)
        products = self.products
        for i in range(self.n):
            p = r()
            if p >= 0.2:
                continue
            for _ in range(2 if p < 0.01 else 1):
                owner = self.c_user[i]
                if not owner:
                    continue
                kind = stage_of[int(r() * 1000)]
                if kind < 4:
                    kind = min(kind, open_count - 1)  # a pipeline with fewer open stages
                if not self.c_owner[i] and kind < 4:
                    kind = 5  # a pool customer's open deal was lost when it went back
                title = f"{DEAL_TITLES[int(r() * len(DEAL_TITLES))]} {did}"
                lines = [
                    (products[k][0], q, products[k][1], d, (products[k][1] * q * (10000 - d) + 5000) // 10000)
                    for k, q, d in (
                        (int(r() * len(products)), 1 + int(r() * 20), (0, 0, 500, 1000, 1500)[int(r() * 5)])
                        for _ in range(1 + int(r() * 3))
                    )
                ]  # product id, quantity, unit price, discount bp, total
                amount = sum(line[4] for line in lines)
                # the stage moves, laid out backwards from the last one: won and lost deals closed some time
                # ago; open deals entered their stage lately, or (about a quarter) longer ago than its limit
                reached = kind if kind < 4 else int(r() * open_count)
                stage_ids = [s for s, _ in self.open_stages[: reached + 1]]
                closed = None
                if kind >= 4:
                    closed = last = -int((2 + r() * 330) * day)
                    stage_ids.append(self.won if kind == 4 else self.lost)
                else:
                    stuck = self.open_stages[kind][1] or 30
                    if r() < 0.25:
                        last = -int((stuck + 1 + r() * 30) * day)
                    else:
                        last = -int(r() * stuck * 0.8 * day) - 60
                moves = [last]
                for _ in range(len(stage_ids) - 1):
                    moves.append(moves[-1] - int((1 + r() * 25) * day))
                moves.reverse()
                start = moves[0]
                prev = None
                for stage, at in zip(stage_ids, moves):
                    history.append((did, prev, stage, ts(at), owner))
                    prev = stage
                expected = None if kind >= 4 else self.day(int(r() * 120) + 1)
                deal_rows.append((
                    did, i + self.cid0, self.pipeline, stage_ids[-1], title, amount, expected, owner, None,
                    ts(start), ts(moves[-1]), ts(closed) if closed is not None else None,
                    LOST_REASONS[int(r() * len(LOST_REASONS))] if kind == 5 else None, None,
                ))  # fmt: skip
                if kind == 4:
                    self.won_deals.append((did, i, owner, closed, amount, lines))
                if kind in (2, 3, 4) or (kind == 5 and r() < 0.4):
                    status = {2: "draft" if r() < 0.4 else "sent", 3: "sent", 4: "accepted", 5: "rejected"}[kind]
                    self.quoted.append((did, i, owner, moves[min(2, len(moves) - 1)], status, lines, amount))
                did += 1
        deal_columns = [
            "id", "customer_id", "pipeline_id", "stage_id", "title", "amount", "expected_close", "owner_id",
            "external_id", "created_at", "stage_entered_at", "closed_at", "lost_reason", "deleted_at",
        ]  # fmt: skip
        history_columns = ["deal_id", "from_stage_id", "to_stage_id", "at", "by_id"]
        return [(Deal, deal_columns, deal_rows), (DealStageHistory, history_columns, history)]

    def sales(self, first: dict) -> list[Write]:
        """Quotes for deals from Proposal on; for each won deal a contract with the quote's lines, an instalment
        plan, payments applied oldest instalment first (so each instalment's paid is the sum of what reached it:
        some paid, some partly, some overdue) and an invoice for what was paid. Numbered from FIRST."""
        r = self.rng(6).random
        ts, day = self.ts, self.day
        minute_day = 1440
        qid, quote_rows, qline_rows = first[Quote], [], []
        quote_of: dict[int, int] = {}
        for did, i, owner, at, status, lines, total in self.quoted:
            quote_of[did] = qid
            valid = day(at // minute_day + 30)
            quote_rows.append((qid, f"Q{qid:07d}", i + self.cid0, did, status, valid, total, owner, ts(at)))
            qline_rows += [(qid, pid, str(q), price, d, t) for pid, q, price, d, t in lines]
            qid += 1
        line_columns = ["quote_id", "product_id", "quantity", "unit_price", "discount_bp", "total"]
        writes: list[Write] = [
            (Quote, ["id", "number", "customer_id", "deal_id", "status", "valid_until", "total", "created_by_id",
                     "created_at"], quote_rows),
            (QuoteLine, line_columns, qline_rows),
        ]  # fmt: skip

        kid = first[Contract]
        contracts, clines, instalments, payments, invoices = [], [], [], [], []
        self.contracts: list[tuple] = []  # (contract id, customer index, owner, signed day)
        iid = first[Invoice]
        for did, i, owner, closed, amount, lines in self.won_deals:
            signed = closed // minute_day
            months = 12 if r() < 0.7 else 24
            end = signed + months * 30
            plan = (1, 2, 3, 4, 6)[int(r() * 5)]
            share = amount // plan
            dues = [(signed + 30 * k, share if k < plan - 1 else amount - share * (plan - 1)) for k in range(plan)]
            paid_total, last_paid, open_seen = 0, None, False
            for seq, (due, owed) in enumerate(dues, start=1):
                paid = 0
                if not open_seen:
                    p = r()
                    if due <= 0:
                        paid = owed if p < 0.8 else (owed * (3 + int(r() * 5)) // 10 if p < 0.9 else 0)
                    elif p < 0.1:
                        paid = owed
                    if paid:
                        on = min(due + int(r() * 25) - 5, 0) if due <= 0 else -int(r() * 5)
                        on = max(on, signed)
                        payments.append((kid, paid, day(on), owner, "银行转账" if r() < 0.8 else None, ts(on * minute_day + 600)))
                        last_paid = on
                    open_seen = paid < owed
                paid_total += paid
                instalments.append((kid, seq, day(due), owed, paid))
            done = end < 0 and paid_total == amount
            contracts.append((
                kid, f"HT{kid:07d}", i + self.cid0, did, quote_of.get(did), owner, day(signed), day(signed), day(end),
                amount, "completed" if done else "active", ts(closed),
            ))  # fmt: skip
            clines += [(kid, pid, str(q), price, d, t) for pid, q, price, d, t in lines]
            if paid_total:
                tax_id = f"91{310000 + i % 9000:06d}MA{kid % 10_000_000:07d}X"[:18]
                invoices.append((iid, f"FP{iid:08d}", kid, paid_total, day(last_paid), "special" if r() < 0.4 else "normal",
                                 tax_id, ts(last_paid * minute_day + 660)))  # fmt: skip
                iid += 1
            self.contracts.append((kid, i, owner, signed))
            kid += 1
        return writes + [
            (Contract, ["id", "number", "customer_id", "deal_id", "quote_id", "owner_id", "signed_on", "start_on",
                        "end_on", "amount", "status", "created_at"], contracts),
            (ContractLine, ["contract_id", *line_columns[1:]], clines),
            (Instalment, ["contract_id", "seq", "due_on", "amount", "paid"], instalments),
            (Payment, ["contract_id", "amount", "paid_on", "by_id", "note", "created_at"], payments),
            (Invoice, ["id", "number", "contract_id", "amount", "issued_on", "type", "buyer_tax_id", "created_at"],
             invoices),
        ]  # fmt: skip

    def aftersales(self) -> list[Write]:
        """Tickets (some open and overdue) and return visits after a sale."""
        r = self.rng(7).random
        ts, minute_day = self.ts, 1440
        statuses = _weighted((("open", 30), ("in-progress", 20), ("resolved", 30), ("closed", 20)))
        priorities = _weighted((("low", 20), ("normal", 50), ("high", 22), ("urgent", 8)))
        tickets, visits = [], []
        for kid, i, owner, signed in self.contracts:
            if r() < 0.35:
                opened = max(signed * minute_day, -200 * minute_day) + int(r() * 100 * minute_day)
                opened = min(opened, -60)
                status = statuses[int(r() * 1000)]
                resolved = ts(opened + int(r() * 5 * minute_day)) if status in ("resolved", "closed") else None
                tickets.append((
                    TICKET_SUBJECTS[int(r() * len(TICKET_SUBJECTS))], i + self.cid0, self.ct0 + i,
                    priorities[int(r() * 1000)], status, owner, ts(opened + 3 * minute_day), ts(opened), resolved,
                ))  # fmt: skip
            if r() < 0.5 and signed < -30:
                on = min(signed + 30 + int(r() * 90), -1)
                satisfaction = (5, 5, 4, 4, 4, 3, 3, 2, 1, 5)[int(r() * 10)]
                visits.append((i + self.cid0, self.day(on), satisfaction, VISIT_NOTES[int(r() * 6)], owner,
                               ts(on * minute_day + 900)))  # fmt: skip
        return [
            (Ticket, ["subject", "customer_id", "contact_id", "priority", "status", "assignee_id", "due_by",
                      "created_at", "resolved_at"], tickets),
            (Visit, ["customer_id", "on", "satisfaction", "note", "by_id", "created_at"], visits),
        ]  # fmt: skip


def describe(result: DemoResult) -> str:
    counts = result.counts
    return (
        f"Seeded {counts.get('customer', 0):,} customers, {counts.get('contact', 0):,} contacts, "
        f"{counts.get('followup', 0):,} follow-ups, {counts.get('deal', 0):,} deals, "
        f"{counts.get('contract', 0):,} contracts and {counts.get('payment', 0):,} payments "
        f"(seed {result.seed}, dates around {result.anchor}) in {result.seconds:.1f} s."
    )


__all__ = ["DemoResult", "describe", "has_data", "seed_demo"]
