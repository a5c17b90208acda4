"""Server-rendered inline SVG bar charts (no JavaScript, no inline style: classes only)."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Bar:
    """One bar: its axis label, its value, a tooltip and extra CSS classes."""

    label: str
    value: float
    tooltip: str = ""
    css: str = ""


def _number(value: float) -> str:
    """Format a coordinate or a value compactly (12, 12.5, never 12.500000001)."""
    text = f"{value:.1f}"
    return text.removesuffix(".0")


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 480, height: int = 200,
              empty: str = "No data yet.") -> Markup:
    """Return an accessible SVG bar chart of `bars`, heights proportional to the largest value."""
    top, bottom, side = 18, 34, 8
    plot_height = height - top - bottom
    title_text = escape(title)
    parts = [(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{title_text}">'),
             f"<title>{title_text}</title>",
             (f'<line class="axis" x1="{side}" y1="{top + plot_height}" x2="{width - side}" '
             f'y2="{top + plot_height}"/>')]
    if not bars:
        parts.append(f'<text class="empty" x="{width // 2}" y="{top + plot_height // 2}" '
                     f'text-anchor="middle">{escape(empty)}</text></svg>')
        return Markup("".join(parts))
    largest = max((bar.value for bar in bars), default=0) or 1
    slot = (width - 2 * side) / len(bars)
    gap = min(slot * 0.15, 6)
    for i, bar in enumerate(bars):
        bar_height = max(bar.value, 0) / largest * plot_height
        x, y = side + i * slot + gap / 2, top + plot_height - bar_height
        middle = _number(x + (slot - gap) / 2)
        css = f"bar {bar.css}".strip()
        tooltip = escape(bar.tooltip or f"{bar.label}: {_number(bar.value)}")
        parts.append(
            f'<g class="{escape(css)}"><title>{tooltip}</title>'
            f'<rect class="{escape(css)}" x="{_number(x)}" y="{_number(y)}" '
            f'width="{_number(slot - gap)}" height="{_number(bar_height)}"/>'
            f'<text class="value" x="{middle}" y="{_number(y - 4)}" text-anchor="middle">'
            f"{escape(_number(bar.value))}</text>"
            f'<text class="label" x="{middle}" y="{height - bottom + 14}" text-anchor="middle">'
            f"{escape(bar.label)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(values: Iterable[float], bins: int = 10) -> list[Bar]:
    """Return the bars of a histogram of `values` over their range, `bins` equal bins."""
    values = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [Bar(f"{low:.2f}", len(values), f"score {low:.2f}: {len(values)} item(s)")]
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    return [Bar(f"{low + i * width:.2f}", count,
                f"score {low + i * width:.2f} to {low + (i + 1) * width:.2f}: {count} item(s)")
            for i, count in enumerate(counts)]


def weekly_counts(moments: Iterable[dt.datetime], start: dt.datetime,
                  end: dt.datetime) -> list[Bar]:
    """Return one bar per week from `start` to `end` counting `moments` (earlier ones in week 1)."""
    weeks = max(math.ceil((end - start) / WEEK), 1)
    counts = [0] * weeks
    for moment in moments:
        index = (moment - start) // WEEK
        counts[min(max(index, 0), weeks - 1)] += 1
    return [Bar(f"W{i + 1}", count, f"week of {(start + i * WEEK):%Y-%m-%d}: {count} submission(s)")
            for i, count in enumerate(counts)]
