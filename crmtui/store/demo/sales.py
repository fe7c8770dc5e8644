"""The demo's sales process: deals in every stage with their stage history, quotes, and for each won deal a
contract with its lines, instalments, payments and invoice. Rows made in Python from the customers' owners alone,
with no database access (the worker thread makes them), numbered from the first ids given. Leaves the contracts
for the after-sales."""

from crmtui.store.demo.seeder import Seeder, Write
from crmtui.store.demo.vocabulary import DEAL_TITLES, LOST_REASONS, STAGE_WEIGHTS, weighted
from crmtui.store.kernel.models import (
    Contract,
    ContractLine,
    Deal,
    DealStageHistory,
    Instalment,
    Invoice,
    Payment,
    Quote,
    QuoteLine,
)


class SalesRows(Seeder):
    def deals(self, did: int) -> list[Write]:
        """About 0.2 deals a customer, numbered from DID, in every stage, each with its stage history; won ones are
        kept in self.won_deals for the contracts."""
        r = self.rng(5).random
        ts, day = self.ts, 1440
        stage_of = weighted(((k, w) for k, w in enumerate(STAGE_WEIGHTS)))
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
                deal_rows.append(
                    (
                        did,
                        i + self.cid0,
                        self.pipeline,
                        stage_ids[-1],
                        title,
                        amount,
                        expected,
                        owner,
                        None,
                        ts(start),
                        ts(moves[-1]),
                        ts(closed) if closed is not None else None,
                        LOST_REASONS[int(r() * len(LOST_REASONS))] if kind == 5 else None,
                        None,
                    )
                )
                if kind == 4:
                    self.won_deals.append((did, i, owner, closed, amount, lines))
                if kind in (2, 3, 4) or (kind == 5 and r() < 0.4):
                    status = {2: "draft" if r() < 0.4 else "sent", 3: "sent", 4: "accepted", 5: "rejected"}[kind]
                    self.quoted.append((did, i, owner, moves[min(2, len(moves) - 1)], status, lines, amount))
                did += 1
        deal_columns = [
            "id",
            "customer_id",
            "pipeline_id",
            "stage_id",
            "title",
            "amount",
            "expected_close",
            "owner_id",
            "external_id",
            "created_at",
            "stage_entered_at",
            "closed_at",
            "lost_reason",
            "deleted_at",
        ]
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
            (
                Quote,
                [
                    "id",
                    "number",
                    "customer_id",
                    "deal_id",
                    "status",
                    "valid_until",
                    "total",
                    "created_by_id",
                    "created_at",
                ],
                quote_rows,
            ),
            (QuoteLine, line_columns, qline_rows),
        ]

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
                        payments.append(
                            (kid, paid, day(on), owner, "银行转账" if r() < 0.8 else None, ts(on * minute_day + 600))
                        )
                        last_paid = on
                    open_seen = paid < owed
                paid_total += paid
                instalments.append((kid, seq, day(due), owed, paid))
            done = end < 0 and paid_total == amount
            contracts.append(
                (
                    kid,
                    f"HT{kid:07d}",
                    i + self.cid0,
                    did,
                    quote_of.get(did),
                    owner,
                    day(signed),
                    day(signed),
                    day(end),
                    amount,
                    "completed" if done else "active",
                    ts(closed),
                )
            )
            clines += [(kid, pid, str(q), price, d, t) for pid, q, price, d, t in lines]
            if paid_total:
                tax_id = f"91{310000 + i % 9000:06d}MA{kid % 10_000_000:07d}X"[:18]
                invoices.append(
                    (
                        iid,
                        f"FP{iid:08d}",
                        kid,
                        paid_total,
                        day(last_paid),
                        "special" if r() < 0.4 else "normal",
                        tax_id,
                        ts(last_paid * minute_day + 660),
                    )
                )
                iid += 1
            self.contracts.append((kid, i, owner, signed))
            kid += 1
        return writes + [
            (
                Contract,
                [
                    "id",
                    "number",
                    "customer_id",
                    "deal_id",
                    "quote_id",
                    "owner_id",
                    "signed_on",
                    "start_on",
                    "end_on",
                    "amount",
                    "status",
                    "created_at",
                ],
                contracts,
            ),
            (ContractLine, ["contract_id", *line_columns[1:]], clines),
            (Instalment, ["contract_id", "seq", "due_on", "amount", "paid"], instalments),
            (Payment, ["contract_id", "amount", "paid_on", "by_id", "note", "created_at"], payments),
            (
                Invoice,
                ["id", "number", "contract_id", "amount", "issued_on", "type", "buyer_tax_id", "created_at"],
                invoices,
            ),
        ]
