"""Facet counts over a whole result set, fast enough to run on every query.

Whoosh's own grouping rebuilds, on every search, a per-document list of values for
multi-valued fields by walking their postings. Here those lists are built once per segment
(see ``docvalues``), and a query only counts: one Counter over the matched documents' keys.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain

from .docvalues import KEY_SEPARATOR, facet_rows
from .reader import View
from .results import Facets
from .schema import FACETS


def count_facets(view: View, docnums: Iterable[int]) -> Facets:
    """Return facet -> [(value, count)], most frequent first, for the matched documents."""
    rows = view.cache.whole(view.searcher, "facets", facet_rows)
    counts = Counter(chain.from_iterable(map(rows.__getitem__, docnums)))
    facets: Facets = {facet: [] for facet in FACETS}
    for key, count in counts.items():
        facet, value = key.split(KEY_SEPARATOR, 1)
        facets[facet].append((value, count))
    for values in facets.values():
        values.sort(key=lambda item: (-item[1], item[0]))
    return facets
