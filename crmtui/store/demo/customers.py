"""The demo's customers and their search keys, made in Python from the team (reps, manager_of, city_territory)
and numbered from cid0. Leaves per customer, for the deals: c_owner and c_user.

Owned customers keep to the pool rules as of the seed moment (a team reclaiming daily leaves none past its tier's
limit, a few within the warning days); a final reclaim pass makes sure of it. Each customer's search key is made
by search.customer_key, as `customer add` makes it, and written to its own table.
"""

from collections.abc import Iterator
from itertools import islice

from crmtui.store.customers import pinyin
from crmtui.store.customers.search import customer_key
from crmtui.store.demo.seeder import PAST_DAYS, Seeder
from crmtui.store.demo.vocabulary import (
    BRANDS,
    EN_FIRST,
    EN_KIND,
    EN_SUFFIX,
    GIVEN,
    INDUSTRIES,
    LOCKED_SHARE,
    POOL_SHARE,
    SOURCES,
    SUFFIXES,
    SURNAMES,
    TERRITORIES,
    TIER_WEIGHTS,
    WARN_SHARE,
    weighted,
)
from crmtui.store.org.territories import DEFAULT_NO_FOLLOWUP_DAYS

CUSTOMER_COLUMNS = [  # external_id and deleted_at stay NULL
    "id",
    "name",
    "tier",
    "phone",
    "email",
    "industry",
    "source",
    "address",
    "territory_id",
    "owner_id",
    "former_owner_id",
    "owned_at",
    "pooled_at",
    "last_followup_at",
    "next_followup_at",
    "locked",
    "created_at",
    "updated_at",
]


class CustomerRows(Seeder):
    def customer_chunks(self, size: int) -> Iterator[tuple[tuple, tuple]]:
        """Customer rows and their search-key rows, SIZE customers at a time; what later tables need is
        kept per customer in flat lists."""
        n, r = self.n, self.rng(1).random
        tiers = weighted(TIER_WEIGHTS)
        cities = [c for _, _, cs in TERRITORIES.values() for c in cs]
        territory_ids = list(self.reps)
        sources = SOURCES
        # per customer, for the deals that follow
        self.c_owner = owner_of = [0] * n  # 0: in the pool
        self.c_user = user_of = [0] * n  # who follows it up: the owner, else the former owner, else 0
        followup_counts = weighted(((0, 6), (1, 14), (2, 20), (3, 22), (4, 17), (5, 11), (6, 6), (7, 4)))
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
                    (
                        self.cid0 + i,
                        name,
                        tier,
                        phone,
                        email,
                        industry,
                        sources[int(r() * 8)],
                        address,
                        territory,
                        owner,
                        former,
                        owned_at,
                        pooled_at,
                        ts(last) if last is not None else None,
                        ts(nxt) if nxt is not None else None,
                        locked,
                        ts(created),
                        ts(updated),
                    ),
                    (self.cid0 + i, search_key),
                )

        city_codes = {c: "".join(pinyin._char_key(ch)[0] for ch in c) for c in cities}

        def city_code(city: str) -> str:
            return city_codes[city]

        made = rows()
        while chunk := list(islice(made, size)):
            yield tuple(zip(*chunk))
