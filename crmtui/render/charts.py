"""Charts in text: horizontal bars and sparklines made of Unicode block characters."""

from __future__ import annotations

from collections.abc import Sequence

EIGHTHS = " ▏▎▍▌▋▊▉"  # partial blocks, in eighths of a cell
FULL = "█"
SPARKS = "▁▂▃▄▅▆▇█"


def _number(value) -> float:
    try:
        return max(0.0, float(value or 0))
    except (TypeError, ValueError):
        return 0.0


def bar(value, peak, width: int = 20) -> str:
    """VALUE as a bar of at most WIDTH cells, PEAK filling them all (eighth-cell steps)."""
    peak = _number(peak)
    if not peak:
        return ""
    eighths = round(_number(value) / peak * width * 8)
    full, rest = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[rest] if rest else "")


def sparkline(values: Sequence) -> str:
    """One character per value, ▁ (lowest, or zero) to █ (the highest)."""
    numbers = [_number(v) for v in values]
    top = max(numbers, default=0)
    if not top:
        return SPARKS[0] * len(numbers)
    return "".join(SPARKS[min(len(SPARKS) - 1, int(n / top * (len(SPARKS) - 1) + 0.5))] for n in numbers)


class Bar:
    """A bar that fills its share of whatever width the table gives its column (VALUE / PEAK of it)."""

    def __init__(self, value, peak, width: int = 24, style: str = "cyan") -> None:
        self.value, self.peak, self.width, self.style = value, peak, width, style

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        return Measurement(min(4, self.width), min(self.width, options.max_width))

    def __rich_console__(self, console, options):
        from rich.text import Text

        yield Text(bar(self.value, self.peak, min(self.width, options.max_width)), style=self.style, no_wrap=True)
