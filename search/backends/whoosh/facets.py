"""Facet counts over a whole result set, fast enough to run on every query.

Whoosh's own grouping rebuilds, on every search, a per-document list of values for
multi-valued fields by walking their postings. Here those lists are built once per segment
(see ``docvalues``), and a query only counts: one Counter over the matched documents' keys.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain
from operator import itemgetter

from ...results import Facets
from ...schema import FACETS
from .docvalues import KEY_SEPARATOR, facet_rows
from .reader import View

# Values kept per facet, most frequent first: a page shows a handful, and CPC groups alone
# can number thousands in a large result set.
FACET_VALUES = 50


def count_facets(view: View, docnums: Iterable[int]) -> Facets:
    """Return facet -> [(value, count)], most frequent first (ties by value), for the docs."""
    rows = view.cache.whole(view.searcher, "facets", facet_rows)
    counts = Counter(chain.from_iterable(map(rows.__getitem__, docnums)))
    # Sorting by key, then (stably) by count, orders ties by value without a Python key.
    ordered = sorted(counts.items())
    ordered.sort(key=itemgetter(1), reverse=True)
    facets: Facets = {facet: [] for facet in FACETS}
    for key, count in ordered:
        facet, value = key.split(KEY_SEPARATOR, 1)
        values = facets[facet]
        if len(values) < FACET_VALUES:
            values.append((value, count))
    return facets
