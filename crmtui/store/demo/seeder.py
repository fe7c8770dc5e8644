"""The seeder's common ground, which each area's seeder builds on: the result it fills, its random streams, the
clock as tables of strings, and the writes through the raw cursor.

Customers, deals and the sales behind them are made by cheap Python (random.Random(seed) per table, timestamps
and dates looked up in precomputed tables of strings, pinyin cached per name) and written through the raw cursor
(kernel.bulk.write_rows: executemany on SQLite, COPY on PostgreSQL) with explicit ids, so the rows that refer to
each other never need a query; never a Model.create per row.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from peewee import fn

from crmtui.store.kernel.bulk import write_rows
from crmtui.store.kernel.clock import day_start

Progress = Callable[[str, int, int], None]  # (phase, done, total)
Write = tuple[type, list[str], list[tuple]]  # rows for a model's table: (model, columns, rows)

PAST_DAYS = 1100  # the oldest customer was created about three years ago
FUTURE_DAYS = 800  # contracts run up to two years ahead


@dataclass
class DemoResult:
    """What a seeding made: its seed, the day its dates lie around, the rows per table and the time it took."""

    seed: int
    anchor: date
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def next_id(model) -> int:
    """The id after the largest in MODEL's table: the first the seeder writes there."""
    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


class Seeder:
    """What every area's seeder shares: the size, the seed, the result and progress, the time and the writes."""

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
