"""The demo's team and catalogue: the admin, a manager and reps per territory, its pool and tier rules, the
products and the default pipeline's stuck days. Leaves for the later tables: reps, manager_of, city_territory,
products, pipeline, open_stages, won and lost."""

from crmtui.store.customers import pinyin
from crmtui.store.demo.seeder import Seeder, next_id
from crmtui.store.demo.vocabulary import ADMIN, POOL_SHARE, PRODUCTS, REP_NAMES, STUCK_DAYS, TERRITORIES
from crmtui.store.kernel.clock import day_start
from crmtui.store.kernel.models import Pipeline, PoolRules, Product, Stage, Territory, TierRule, User
from crmtui.store.org.territories import DEFAULT_NO_FOLLOWUP_DAYS

BIG = 100_000  # from this many customers on, 20 reps per territory instead of 8


class TeamSeeder(Seeder):
    def team(self) -> None:
        reps_each = 20 if self.n >= BIG else 8
        existing = dict(User.select(User.login, User.id).tuples())
        uid = next_id(User)
        tid = next_id(Territory)
        users: list[dict] = []

        def user(login: str, name: str, role: str, territory=None, manager=None) -> int:
            nonlocal uid
            if login in existing:
                return existing[login]
            users.append(
                dict(
                    id=uid,
                    login=login,
                    display_name=name,
                    role=role,
                    territory=territory,
                    manager=manager,
                    email=f"{login}@demo.crmtui.cn",
                    created_at=day_start(self.today),
                )
            )
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
        for name, (_manager, _display, cities) in TERRITORIES.items():
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
        pid = next_id(Product)
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
