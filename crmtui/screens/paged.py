"""A list over a store query of any size, drawn line by line: the model is the log view of Textualize's toolong.

Why not a DataTable: with every row, a long list is slow to show; with one page of rows refilled on each page
down, the refill re-lays out the table and renders every cell through Rich, which makes each page down slow
(docs/PERFORMANCE.md). Here a ScrollView on the Line API has a virtual height of the row count (a true scrollbar
over the whole list); `render_line` draws only the rows on screen, each from a small cache of fitted cells, out of
an LRU cache of blocks of rows fetched with the store's LIMIT/OFFSET query in a thread worker. A page down moves the
scroll offset and repaints ~20 lines of plain segments; nothing is laid out again. The blocks of the two pages below
and the one above are prefetched once the page is painted, so a page down is normally served from memory; a block
that arrives for a source no longer shown is dropped.

The keys still move by pages (PageDown, PageUp, g/G, the arrows at the first or last row of the page): PAGE_OFFSET
is the first row on screen, PAGE_ROWS the row objects on it, CURSOR_ROW the cursor's place on the page. Dragging
the scrollbar shows any part of the list (rows not fetched yet are blank until their block lands).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .base import ReportsFailures

BLOCK_ROWS = 100  # rows per store fetch: a page down stays inside the block shown most of the time
CACHE_BLOCKS = 40  # 4,000 rows kept
CACHE_LINES = 2000  # rows with their cells fitted to a width


@dataclass
class PageSource:
    """What a PagedTable shows: KEY names the query (a new key starts afresh at the top); FETCH(offset, limit) and
    COUNT() call the store; COLUMNS(width) and CELLS(row, width) lay rows out (cells: str, int or rich Text).
    COUNT_AT_MOST: COUNT() stops past that many rows, so a count above it means "more than COUNT_AT_MOST"."""

    key: Hashable
    fetch: Callable[[int, int], list]
    count: Callable[[], int]
    columns: Callable[[int], Sequence[tuple[str, int | None]]]
    cells: Callable[[Any, int], Sequence]
    row_id: Callable[[Any], Any] = field(default=lambda row: row.id)
    count_at_most: int | None = None


def fit(value: Any, width: int) -> tuple[str, Style | None]:
    """A cell as (text cut or padded to WIDTH cells, the style of the whole cell): wide (Chinese) characters count
    two cells. A rich Text keeps its own style, not styled spans inside it (the screens' cells have none)."""
    if isinstance(value, Text):
        plain, style = value.plain, value.style or None
        if isinstance(style, str):
            style = Style.parse(style)
    else:
        plain, style = ("" if value is None else str(value)), None
    plain = plain.replace("\n", " ")
    if plain.isascii() and plain.isprintable() and len(plain) <= width:  # the common case, without measuring cells
        return plain.ljust(width), style
    return set_cell_size(plain, width), style


def widths(columns: Sequence[tuple[str, int | None]], total: int) -> list[int]:
    """Each column's width in cells; a column without one takes what is left (one cell of padding either side)."""
    fixed = sum(w + 2 for _, w in columns if w is not None)
    free = max(1, total - fixed - 2 * sum(1 for _, w in columns if w is None))
    return [w if w is not None else free for _, w in columns]


class PagedTable(ReportsFailures, ScrollView, can_focus=True):
    """A store query shown a page at a time over a virtual list of every row (see the module doc)."""

    DEFAULT_CSS = """
    PagedTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
            & > .paged--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .paged--header {
                background-tint: $foreground 5%;
            }
        }
        & > .paged--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .paged--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .paged--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"paged--header", "paged--cursor"}

    BINDINGS = [
        Binding("down,j", "cursor_down", "Next row", show=False, id="row.down"),
        Binding("up,k", "cursor_up", "Previous row", show=False, id="row.up"),
        Binding("pagedown,space,ctrl+f", "page_down", "Next page", show=False, id="page.down"),
        Binding("pageup,ctrl+b", "page_up", "Previous page", show=False, id="page.up"),
        Binding("home,g", "first_page", "First row", show=False, id="page.first"),
        Binding("end,G", "last_page", "Last row", show=False, id="page.last"),
        Binding("enter", "select_cursor", show=False),
    ]

    page_offset: reactive[int] = reactive(0, layout=False, repaint=False)
    total_rows: reactive[int | None] = reactive(None, layout=False, repaint=False)

    @dataclass
    class BlockFetched(Message):
        prefix: tuple  # the source's key and generation
        block: int
        rows: list

    @dataclass
    class Counted(Message):
        prefix: tuple
        total: int

    @dataclass
    class PageShown(Message):
        """Posted after a page is on screen (the status line and the benchmarks listen)."""

        table: PagedTable
        offset: int
        shown: int
        total: int | None

    @dataclass
    class RowSelected(Message):
        """Enter or a click on a row: ROW is the row object."""

        table: PagedTable
        row: Any

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source: PageSource | None = None
        self.shown: PageSource | None = None  # the source of the rows on screen (until a new one's first page lands)
        self._prefix: tuple = ()  # cache keys of the source: its key and a generation, one more at each refresh
        self._shown_prefix: tuple = ()
        self._generation = 0
        self.page_rows: list = []
        self.page_size = 0
        self.cursor_row = 0
        self._blocks: LRUCache[tuple, list] = LRUCache(CACHE_BLOCKS)
        self._lines: LRUCache[tuple, list[tuple[str, Style | None]]] = LRUCache(CACHE_LINES)
        self._wanted: int | None = None  # the offset a key asked for, until its rows are on screen
        self._cursor_after: int | str = 0
        self._end: int | None = None  # the row count, as far as a short block told
        self.more_than: int | None = None  # a capped count: more rows than this (total_rows stays None)

    # --- what the screen calls ---------------------------------------------------------------------------------

    def set_source(self, source: PageSource, keep_position: bool = False) -> None:
        """Show SOURCE from the top (or, KEEP_POSITION, from the same offset: a refresh after a change)."""
        same = self.source is not None and self.source.key == source.key
        self.source = source
        self._end = None
        if keep_position and same:  # fresh rows, while the stale ones stay on screen until they land
            self._generation += 1
            self._cursor_after = self.cursor_row
            offset = self.page_offset
        else:
            self._cursor_after = 0
            offset = 0
        self._prefix = (source.key, self._generation)
        self.total_rows = None
        self.more_than = None
        self._count_worker(source, self._prefix)
        self._load(offset)

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

    # --- rows and blocks ---------------------------------------------------------------------------------------

    def _rows(self, offset: int, count: int) -> tuple[list, list[int]]:
        """Rows OFFSET.. (up to COUNT) from the cached blocks, and the blocks still missing for them."""
        rows: list = []
        missing: list[int] = []
        for block in range(offset // BLOCK_ROWS, (offset + count - 1) // BLOCK_ROWS + 1):
            got = self._blocks.get((*self._prefix, block))
            if got is None:
                missing.append(block)
                continue
            start = max(0, offset - block * BLOCK_ROWS)
            rows.extend(got[start : start + count - len(rows)])
            if len(got) < BLOCK_ROWS:  # the end of the list
                break
        return rows, missing

    def _row(self, index: int) -> Any | None:
        block = self._blocks.get((*self._shown_prefix, index // BLOCK_ROWS))
        if block is None or index % BLOCK_ROWS >= len(block):
            return None
        return block[index % BLOCK_ROWS]

    # --- paging -----------------------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        size = max(1, self.scrollable_content_region.height - 1)  # the header row
        self._lines.clear()
        if size != self.page_size:
            self.page_size = size
            if self.source is not None:
                self._cursor_after = self.cursor_row
                self._load(self.page_offset)

    def _load(self, offset: int) -> None:
        if self.source is None or self.page_size == 0:
            return
        offset = max(0, offset)
        self._wanted = offset
        rows, missing = self._rows(offset, self.page_size)
        if missing:
            self._fetch(self.source, self._prefix, missing)
        else:
            self._show(offset, rows)

    # Each worker first checks that its source is still the one shown: a thread cannot be stopped once its query
    # runs, but one superseded before it starts (a search typed on) need not take a thread and the database.

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _fetch(self, source: PageSource, prefix: tuple, blocks: list[int]) -> None:
        for block in blocks:
            if prefix != self._prefix:
                return
            self.post_message(self.BlockFetched(prefix, block, source.fetch(block * BLOCK_ROWS, BLOCK_ROWS)))

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, source: PageSource, prefix: tuple, blocks: list[int]) -> None:
        for block in blocks:
            if prefix != self._prefix:
                return
            if (*prefix, block) not in self._blocks:
                self.post_message(self.BlockFetched(prefix, block, source.fetch(block * BLOCK_ROWS, BLOCK_ROWS)))

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_worker(self, source: PageSource, prefix: tuple) -> None:
        if prefix != self._prefix:
            return
        self.post_message(self.Counted(prefix, source.count()))

    @on(BlockFetched)
    def _arrived(self, message: BlockFetched) -> None:
        message.stop()
        if message.prefix != self._prefix:
            return
        self._blocks.set((*message.prefix, message.block), message.rows)
        if len(message.rows) < BLOCK_ROWS:
            self._end = message.block * BLOCK_ROWS + len(message.rows)
        if self._wanted is not None:
            rows, missing = self._rows(self._wanted, self.page_size)
            if not missing:
                self._show(self._wanted, rows)
                return
        self.refresh()  # rows scrolled to with the scrollbar, drawn blank until now

    @on(Counted)
    def _counted(self, message: Counted) -> None:
        message.stop()
        if message.prefix == self._prefix:
            cap = self.source.count_at_most
            self.more_than = cap if cap is not None and message.total > cap else None
            self.total_rows = message.total if self.more_than is None else None
            self._size_to_rows()
            self.post_message(self.PageShown(self, self.page_offset, len(self.page_rows), self.total_rows))

    def _extent(self) -> int:
        """Rows the scroll range covers: every row, rounded up to whole pages so the last page can be the top."""
        size = max(1, self.page_size)
        known = self.total_rows if self.total_rows is not None else self._end
        if known is None:  # one more page, until the count lands (or past a capped count)
            known = max(self.page_offset + len(self.page_rows) + size, (self.more_than or 0) + 1)
        return max(-(-known // size) * size, self.page_offset + size)

    def _size_to_rows(self) -> None:
        """The virtual size (a layout when it changes: at a new count or page size, not at each page)."""
        self.virtual_size = Size(1, 1 + self._extent())

    def _show(self, offset: int, rows: list) -> None:
        if not rows and offset > 0:  # past the end (the list shrank): back to the last full page
            end = self._end if self._end is not None else offset
            self._load(max(0, min(offset, end) - self.page_size))
            return
        source = self.source
        self._wanted = None
        self.shown, self._shown_prefix = source, self._prefix
        self.page_offset = offset
        self.page_rows = rows
        after = self._cursor_after
        self.cursor_row = len(rows) - 1 if after == "last" else min(int(after), max(0, len(rows) - 1))
        self._size_to_rows()
        if round(self.scroll_y) != offset:
            self.scroll_to(y=offset, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.PageShown(self, offset, len(rows), self.total_rows))
        ahead = [offset + self.page_size, offset + 2 * self.page_size, offset - self.page_size]
        neighbours = list(dict.fromkeys(b for o in ahead if o >= 0 for b in self._rows(o, self.page_size)[1]))
        if neighbours:  # once this page is painted: the prefetch thread would hold the GIL while it builds rows
            prefix = self._prefix
            self.call_after_refresh(lambda: self._prefix == prefix and self._prefetch(source, prefix, neighbours))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        top = round(new)
        if self.source is not None and top != self.page_offset and top != self._wanted:
            self._cursor_after = self.cursor_row  # the scrollbar was dragged or clicked
            self._load(top)

    def _go(self, offset: int, cursor: int | str) -> None:
        self._cursor_after = cursor
        self._load(offset)

    def _more_below(self) -> bool:
        if self.total_rows is not None:
            return self.page_offset + len(self.page_rows) < self.total_rows
        return len(self.page_rows) >= self.page_size

    def move_cursor(self, row: int) -> None:
        self.cursor_row = max(0, min(row, len(self.page_rows) - 1))
        self.refresh()

    def action_cursor_down(self) -> None:
        if self.cursor_row >= len(self.page_rows) - 1 and self._more_below():
            self._go(self.page_offset + self.page_size, 0)
        else:
            self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.page_offset > 0:
            self._go(max(0, self.page_offset - self.page_size), "last")
        else:
            self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        if self._more_below():
            self._go(self.page_offset + self.page_size, self.cursor_row)
        else:
            self.move_cursor(len(self.page_rows) - 1)

    def action_page_up(self) -> None:
        if self.page_offset > 0:
            self._go(max(0, self.page_offset - self.page_size), self.cursor_row)
        else:
            self.move_cursor(0)

    def action_first_page(self) -> None:
        self._go(0, 0)

    def action_last_page(self) -> None:
        if self.total_rows is None and self.more_than is not None and self._end is None:
            self.notify(f"More than {self.more_than:,} rows: narrow the search to reach the last ones.")
            return
        if self.total_rows is None and self._end is None:
            self.notify("Still counting the rows; try again in a moment.")
            return
        if self.total_rows is None:
            self._go(max(0, self._end - self.page_size), "last")
            return
        self._go(max(0, self.total_rows - self.page_size), "last")

    action_scroll_top = action_first_page
    action_scroll_bottom = action_last_page

    def action_select_cursor(self) -> None:
        if self.current is not None:
            self.post_message(self.RowSelected(self, self.current))

    # --- the mouse --------------------------------------------------------------------------------------------

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        event.prevent_default()
        self.action_cursor_down()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        event.prevent_default()
        self.action_cursor_up()

    def on_click(self, event: events.Click) -> None:
        """A click on a row moves the cursor there; a click on the cursor's row selects it (as in a DataTable)."""
        row = event.y - 1 + round(self.scroll_y) - self.page_offset
        if event.y >= 1 and 0 <= row < len(self.page_rows):
            event.stop()
            if row == self.cursor_row:
                self.action_select_cursor()
            else:
                self.move_cursor(row)

    # --- drawing ----------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        source = self.shown
        if source is None:
            return Strip.blank(width, base)
        columns = source.columns(self.size.width)
        sizes = widths(columns, width)
        if y == 0:
            style = base + self.get_component_rich_style("paged--header")
            cells = [(set_cell_size(label, size), None) for (label, _), size in zip(columns, sizes)]
            return self._strip(cells, style, width, -1)
        index = round(self.scroll_y) + y - 1
        row = self._row(index)
        if row is None:
            return Strip.blank(width, base)
        key = (*self._shown_prefix, index, self.size.width, width)
        cells = self._lines.get(key)
        if cells is None:
            cells = [fit(value, size) for value, size in zip(source.cells(row, self.size.width), sizes)]
            self._lines.set(key, cells)
        if index == self.page_offset + self.cursor_row and row is self.current:
            base = base + self.get_component_rich_style("paged--cursor")
        return self._strip(cells, base, width, index)

    @staticmethod
    def _strip(cells: list[tuple[str, Style | None]], style: Style, width: int, index: int) -> Strip:
        """One line: a segment per cell, each with its row and column as meta (as a DataTable's), which also keeps
        neighbouring cells apart in a screenshot, so wide characters cannot push the next column out of line."""
        segments = []
        for column, (text, cell_style) in enumerate(cells):
            own = style + cell_style if cell_style else style
            segments.append(Segment(f" {text} ", own + Style(meta={"row": index, "column": column})))
        return Strip(segments).adjust_cell_length(width, style)
