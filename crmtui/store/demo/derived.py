"""The bulky, simple tables (contacts, follow-ups, tags, ownership events: two thirds of the rows), made by the
database itself: INSERT ... SELECTs over the customers just written, every choice hashed from the row's ids and
the seed.

Each is one INSERT ... SELECT over the customers (times a small numbers table), every choice a deterministic
function of the row's key and the seed (sql.draw), so no Python runs per row and no row crosses the driver. They
read cid0 and ct0 (set as the customers are written) and the team's manager_of.
"""

from crmtui.store.demo.load import sequence_from_largest
from crmtui.store.demo.seeder import Seeder
from crmtui.store.demo.sql import (
    as_date,
    char,
    draw,
    fence,
    literal,
    literal_time,
    minus_minutes,
    minutes_between,
    nums,
    pg_order,
    pick,
    substr,
    time_number,
)
from crmtui.store.demo.vocabulary import EN_PEOPLE, FOLLOWUP_TYPES, GIVEN, NOTES, SURNAMES, TAGS, TITLES, weighted
from crmtui.store.kernel.db import db
from crmtui.store.kernel.dialect import is_postgres
from crmtui.store.kernel.models import Contact, CustomerTag, Followup, OwnershipEvent
from crmtui.store.kernel.values import TIERS
from crmtui.store.org.territories import DEFAULT_NO_FOLLOWUP_DAYS

CONTACTS_EACH = 3  # at most


class DerivedTables(Seeder):
    def insert_select(self, model, sql: str, total: int) -> int:
        """Run SQL (an INSERT ... SELECT into MODEL's table), reporting progress towards TOTAL (an estimate of the
        table's rows over all its statements); returns how many rows."""
        name = model._meta.table_name
        before = self.result.counts.get(name, 0)
        self.progress(name, before, total)
        sequence_from_largest(model)
        if is_postgres():
            sql = sql.replace("%", "%%")  # peewee passes () as parameters: psycopg reads % as a placeholder
        count = db.execute_sql(sql).rowcount
        if not is_postgres():  # Python's sqlite3 counts nothing for a statement that starts WITH
            count = db.execute_sql("SELECT changes()").fetchone()[0]
        self.result.counts[name] = before + count
        self.progress(name, before + count, max(total, before + count))
        return count

    def draw(self, key: str, part: int) -> str:
        return draw(key, self.seed * 1000 + part)

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
            f"CASE WHEN {who} % 100 < 93 THEN {char(SURNAMES, f'{who} / 100')} || {char(GIVEN, f'{who} / 10000')}"
            f" || CASE WHEN {who} / 1000000 % 100 < 55 THEN {char(GIVEN, what)} ELSE '' END"
            f" ELSE {pick(EN_PEOPLE, f'{what} % {len(EN_PEOPLE)}')} END"
        )
        days = [self.day(offset)[5:].replace("02-29", "02-28") for offset in range(-2, 365)]
        soon = f"{when} / 100 % 10 = 0"  # a tenth of the birthdays fall within the fortnight
        offset = f"(CASE WHEN {soon} THEN {when} / 1000 % 14 ELSE 2 + {when} / 1000 % 365 END)"
        month_day = substr(literal("".join(days)), f"1 + 5 * {offset}", 5)
        year = f"CAST({self.today.year - 25} - {when} / 1000000 % 30 AS TEXT)"
        birthday = "CASE WHEN " + when + " % 100 < 16 THEN " + as_date(year + " || '-' || " + month_day) + " END"
        digits = f"CAST(10000000 + {what} / 100 % 90000000 AS TEXT)"
        phone = f"'1' || {substr(literal('3839358650'), f'1 + 2 * ({what} / 10 % 5)', 2)} || {digits}"
        title = pick(TITLES, f"{when} / 10 % {len(TITLES)}")
        sql = f"""{nums(CONTACTS_EACH)}
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
                    AND n < {count}{pg_order("n, c.id")}{fence()}
            ) r"""
        self.insert_select(Contact, sql, int(self.n * 1.7))

    def followups(self, ids: tuple[int, int]) -> None:
        """Up to a year of follow-ups per customer of IDS (first, last) that has a last one: the latest at its
        last_followup_at (its next at the customer's next_followup_at), earlier ones about 35 days apart going back,
        never before the customer existed nor more than a year ago; by the owner, else the former owner."""
        counts = "".join(str(k) for k in weighted(((1, 14), (2, 20), (3, 22), (4, 17), (5, 11), (6, 6), (7, 4)), 100))
        drawn = self.draw("c.id", 40)
        count = f"CAST({substr(literal(counts), f'1 + {drawn} % 100', 1)} AS INTEGER)"
        shift = lambda k: self.draw(f"CAST(c.id AS BIGINT) * 8 + {k}", 41)  # noqa: E731 - the K-th one's jitter

        def back(k: str, shift: str) -> str:  # minutes between the last follow-up and the K-th one before it
            jitter = f"(({shift} % 21 - 10) * 1440 + {shift} / 21 % 181 - 90)"  # +-10 days, +-1.5 hours
            return f"(CASE WHEN {k} = 0 THEN 0 ELSE ({k}) * 50400 + {jitter} END)"

        types = weighted(((k, w) for k, (_, w) in enumerate(FOLLOWUP_TYPES)), 100)
        type_index = substr(literal("".join(map(str, types))), "1 + f.choice % 100", 1)
        kind = pick([t for t, _ in FOLLOWUP_TYPES], f"CAST({type_index} AS INTEGER)")
        year_ago = literal_time(self.ts(-365 * 1440))
        room = minutes_between("c.last_followup_at", year_ago, "c.created_at")
        later = minus_minutes("f.last", back("f.n - 1", "f.shift_before"))  # the time of the one after
        # Fenced subqueries, innermost first: each customer's values (once a customer), the draws (once a row),
        # the time (once a row), the columns (the time of the one after: only where it is the next one's).
        sql = f"""{nums(7)}
            INSERT INTO followup (customer_id, contact_id, user_id, type, at, note, next_at, created_at)
            SELECT f.id, {self.ct0 - self.cid0} + f.id, f.user_id, {kind}, f.at,
                {pick(NOTES, f"f.choice / 100 % {len(NOTES)}")},
                CASE WHEN f.n = 0 THEN f.next WHEN f.choice / 10000 % 2 = 0 THEN {later} END, f.at
            FROM (
                SELECT r.id, r.n, r.user_id, r.choice, r.next, r.last, r.shift_before,
                    {minus_minutes("r.last", back("r.n", "r.shift"))} AS at
                FROM (
                    SELECT c.id, n, c.user_id, c.next, c.last, c.room, {shift("n")} AS shift,
                        CASE WHEN n > 0 THEN {shift("n - 1")} END AS shift_before,
                        {self.draw("CAST(c.id AS BIGINT) * 8 + n", 43)} AS choice
                    FROM (
                        SELECT c.id, COALESCE(c.owner_id, c.former_owner_id) AS user_id, c.next_followup_at AS next,
                            {time_number("c.last_followup_at")} AS last, {count} AS count, {room} AS room
                        FROM customer c
                        WHERE c.id BETWEEN {ids[0]} AND {ids[1]} AND c.last_followup_at IS NOT NULL{fence()}
                    ) c CROSS JOIN nums
                    WHERE n < c.count{pg_order("c.id, n")}{fence()}
                ) r
                WHERE {back("r.n", "r.shift")} < r.room{fence()}
            ) f"""
        self.insert_select(Followup, sql, int(self.n * 2.8))

    def customer_draw(self, part: int) -> str:
        """SQL for a draw of customer c's own."""
        return self.draw("CAST(c.id AS BIGINT)", part)

    def tags(self, ids: tuple[int, int]) -> None:
        """Tags of the customers IDS (first, last): two in five customers, some with two."""
        d = self.customer_draw
        tag = pick(TAGS, f"({d(50)} % {len(TAGS)} + n * (1 + {d(51)} % {len(TAGS) - 1})) % {len(TAGS)}")
        sql = f"""{nums(2)}
            INSERT INTO customer_tag (customer_id, tag)
            SELECT c.id, {tag} FROM customer c CROSS JOIN nums
            WHERE c.id BETWEEN {ids[0]} AND {ids[1]} AND {d(52)} % 100 < 40 AND (n = 0 OR {d(53)} % 100 < 30)
            {pg_order("c.id, n")}"""
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
                FROM customer c WHERE c.id >= {self.cid0} AND {where}{pg_order("c.id")}"""

        went_back = "c.owner_id IS NULL AND c.former_owner_id IS NOT NULL"
        total = int(self.n * 1.05)
        self.insert_select(OwnershipEvent, got("c.owner_id", "c.owned_at", "c.owner_id IS NOT NULL"), total)
        self.insert_select(OwnershipEvent, got("c.former_owner_id", "c.created_at", went_back), total)
        rules = [
            f"no follow-up for {DEFAULT_NO_FOLLOWUP_DAYS[t]} days (tier {t})" for t in TIERS
        ]  # as reclaim names them
        rules = pick(rules, "c.tier", TIERS)
        reclaimed = f"{d(55)} % 100 < 70"
        sql = f"""INSERT INTO ownership_event (customer_id, from_user_id, to_user_id, kind, reason, at, by_id)
            SELECT c.id, c.former_owner_id, NULL, CASE WHEN {reclaimed} THEN 'reclaim' ELSE 'release' END,
                CASE WHEN {reclaimed} THEN {rules} ELSE '客户暂无需求' END, c.pooled_at,
                CASE WHEN {reclaimed} THEN NULL ELSE c.former_owner_id END
            FROM customer c WHERE c.id >= {self.cid0} AND {went_back}{pg_order("c.id")}"""
        self.insert_select(OwnershipEvent, sql, total)
