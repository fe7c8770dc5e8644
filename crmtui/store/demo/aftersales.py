"""The demo's after-sales: tickets and return visits for the contracts the sales left. Rows made in Python with no
database access, as the sales are (the worker thread makes them)."""

from crmtui.store.demo.seeder import Seeder, Write
from crmtui.store.demo.vocabulary import TICKET_SUBJECTS, VISIT_NOTES, weighted
from crmtui.store.kernel.models import Ticket, Visit


class AftersalesRows(Seeder):
    def aftersales(self) -> list[Write]:
        """Tickets (some open and overdue) and return visits after a sale."""
        r = self.rng(7).random
        ts, minute_day = self.ts, 1440
        statuses = weighted((("open", 30), ("in-progress", 20), ("resolved", 30), ("closed", 20)))
        priorities = weighted((("low", 20), ("normal", 50), ("high", 22), ("urgent", 8)))
        tickets, visits = [], []
        for _contract, i, owner, signed in self.contracts:
            if r() < 0.35:
                opened = max(signed * minute_day, -200 * minute_day) + int(r() * 100 * minute_day)
                opened = min(opened, -60)
                status = statuses[int(r() * 1000)]
                resolved = ts(opened + int(r() * 5 * minute_day)) if status in ("resolved", "closed") else None
                tickets.append(
                    (
                        TICKET_SUBJECTS[int(r() * len(TICKET_SUBJECTS))],
                        i + self.cid0,
                        self.ct0 + i,
                        priorities[int(r() * 1000)],
                        status,
                        owner,
                        ts(opened + 3 * minute_day),
                        ts(opened),
                        resolved,
                    )
                )
            if r() < 0.5 and signed < -30:
                on = min(signed + 30 + int(r() * 90), -1)
                satisfaction = (5, 5, 4, 4, 4, 3, 3, 2, 1, 5)[int(r() * 10)]
                visits.append(
                    (
                        i + self.cid0,
                        self.day(on),
                        satisfaction,
                        VISIT_NOTES[int(r() * 6)],
                        owner,
                        ts(on * minute_day + 900),
                    )
                )
        return [
            (
                Ticket,
                [
                    "subject",
                    "customer_id",
                    "contact_id",
                    "priority",
                    "status",
                    "assignee_id",
                    "due_by",
                    "created_at",
                    "resolved_at",
                ],
                tickets,
            ),
            (Visit, ["customer_id", "on", "satisfaction", "note", "by_id", "created_at"], visits),
        ]
