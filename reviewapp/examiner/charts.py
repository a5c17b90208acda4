"""Server-rendered inline SVG bar charts (no JavaScript, no inline style: classes only)."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WEEK = dt.timedelta(days=7)

# The charts fill their column, so they are laid out across in percentages and their text is
# never scaled: labels keep the stylesheet's 12 px. A column is at least MIN_WIDTH px wide (310
# on a 360 px phone); where the labels would not fit side by side there, only every n-th shows.
MIN_WIDTH = 300
CHAR_WIDTH = 8  # px: wider than a 12 px digit or letter, so a label's estimate errs long
SIDE = 2.0  # % of the width left empty on either side of the bars


def show_every(texts: Sequence[str], slot: float) -> int:
    """Return n such that every n-th of `texts` fits in slots `slot` px wide, with a gap."""
    widest = max((len(text) for text in texts), default=0) * CHAR_WIDTH + 4
    return max(math.ceil(widest / slot), 1)


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


def bar_chart(bars: Sequence[Bar], *, title: str, height: int = 200,
              empty: str = "No data yet.") -> Markup:
    """Return an accessible SVG bar chart of `bars`, heights proportional to the largest value."""
    top, bottom = 18, 34
    plot_height = height - top - bottom
    title_text = escape(title)
    parts = [(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
              f'role="img" aria-label="{title_text}">'),
             f"<title>{title_text}</title>",
             (f'<line class="axis" x1="{_number(SIDE)}%" y1="{top + plot_height}" '
              f'x2="{_number(100 - SIDE)}%" y2="{top + plot_height}"/>')]
    if not bars:
        parts.append(f'<text class="empty" x="50%" y="{top + plot_height // 2}" '
                     f'text-anchor="middle">{escape(empty)}</text></svg>')
        return Markup("".join(parts))
    largest = max((bar.value for bar in bars), default=0) or 1
    slot = (100 - 2 * SIDE) / len(bars)  # % of the width
    gap = min(slot * 0.15, 1.25)
    values = [_number(bar.value) for bar in bars]
    values_every = show_every(values, slot / 100 * MIN_WIDTH)
    labels_every = show_every([bar.label for bar in bars], slot / 100 * MIN_WIDTH)
    for i, bar in enumerate(bars):
        bar_height = max(bar.value, 0) / largest * plot_height
        x, y = SIDE + i * slot + gap / 2, top + plot_height - bar_height
        middle = _number(x + (slot - gap) / 2)
        css = f"bar {bar.css}".strip()
        tooltip = escape(bar.tooltip or f"{bar.label}: {_number(bar.value)}")
        value = (f'<text class="value" x="{middle}%" y="{_number(y - 4)}" text-anchor="middle">'
                 f"{escape(values[i])}</text>") if i % values_every == 0 else ""
        label = (f'<text class="label" x="{middle}%" y="{height - bottom + 16}" text-anchor="middle">'
                 f"{escape(bar.label)}</text>") if i % labels_every == 0 else ""
        parts.append(
            f'<g class="{escape(css)}"><title>{tooltip}</title>'
            f'<rect class="{escape(css)}" x="{_number(x)}%" y="{_number(y)}" '
            f'width="{_number(slot - gap)}%" height="{_number(bar_height)}"/>{value}{label}</g>'
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
