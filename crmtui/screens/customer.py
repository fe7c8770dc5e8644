"""One customer: profile, contacts, follow-up timeline, deals, ownership history, contracts and payments."""

from __future__ import annotations

from dataclasses import dataclass

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from crmtui.store.customers.detail import get_customer_detail
from crmtui.store.money.contracts import list_contracts
from crmtui.store.money.payments import list_payments

from . import format as fmt
from .base import ReportsFailures
from .followup import FollowupModal

TABS = ("profile", "contacts", "followups", "deals", "ownership", "contracts")


def _table(*columns: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _empty(what: str) -> Text:
    return Text(f"No {what} yet.", style="dim")


def profile_view(d) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    rows = [
        ("Customer", f"#{d.id} {d.name}"),
        ("Tier", d.tier),
        ("Owner", d.owner or "(pool)" + (f", formerly {d.former_owner}" if d.former_owner else "")),
        ("Territory", d.territory),
        ("Phone", d.phone),
        ("Email", d.email),
        ("Industry", d.industry),
        ("Source", d.source),
        ("Address", d.address),
        ("Tags", ", ".join(d.tags)),
        ("Locked", "yes (not reclaimed)" if d.locked else "no"),
        ("Owned since", fmt.when(d.owned_at)),
        ("Last follow-up", fmt.when(d.last_followup_at, time=True)),
        ("Next follow-up", fmt.due(d.next_followup_at)),
        ("Created", fmt.when(d.created_at)),
    ]
    for label, value in rows:
        grid.add_row(label, value if isinstance(value, Text) else fmt.text(value))
    return grid


def contacts_view(d):
    if not d.contacts:
        return _empty("contacts")
    table = _table("Name", "Title", "Phone", "Email", "WeChat")
    for c in d.contacts:
        table.add_row(c.name, fmt.text(c.title), fmt.text(c.phone), fmt.text(c.email), fmt.text(c.wechat))
    return table


def followups_view(d):
    if not d.followups:
        return _empty("follow-ups")
    table = _table("When", "Type", "By", "Note", "Next")
    for f in d.followups:
        table.add_row(fmt.when(f.at, time=True), f.type, f.user, f.note, fmt.when(f.next_at))
    return table


def deals_view(d):
    if not d.deals:
        return _empty("deals")
    table = _table("#", "Deal", "Stage", "Amount", "Close")
    table.columns[3].justify = "right"
    for deal in d.deals:
        table.add_row(str(deal.id), deal.title, deal.stage, fmt.money(deal.amount), fmt.day(deal.expected_close))
    return table


def ownership_view(d):
    if not d.ownership:
        return _empty("ownership changes")
    table = _table("When", "What", "From", "To", "By", "Reason")
    for o in d.ownership:
        table.add_row(
            fmt.when(o.at, time=True),
            o.kind,
            fmt.text(o.from_user),
            fmt.text(o.to_user),
            fmt.text(o.by),
            fmt.text(o.reason),
        )
    return table


def contracts_of(actor, customer_id: int) -> tuple[list, list]:
    """The customer's contracts and payments (store/contracts.py, store/payments.py), newest first."""
    return list_contracts(actor, customer=customer_id, limit=100), list_payments(actor, customer=customer_id, limit=100)


def contracts_view(contracts: list, payments: list):
    if not contracts:
        return _empty("contracts")
    table = _table("Contract", "Status", "Signed", "Ends", "Amount", "Paid", "Open")
    for column in table.columns[4:]:
        column.justify = "right"
    for c in contracts:
        table.add_row(
            c.number,
            c.status,
            fmt.day(c.signed_on),
            fmt.day(c.end_on),
            fmt.money(c.amount),
            fmt.money(c.paid),
            fmt.money(c.open),
        )
    paid = _table("Paid on", "Contract", "Amount", "By", "Note")
    paid.columns[2].justify = "right"
    for p in payments:
        paid.add_row(fmt.day(p.paid_on), p.contract, fmt.money(p.amount), fmt.text(p.by), fmt.text(p.note))
    return Group(table, Text(""), Text("Payments", style="bold"), paid if payments else _empty("payments"))


class CustomerScreen(ReportsFailures, Screen):
    """Everything about one customer; `f` logs a follow-up, `c` claims it from the pool."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding("f", "followup", "Follow-up", id="customer.followup"),
        Binding("c", "claim", "Claim", id="customer.claim"),
        Binding("r", "reload", "Refresh", id="customer.reload"),
        Binding("right,l", "next_tab", "Next tab", show=False, id="customer.next_tab"),
        Binding("left,h", "previous_tab", "Previous tab", show=False, id="customer.previous_tab"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False, id="customer.down"),
        Binding("k,up", "scroll('up')", "Scroll up", show=False, id="customer.up"),
    ]

    @dataclass
    class Loaded(Message):
        detail: object
        contracts: object

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.detail = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="customer-tabs"):
            for tab, title in zip(TABS, ("Profile", "Contacts", "Follow-ups", "Deals", "Ownership", "Contracts")):
                with TabPane(title, id=f"tab-{tab}"), VerticalScroll(can_focus=False):
                    yield Static("Loading…", id=f"view-{tab}")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"Customer #{self.customer_id}"
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self.customer_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail")
    def _load(self, customer_id: int) -> None:
        actor = self.app.actor
        detail = get_customer_detail(actor, customer_id, recent=50)
        extra = contracts_of(actor, customer_id)
        self.post_message(self.Loaded(detail, extra))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        d = message.detail
        self.detail = d
        self.sub_title = self.app.titled(f"#{d.id} {d.name}")
        views = {
            "profile": profile_view(d),
            "contacts": contacts_view(d),
            "followups": followups_view(d),
            "deals": deals_view(d),
            "ownership": ownership_view(d),
        }
        if message.contracts is None:
            views["contracts"] = Text("Contracts and payments are not available in this version.", style="dim")
        else:
            views["contracts"] = contracts_view(*message.contracts)
        for tab, view in views.items():
            self.query_one(f"#view-{tab}", Static).update(view)

    def _cycle(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"tab-{t}" for t in TABS]
        current = ids.index(tabs.active) if tabs.active in ids else 0
        tabs.active = ids[(current + step) % len(ids)]

    def action_next_tab(self) -> None:
        self._cycle(1)

    def action_previous_tab(self) -> None:
        self._cycle(-1)

    def action_scroll(self, direction: str) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active)
        scroller = pane.query_one(VerticalScroll)
        scroller.scroll_relative(y=3 if direction == "down" else -3, animate=False)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_followup(self) -> None:
        name = self.detail.name if self.detail else f"#{self.customer_id}"
        self.app.push_screen(FollowupModal(self.customer_id, name), lambda r: r is not None and self.action_reload())

    def action_claim(self) -> None:
        self.app.claim(self.customer_id, self.action_reload)
