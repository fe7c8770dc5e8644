"""The customers list: a filter bar, incremental search (`/`, pinyin, ranked) and a table paged from the store."""

from __future__ import annotations

from dataclasses import asdict

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Select, Static

from crmtui.store.customers.records import CustomerFilter, CustomerRow, count_customers, list_customers

from . import format as fmt
from .base import ReportsFailures
from .customer import CustomerScreen
from .followup import FollowupModal
from .paged import PagedTable, PageSource

SEARCH_DEBOUNCE = 0.02  # seconds of quiet before a search runs; typing never waits for it
SEARCH_COUNT_AT_MOST = 1000  # a search counts its matches up to this ("1–100 of 1,000+"): a common term is cheap
OWNERS = [("mine", "me"), ("pool", "pool"), ("all", "all")]
DUES = [("any due", "any"), ("due today", "today"), ("overdue", "overdue"), ("due this week", "week")]
TIERS = [("any tier", "any")] + [(f"tier {t}", t) for t in "ABCDE"]
SORTS = [
    ("by name", "name"),
    ("next follow-up", "next_followup"),
    ("last follow-up", "-last_followup"),
    ("newest", "-created"),
    ("tier", "tier"),
    ("id", "id"),
]


def customer_columns(width: int) -> list[tuple[str, int | None]]:
    if width >= 160:
        return [
            ("#", 8),
            ("Name", 30),
            ("Tier", 4),
            ("Owner", 12),
            ("Territory", 10),
            ("Phone", 15),
            ("Industry", 14),
            ("Next", 11),
            ("Last", 10),
            ("Tags", None),
        ]
    if width >= 110:
        return [
            ("#", 7),
            ("Name", 24),
            ("T", 1),
            ("Owner", 10),
            ("Territory", 8),
            ("Phone", 13),
            ("Next", 11),
            ("Last", 10),
            ("Tags", None),
        ]
    return [("Name", 20), ("T", 1), ("Owner", 9), ("Next", 11), ("Last", 10), ("Tags", None)]


def customer_cells(row: CustomerRow, width: int) -> list:
    owner = row.owner or "(pool)"
    last = fmt.when(row.last_followup_at)
    if width >= 160:
        return [
            row.id,
            row.name,
            row.tier,
            owner,
            row.territory,
            fmt.text(row.phone),
            fmt.text(row.industry),
            fmt.due(row.next_followup_at),
            last,
            row.tags,
        ]
    if width >= 110:
        return [
            row.id,
            row.name,
            row.tier,
            owner,
            row.territory,
            fmt.text(row.phone),
            fmt.due(row.next_followup_at),
            last,
            row.tags,
        ]
    return [row.name, row.tier, owner, fmt.due(row.next_followup_at), last, row.tags]


def count_label(table: PagedTable, noun: str) -> str:
    if not table.page_rows:
        return f"no {noun}" if table.total_rows == 0 or table.total_rows is None else f"{table.total_rows:,} {noun}"
    first, last = table.page_offset + 1, table.page_offset + len(table.page_rows)
    if table.total_rows is not None:
        total = f"{table.total_rows:,}"
    else:
        total = "…" if table.more_than is None else f"{table.more_than:,}+"
    return f"{first:,}–{last:,} of {total} {noun}"


class FilterBar(Horizontal):
    """Search and filters in two compact rows; every change posts Select.Changed/Input.Changed to the screen."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-row"):
            yield Input(placeholder="/ search: name, pinyin, phone", id="search", compact=True)
            yield Select(OWNERS, value="me", allow_blank=False, compact=True, id="owner")
            yield Select(DUES, value="any", allow_blank=False, compact=True, id="due")
            yield Select(SORTS, value="name", allow_blank=False, compact=True, id="sort")
        with Horizontal(classes="filter-row"):
            yield Select(TIERS, value="any", allow_blank=False, compact=True, id="tier")
            yield Input(placeholder="tag", id="tag", compact=True)
            yield Input(placeholder="territory", id="territory", compact=True)
            yield Input(placeholder="stale days", id="stale", compact=True, type="integer")


class CustomersScreen(ReportsFailures, Screen):
    """Customers the acting user sees, one page at a time."""

    BINDINGS = [
        Binding("slash", "search", "Search", id="customers.search"),
        Binding("enter", "open", "Open", id="customers.open"),
        Binding("f", "followup", "Follow-up", id="customers.followup"),
        Binding("c", "claim", "Claim", id="customers.claim"),
        Binding("r", "reload", "Refresh", id="customers.reload"),
        Binding("escape", "leave_filters", "Back to list", show=False, id="customers.escape"),
    ]

    def __init__(self, owner: str | None = None) -> None:
        super().__init__()
        self.default_owner = owner
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield FilterBar(id="filters")
        yield PagedTable(id="customers")
        yield Static("", id="status", classes="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.app.titled("Customers")
        owner = self.default_owner or ("all" if self.app.actor.is_manager else "me")
        if owner != "me":  # managers start with everything they see
            with self.prevent(Select.Changed):
                self.query_one("#owner", Select).value = owner
        self.query_one(PagedTable).focus()
        self.apply_filter()

    # --- the filter ------------------------------------------------------------------------------------------

    def current_filter(self) -> tuple[CustomerFilter, str | None]:
        def value(selector: str) -> str:
            widget = self.query_one(selector)
            return str(widget.value).strip() if widget.value not in (None, Select.NULL) else ""

        owner, due, tier = value("#owner"), value("#due"), value("#tier")
        stale = value("#stale")
        text = value("#search") or None
        flt = CustomerFilter(
            owner=None if owner == "all" else owner,
            tier=None if tier == "any" else tier,
            tag=value("#tag") or None,
            territory=value("#territory") or None,
            stale_days=int(stale) if stale.isdigit() else None,
            due=None if due == "any" else due,
            text=text,
        )
        sort = value("#sort")
        return flt, ("rank" if text and sort == "name" else sort)

    def apply_filter(self) -> None:
        actor = self.app.actor
        flt, sort = self.current_filter()
        key = ("customers", tuple(sorted(asdict(flt).items())), sort)
        at_most = SEARCH_COUNT_AT_MOST if flt.text else None
        self.query_one(PagedTable).set_source(
            PageSource(
                key=key,
                fetch=lambda offset, limit: list_customers(actor, flt, sort, limit, offset),
                count=lambda: count_customers(actor, flt, at_most=at_most),
                columns=customer_columns,
                cells=customer_cells,
                count_at_most=at_most,
            )
        )

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self.apply_filter)

    @on(Select.Changed)
    def _picked(self) -> None:
        self.apply_filter()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.query_one(PagedTable).focus()

    @on(PagedTable.PageShown)
    def _status(self, event: PagedTable.PageShown) -> None:
        self.query_one("#status", Static).update(count_label(event.table, "customers"), layout=False)

    @on(PagedTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    # --- actions ---------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        # At once, not on the next idle (as .focus() does): keys typed right after `/` go into the search.
        self.set_focus(self.query_one("#search", Input))

    def action_leave_filters(self) -> None:
        self.set_focus(self.query_one(PagedTable))

    def action_reload(self) -> None:
        self.query_one(PagedTable).refresh_rows()

    def _current(self) -> CustomerRow | None:
        row = self.query_one(PagedTable).current
        if row is None:
            self.notify("No customer is selected.", severity="warning")
        return row

    def action_open(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(CustomerScreen(row.id), lambda _: self.action_reload())

    def action_followup(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(FollowupModal(row.id, row.name), self._after_write)

    def action_claim(self) -> None:
        row = self._current()
        if row is not None:
            self.app.claim(row.id, self.action_reload)

    def _after_write(self, result) -> None:
        if result is not None:
            self.action_reload()
