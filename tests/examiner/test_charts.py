"""The inline SVG chart builders: bar counts, proportional heights, escaped labels, binning."""
from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from reviewapp.examiner.charts import (
    CHAR_WIDTH,
    MIN_WIDTH,
    Bar,
    bar_chart,
    histogram,
    weekly_counts,
)

SVG = "{http://www.w3.org/2000/svg}"


def rects(svg: str) -> list[ET.Element]:
    return ET.fromstring(str(svg)).findall(f".//{SVG}rect")


def test_one_rect_per_bar_with_heights_proportional_to_the_largest():
    svg = bar_chart([Bar("a", 1), Bar("b", 4), Bar("c", 2), Bar("d", 0)], title="T", height=200)
    heights = [float(r.get("height")) for r in rects(svg)]
    assert len(heights) == 4
    plot = heights[1]  # the largest bar fills the plot area
    assert plot > 100
    assert heights == [plot / 4, plot, plot / 2, 0]
    # Bars stand on one baseline.
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 1) for r in rects(svg)}
    assert len(bottoms) == 1


def test_labels_and_title_are_escaped_and_the_svg_is_well_formed():
    svg = bar_chart([Bar('<script>alert("x")</script>', 3, tooltip="a & b")], title='T <"&">')
    text = str(svg)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text and "a &amp; b" in text
    root = ET.fromstring(text)  # raises on broken markup
    assert root.get("role") == "img" and root.get("aria-label") == 'T <"&">'
    assert 'style=' not in text  # the CSP forbids inline styles: classes only


def test_css_classes_reach_the_bars_and_values_are_printed():
    svg = bar_chart([Bar("1", 0, css="none"), Bar("2", 3)], title="Coverage")
    classes = [r.get("class") for r in rects(svg)]
    assert classes == ["bar none", "bar"]
    values = [t.text for t in ET.fromstring(str(svg)).iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["0", "3"]


def texts(svg, kind: str) -> list[ET.Element]:
    return [t for t in ET.fromstring(str(svg)).iter(f"{SVG}text") if t.get("class") == kind]


def test_the_chart_fills_its_column_without_scaling_its_text():
    svg = bar_chart([Bar("1", 2), Bar("2", 0), Bar("3", 1)], title="Coverage")
    root = ET.fromstring(str(svg))
    # A viewBox would scale the stylesheet's 12 px labels with the chart (to 7 px on a phone).
    assert root.get("viewBox") is None and root.get("width") == "100%"
    assert all(r.get("x").endswith("%") and r.get("width").endswith("%") for r in rects(svg))
    assert [t.text for t in texts(svg, "label")] == ["1", "2", "3"]


def test_labels_thin_out_where_they_would_not_fit_a_phone():
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    svg = bar_chart(weekly_counts([start], start, start + dt.timedelta(days=90)), title="Weeks")
    assert [t.text for t in texts(svg, "label")] == ["W1", "W3", "W5", "W7", "W9", "W11", "W13"]
    assert len(texts(svg, "value")) == 13  # one-digit counts fit every bar


@pytest.mark.parametrize("bars", [1, 3, 10, 13, 20, 40, 100])
def test_shown_labels_fit_side_by_side_in_the_narrowest_column(bars):
    svg = bar_chart([Bar(str(n + 1), n) for n in range(bars)], title="Claims")
    for kind in ("label", "value"):
        shown = texts(svg, kind)
        assert shown
        for a, b in itertools.pairwise(shown):
            apart = (float(b.get("x").rstrip("%")) - float(a.get("x").rstrip("%"))) / 100 * MIN_WIDTH
            assert apart >= CHAR_WIDTH * max(len(a.text), len(b.text)), (kind, a.text, b.text)


def test_no_bars_says_so():
    svg = str(bar_chart([], title="Scores", empty="No stored scores yet."))
    assert "No stored scores yet." in svg and "<rect" not in svg


def test_histogram_bins_every_value_once_the_maximum_in_the_last_bin():
    bars = histogram([0.0, 0.05, 0.5, 0.99, 1.0, float("nan")], bins=10)
    assert len(bars) == 10
    assert [b.value for b in bars] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bars[0].label == "0.00" and bars[5].label == "0.50"
    assert histogram([]) == []
    single = histogram([0.3, 0.3])
    assert [(b.label, b.value) for b in single] == [("0.30", 2)]


def test_weekly_counts_cover_the_window_and_clamp_outliers():
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=90)
    moments = [start + dt.timedelta(days=d) for d in (0, 6, 7, 20, 89)] + [start - dt.timedelta(days=3)]
    bars = weekly_counts(moments, start, end)
    assert len(bars) == 13  # 90 days: 12 full weeks and a part
    assert [b.value for b in bars[:4]] == [3, 1, 1, 0] and bars[-1].value == 1
    assert [b.label for b in bars[:2]] == ["W1", "W2"]
    assert re.search(r"week of 2024-01-08: 1", bars[1].tooltip)
    assert len(weekly_counts([], start, start)) == 1
