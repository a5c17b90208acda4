"""What both backends compute the same way: filter values, sorts, pages, key terms of a claim,
the index check's comparison and the rebuild's generation and swap."""
from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from . import store
from .results import CheckReport
from .schema import CLASS_LEVELS, FIELD_BOOSTS, FILTERS, canonical_class_value

Sort = Literal["relevance", "date", "date_asc"]
SORTS: tuple[str, ...] = get_args(Sort)
KEY_TERMS = 12
# Query-by-claim: reading and scoring costs about a microsecond per posting.
CLAIM_POSTINGS_BUDGET = 30_000


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document already analysed for one backend (picklable): what ``prepare`` returns.

    Analysis is most of the CPU of indexing; a caller with processes to spare (an import's
    parser processes) prepares documents there and hands them to ``index_latest``.
    """

    id: str
    backend: str
    payload: Any


def prepared_payloads(items: Iterable[Any], backend: str,
                      prepare: Callable[[Mapping[str, Any]], tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Return (id, payload) of each item: a Prepared one as it is, a mapping prepared now."""
    out = []
    for item in items:
        if isinstance(item, Prepared):
            if item.backend != backend:
                raise ValueError(f"document {item.id} was prepared for {item.backend}, not {backend}")
            out.append((item.id, item.payload))
        else:
            out.append(prepare(item))
    return out


def filter_values(name: str, value: Any) -> list[str]:
    """Return a filter's values as indexed; a list of values means any of them."""
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}; use one of {', '.join(FILTERS)}")
    values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
    return [_filter_value(name, v) for v in values]


def _filter_value(name: str, value: Any) -> str:
    """Return a filter value as indexed."""
    text = str(value).strip()
    if name in CLASS_LEVELS:
        return canonical_class_value(name, text)
    return text.lower() if name == "tags" else text


def check_sort(sort: str) -> None:
    """Refuse a sort order no backend knows."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use {', '.join(SORTS[:-1])} or {SORTS[-1]}")


def page_bounds(total: int, page: int, pagelen: int) -> tuple[int, int]:
    """Return (page, pagecount), the page clamped into range."""
    if pagelen < 1:
        raise ValueError("pagelen must be at least 1")
    pagecount = max(1, math.ceil(total / pagelen))
    return min(max(1, page), pagecount), pagecount


def key_terms(terms: Iterable[str], n_docs: int,
              doc_frequency: Callable[[str, str], int]) -> list[tuple[str, float]]:
    """Return a claim's most distinctive terms, weighted by TF-IDF over the index.

    The analyzer has already dropped stop words and patent boilerplate; bare numbers (claim
    and figure references) are dropped here. A term's document frequency is its largest in
    any text field, a cheap stand-in for the frequency of "in any field". Terms no document
    holds cannot match and are skipped. Weights are scaled so the best term weighs 1.
    """
    weights = {}
    for term, count in _counts(terms).items():
        df = max(doc_frequency(field, term) for field in FIELD_BOOSTS)
        if df and not term.replace(".", "").isdigit():
            weights[term] = (1 + math.log(count)) * math.log((n_docs + 1) / (df + 0.5))
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEY_TERMS]
    top = best[0][1] if best and best[0][1] > 0 else 1.0
    return [(term, weight / top) for term, weight in best if weight > 0]


def _counts(terms: Iterable[str]) -> dict[str, int]:
    """Return term -> occurrences."""
    counts: dict[str, int] = {}
    for term in terms:
        counts[term] = counts.get(term, 0) + 1
    return counts


def claim_pairs(terms: list[tuple[str, float]],
                doc_frequency: Callable[[str, str], int]) -> list[tuple[float, str, str]]:
    """Return the (importance, field, term) pairs a query-by-claim searches, within budget.

    Pairs are taken by importance (term weight times field boost) and a pair is skipped when
    its postings would overrun the budget: what goes first is a common term in a long field,
    which says least about the claim anyway.
    """
    pairs = sorted(((weight * boost, field, term) for term, weight in terms
                    for field, boost in FIELD_BOOSTS.items()), reverse=True)
    chosen: list[tuple[float, str, str]] = []
    spent = 0
    for importance, field, term in pairs:
        df = doc_frequency(field, term)
        if df and (not chosen or spent + df <= CLAIM_POSTINGS_BUDGET):
            chosen.append((importance, field, term))
            spent += df
    return chosen


def compare(indexed: Mapping[str, str], expected: Mapping[str, str]) -> CheckReport:
    """Return how the index's id -> stamp differs from the expected one."""
    return CheckReport(
        missing=sorted(set(expected) - set(indexed)),
        stale=sorted(i for i, stamp in indexed.items()
                     if i in expected and str(expected[i]) != stamp),
        extra=sorted(set(indexed) - set(expected)),
    )


@contextmanager
def building_generation(index_dir: Path) -> Iterator[Path]:
    """Lend a new generation directory beside the live one for a rebuild to fill and swap in;
    remove it if the rebuild fails."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with store.write_lock(index_dir):
        store.live_builds(index_dir)  # clears rebuilds whose process died
        building = Path(f"{store.new_generation(index_dir)}{store.BUILDING_SUFFIX}")
        building.mkdir()
        build_lock = store.hold_build_lock(building)
    try:
        yield building
    except BaseException:
        with store.write_lock(index_dir):
            shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        build_lock.close()


def swap_in(index_dir: Path, building: Path, replay: Callable[[Path], None]) -> None:
    """Replay a rebuild's journal, then publish its generation and drop old ones."""
    with store.write_lock(index_dir):
        replay(building)
        previous = store.current_generation(index_dir)
        final = building.with_name(building.name.removesuffix(store.BUILDING_SUFFIX))
        os.rename(building, final)
        (final / store.BUILD_LOCK).unlink(missing_ok=True)
        store.publish(index_dir, final)
        store.remove_generations(index_dir, keep={final, *([previous] if previous else [])})
