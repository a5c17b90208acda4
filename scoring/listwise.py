"""Signals of a candidate relative to the application's whole list of candidates.

An examiner cites what a search of the claims finds; an applicant's list holds what the
applicant already knew: the art its own text discusses, and runs of documents of one
patentee (a family, a competitor's portfolio) or of one publication day. These features
read only what every candidate of the list carries (names, dates, document numbers) and the
application's own text, never who cited a reference, where it was printed or in which list:
they do not change when only those change (tests/scoring/test_bootstrap.py).

The list is the candidates featurised together for one query, unless the query carries
`listed` (a sequence of Candidates): then the pairs are only part of the application's list
(training keeps the labelled ones) and the repeats are counted over the whole of it.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .signals import name_key

if TYPE_CHECKING:  # the input types import this module at run time
    from .inputs import Candidate, QueryDoc

LIST_FEATURES: tuple[str, ...] = ("name_repeats", "same_day_repeats", "mentioned_in_text")

# "U.S. Pat. No. 5,117,378", "6,123,456 B1", "US 2005/0123456", "U.S. 2005/0123456 A1".
_GRANT_RE = re.compile(r"(?<![\d,/])(RE|D|PP)?\s?(\d{1,2},\d{3},\d{3})(?![\d,]*\d)")
_PUBLICATION_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})/?(\d{7})(?!\d)")


def mentioned_keys(text: str) -> list[str]:
    """Return the kind-free keys of the US patent documents a text cites by number.

    Grant numbers are read only with their thousands separators ("5,117,378"), so that
    measurements and sequence numbers are not mistaken for patents; publications as
    "2005/0123456" or "20050123456". Keys are those of `scoring.bootstrap.document_key`.
    """
    keys = [f"US{(series or '')}{int(number.replace(',', ''))}"
            for series, number in _GRANT_RE.findall(text)]
    keys += [f"US{year}{serial}" for year, serial in _PUBLICATION_RE.findall(text)]
    return list(dict.fromkeys(keys))


def name_repeats(candidates: Sequence[Candidate],
                 listed: Sequence[Candidate] | None = None) -> np.ndarray:
    """Return per candidate log1p(other candidates sharing its patentee's name key).

    The others are those of `listed` (the whole list, holding `candidates`), by default
    `candidates`. NaN for a candidate without a name (non-patent literature, foreign references).
    """
    keys = [_name_keys(c) for c in candidates]
    counts: Counter[str] = Counter(k for c in _whole(candidates, listed) for k in _name_keys(c))
    out = np.full(len(candidates), np.nan)
    for row, found in enumerate(keys):
        if found:
            out[row] = np.log1p(max(counts[k] - 1 for k in found))
    return out


def same_day_repeats(candidates: Sequence[Candidate],
                     listed: Sequence[Candidate] | None = None) -> np.ndarray:
    """Return per candidate log1p(other candidates published the same day); NaN undated.

    The others are those of `listed` (the whole list, holding `candidates`), by default
    `candidates`. Documents of one family or one filing programme appear together in an
    applicant's list; an examiner's search rarely returns two of them.
    """
    days: Counter[object] = Counter(c.publication_date for c in _whole(candidates, listed)
                                    if c.publication_date)
    return np.array([np.log1p(days[c.publication_date] - 1) if c.publication_date else np.nan
                     for c in candidates], dtype=float)


def mentioned_in_text(query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray:
    """Return 1 where the application's own text cites the candidate's number, else 0.

    NaN when the application's mentions are unknown (`QueryDoc.mentions` is None) or the
    candidate has no document key (non-patent literature).
    """
    out = np.full(len(candidates), np.nan)
    if query.mentions is None:
        return out
    mentions = set(query.mentions)
    for row, candidate in enumerate(candidates):
        if candidate.key:
            out[row] = float(candidate.key in mentions)
    return out


def list_features(query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray:
    """Return the LIST_FEATURES columns of one application's candidates."""
    listed: Sequence[Candidate] | None = getattr(query, "listed", None)
    return np.column_stack([name_repeats(candidates, listed),
                            same_day_repeats(candidates, listed),
                            mentioned_in_text(query, candidates)]).reshape(-1,
                                                                           len(LIST_FEATURES))


def _whole(candidates: Sequence[Candidate], listed: Sequence[Candidate] | None
           ) -> Sequence[Candidate]:
    """Return the whole list: `listed`, or `candidates` when it is None or empty."""
    return listed or candidates


def _name_keys(candidate: Candidate) -> set[str]:
    return {k for k in map(name_key, candidate.names) if k}
