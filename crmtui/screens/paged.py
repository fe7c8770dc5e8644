"""A DataTable that shows one page of rows at a time, fetched from the store in a thread worker.

Why not a DataTable with every row: 100k rows take 8 s to show (DESIGN.md). Here the table only ever holds the
rows that fit on screen; PageDown, PageUp, g/G and the arrows at the first or last row fetch the neighbouring page
with the store's LIMIT/OFFSET query. Pages land in a small LRU cache, and the pages either side of the one shown
are prefetched, so a page down is served from memory (a DataTable refill of ~20 rows, a few ms) while the next
one is fetched behind it. A fetch that arrives for a source or offset no longer wanted is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual import events, on, work
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from .base import ReportsFailures

CACHE_PAGES = 48
PREFETCH_DELAY = 0.05  # seconds


@dataclass
class PageSource:
    """What a PagedTable shows: KEY names the query (a new key drops nothing but starts afresh at the top);
    FETCH(offset, limit) and COUNT() call the store; COLUMNS(width) and CELLS(row, width) lay rows out."""

    key: Hashable
    fetch: Callable[[int, int], list]
    count: Callable[[], int]
    columns: Callable[[int], Sequence[tuple[str, int | None]]]
    cells: Callable[[Any, int], Sequence]
    row_id: Callable[[Any], Any] = field(default=lambda row: row.id)


class PagedTable(ReportsFailures, DataTable):
    """One page of a store query at a time (see the module doc)."""

    BINDINGS = [
        Binding("down,j", "cursor_down", "Next row", show=False, id="row.down"),
        Binding("up,k", "cursor_up", "Previous row", show=False, id="row.up"),
        Binding("pagedown,space,ctrl+f", "page_down", "Next page", show=False, id="page.down"),
        Binding("pageup,ctrl+b", "page_up", "Previous page", show=False, id="page.up"),
        Binding("home,g", "first_page", "First row", show=False, id="page.first"),
        Binding("end,G", "last_page", "Last row", show=False, id="page.last"),
    ]

    page_offset: reactive[int] = reactive(0)
    total_rows: reactive[int | None] = reactive(None)

    @dataclass
    class PageFetched(Message):
        key: Hashable
        offset: int
        limit: int
        rows: list
        show: bool

    @dataclass
    class Counted(Message):
        key: Hashable
        total: int

    @dataclass
    class PageShown(Message):
        """Posted after a page is on screen (the status line and the benchmarks listen)."""

        table: PagedTable
        offset: int
        shown: int
        total: int | None

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.source: PageSource | None = None
        self.page_rows: list = []
        self.page_size = 0
        self._cache: OrderedDict[tuple, list] = OrderedDict()
        self._wanted: tuple | None = None
        self._cursor_after: int | str = 0
        self._laid_width = -1

    # --- what the screen calls ---------------------------------------------------------------------------------

    def set_source(self, source: PageSource, keep_position: bool = False) -> None:
        """Show SOURCE from the top (or, KEEP_POSITION, from the same offset: a refresh after a change)."""
        same = self.source is not None and self.source.key == source.key
        self.source = source
        if keep_position and same:
            self._cache.clear()
            self._cursor_after = self.cursor_row
        else:
            self.page_offset = 0
            self._cursor_after = 0
        self.total_rows = None
        self._count()
        self._load(self.page_offset if keep_position else 0)

    def refresh_rows(self) -> None:
        """The store changed: fetch the page shown again, and the count."""
        if self.source is not None:
            self.set_source(self.source, keep_position=True)

    @property
    def current(self) -> Any | None:
        """The row object under the cursor."""
        if 0 <= self.cursor_row < len(self.page_rows):
            return self.page_rows[self.cursor_row]
        return None

    # --- paging -----------------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        size = max(1, event.size.height - 1)  # the header row
        if size != self.page_size or event.size.width != self._laid_width:
            self.page_size = size
            if self.source is not None:
                self._cursor_after = self.cursor_row
                self._load(self.page_offset)

    def _load(self, offset: int) -> None:
        if self.source is None or self.page_size == 0:
            return
        offset = max(0, offset)
        key = (self.source.key, offset, self.page_size)
        self._wanted = key
        rows = self._cache.get(key)
        if rows is not None:
            self._cache.move_to_end(key)
            self._show(offset, rows)
        else:
            self._fetch(self.source, offset, self.page_size, True)

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _fetch(self, source: PageSource, offset: int, limit: int, show: bool) -> None:
        rows = source.fetch(offset, limit)
        self.post_message(self.PageFetched(source.key, offset, limit, rows, show))

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, source: PageSource, pages: list[tuple[int, int]]) -> None:
        for offset, limit in pages:
            if (source.key, offset, limit) not in self._cache:
                self.post_message(self.PageFetched(source.key, offset, limit, source.fetch(offset, limit), False))

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_worker(self, source: PageSource) -> None:
        self.post_message(self.Counted(source.key, source.count()))

    def _count(self) -> None:
        if self.source is not None:
            self._count_worker(self.source)

    @on(PageFetched)
    def _arrived(self, message: PageFetched) -> None:
        message.stop()
        if self.source is None or message.key != self.source.key:
            return
        key = (message.key, message.offset, message.limit)
        self._cache[key] = message.rows
        while len(self._cache) > CACHE_PAGES:
            self._cache.popitem(last=False)
        if message.show and key == self._wanted:
            self._show(message.offset, message.rows)

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        message.stop()
        if self.source is not None and message.key == self.source.key:
            self.total_rows = message.total
            self.post_message(self.PageShown(self, self.page_offset, len(self.page_rows), self.total_rows))

    def _show(self, offset: int, rows: list) -> None:
        if not rows and offset > 0:  # past the end (the table shrank): back to the last full page
            self._load(max(0, offset - self.page_size))
            return
        source = self.source
        width = self.size.width
        self.page_offset = offset
        self.page_rows = rows
        with self.app.batch_update():
            if width != self._laid_width or not self.columns:
                self.clear(columns=True)
                for label, size in source.columns(width):
                    self.add_column(label, width=size, key=label)
                self._laid_width = width
            else:
                self.clear()
            self.add_rows([tuple(source.cells(row, width)) for row in rows])
            after = self._cursor_after
            row = len(rows) - 1 if after == "last" else min(int(after), max(0, len(rows) - 1))
            self.move_cursor(row=row, animate=False)
        self.post_message(self.PageShown(self, offset, len(rows), self.total_rows))
        neighbours = [(offset + self.page_size, self.page_size)]
        if offset > 0:
            neighbours.append((max(0, offset - self.page_size), self.page_size))
        # After the page is painted: a prefetch thread holds the GIL while it builds rows, which would slow the paint.
        self.set_timer(PREFETCH_DELAY, lambda: self.source is source and self._prefetch(source, neighbours))

    def _go(self, offset: int, cursor: int | str) -> None:
        self._cursor_after = cursor
        self._load(offset)

    def _more_below(self) -> bool:
        if self.total_rows is not None:
            return self.page_offset + len(self.page_rows) < self.total_rows
        return len(self.page_rows) >= self.page_size

    def action_cursor_down(self) -> None:
        if self.cursor_row >= len(self.page_rows) - 1 and self._more_below():
            self._go(self.page_offset + self.page_size, 0)
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.page_offset > 0:
            self._go(max(0, self.page_offset - self.page_size), "last")
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self._more_below():
            self._go(self.page_offset + self.page_size, self.cursor_row)
        else:
            self.move_cursor(row=len(self.page_rows) - 1, animate=False)

    def action_page_up(self) -> None:
        if self.page_offset > 0:
            self._go(max(0, self.page_offset - self.page_size), self.cursor_row)
        else:
            self.move_cursor(row=0, animate=False)

    def action_first_page(self) -> None:
        self._go(0, 0)

    def action_last_page(self) -> None:
        if self.total_rows is None:
            self.notify("Still counting the rows; try again in a moment.")
            return
        self._go(max(0, self.total_rows - self.page_size), "last")

    action_scroll_top = action_first_page
    action_scroll_bottom = action_last_page

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        event.prevent_default()
        self.action_cursor_down()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        event.prevent_default()
        self.action_cursor_up()
