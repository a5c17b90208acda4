"""The pair feature transformer.

The web app and the USPTO bootstrap both describe an (application, prior-art candidate)
pair with the two dataclasses of `scoring.inputs`; `PairFeatures` turns a sequence of such
pairs into a numeric matrix. Anything a source does not know is `None` here and `np.nan` in the matrix,
never a zero: the models handle missing values themselves.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .classes import IPC_LEVELS, USPC_LEVELS, class_overlaps
from .inputs import FEATURE_NAMES, KINDS, Candidate, Pair, QueryDoc, independent_claims
from .listwise import LIST_FEATURES, list_features
from .signals import (
    days_before_priority,
    kind_code_family,
    log1p_or_nan,
    log_age_years,
    nan_if_none,
    net_votes,
    party_countries,
    same_country,
    track_record,
)
from .text import (
    RowCache,
    candidate_blob,
    claim_numbers,
    claim_texts,
    claim_weights,
    fit_vectorizer,
    group_rows,
    summary_text,
    unique_texts,
)

# ---------------------------------------------------------------- the transformer

# The list features close the row: they need every candidate of an application at once.
_LIST_START = len(FEATURE_NAMES) - len(LIST_FEATURES)
# Each class feature's depth as a share of its scheme's depth (CPC/IPC 4 levels, USPC 2).
CLASS_DEPTH: dict[str, float] = {
    **{f"ipc_{level}": (i + 1) / len(IPC_LEVELS) for i, level in enumerate(IPC_LEVELS)},
    **{f"uspc_{level}": (i + 1) / len(USPC_LEVELS) for i, level in enumerate(USPC_LEVELS)},
}


def deepest_shared_class(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return per feature row the deepest shared class level and that feature's name.

    The level is a share of the scheme's depth (0 to 1), NaN when no class is known.
    """
    columns = [FEATURE_NAMES.index(name) for name in CLASS_DEPTH]
    known = ~np.isnan(X[:, columns]).all(axis=1)
    best, depth = np.full(len(X), "ipc_section", dtype=object), np.zeros(len(X))
    for column, (name, level_depth) in zip(columns, CLASS_DEPTH.items()):
        deeper = (X[:, column] == 1) & (level_depth > depth)
        best[deeper], depth[deeper] = name, level_depth
    return np.where(known, depth, np.nan), best


# Features that can only make a candidate more relevant (see PairwiseLogisticRanker).
NONNEGATIVE_FEATURES: frozenset[str] = frozenset({
    "sim_best_claim", "sim_weighted_mean", "sim_title_abstract",
    *(f"ipc_{level}" for level in IPC_LEVELS), *(f"uspc_{level}" for level in USPC_LEVELS),
    "targets_independent", "net_votes", "endorsements", "claim_marks", "submitter_track_record",
    "bm25_best_claim", "bm25_independent", "examiner_cited",
})


# scikit-learn ships no type information: its bases are Any to mypy.
class PairFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Turn (QueryDoc, Candidate) pairs into one row of numeric features each.

    Text similarity is TF-IDF cosine with a vocabulary and IDF learned in `fit` from the
    training pairs' claims and candidate texts (no labels are used). The submitter track
    record is smoothed with a Beta(prior_used, prior_unused) prior; the default prior mean
    of 0.25 is the Peer To Patent rate of examiner reliance on community art.
    """

    def __init__(self, *, max_features: int = 50_000, sublinear_tf: bool = True,
                 prior_used: float = 1.0, prior_unused: float = 3.0,
                 cache_size: int = 5_000) -> None:
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.prior_used = prior_used
        self.prior_unused = prior_unused
        self.cache_size = cache_size

    def fit(self, X: Sequence[Pair], y: object = None) -> PairFeatures:
        """Learn the TF-IDF vocabulary from the pairs' texts."""
        corpus = unique_texts(_as_pairs(X))
        self.vectorizer_, matrix = fit_vectorizer(corpus, self.max_features, self.sublinear_tf)
        self._rows = RowCache(self.cache_size)  # rows of the old vocabulary are void
        if matrix is not None:  # fitting tokenised the corpus already: keep its rows
            self._rows.add(corpus, matrix)
        self.n_features_in_ = 2  # each sample is one (QueryDoc, Candidate) pair
        return self

    def transform(self, X: Sequence[Pair]) -> np.ndarray:
        """Return the float matrix of features, one row per pair, NaN where unknown."""
        check_is_fitted(self, "vectorizer_")
        pairs = _as_pairs(X)
        out = np.full((len(pairs), len(FEATURE_NAMES)), np.nan)
        out[:, :3] = self._similarities(pairs)[0]
        context: dict[int, _QueryContext] = {}  # per application, not per pair
        lists: dict[str, list[int]] = {}  # the rows of each application's list
        for row, (query, candidate) in enumerate(pairs):
            if id(query) not in context:
                context[id(query)] = _QueryContext(independent_claims(query),
                                                   party_countries(query))
            out[row, 3:_LIST_START] = self._structured(query, candidate, context[id(query)])
            lists.setdefault(query.id, []).append(row)
        for rows in lists.values():
            out[rows, _LIST_START:] = list_features(pairs[rows[0]][0],
                                                    [pairs[row][1] for row in rows])
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return the feature names in column order."""
        check_is_fitted(self, "vectorizer_")
        return np.asarray(FEATURE_NAMES, dtype=object)

    def best_claims(self, X: Sequence[Pair]) -> list[tuple[int | None, float]]:
        """Return per pair the claim number most similar to the candidate and its cosine."""
        check_is_fitted(self, "vectorizer_")
        pairs = _as_pairs(X)
        sims, best = self._similarities(pairs)
        queries = {id(q): q for q, _ in pairs}
        numbers = {key: claim_numbers(q) for key, q in queries.items()}
        return [(numbers[id(q)][b] if b >= 0 else None, float(sim))
                for (q, _), b, sim in zip(pairs, best, sims[:, 0])]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # Input is a sequence of (QueryDoc, Candidate) pairs, not a numeric 2-D array.
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state.pop("_rows", None)  # a cache, rebuilt on demand; never worth pickling
        return state

    # -- helpers

    def _vectors(self, texts: list[str]) -> sparse.csr_matrix:
        """Return the TF-IDF rows of texts; tokenising is slow, so rows are cached by text."""
        if "_rows" not in self.__dict__:
            self._rows = RowCache(self.cache_size)
        vectorizer = self.vectorizer_
        assert vectorizer is not None  # callers return early without a vocabulary
        return self._rows.rows(texts, vectorizer.transform, len(vectorizer.vocabulary_))

    def _similarities(self, pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
        """Return the three cosines per pair and the index of its best claim (-1: unknown).

        Cosines: best claim, mean over claims (independent ones weighted more), title and
        abstract; the best claim indexes `claim_texts`.
        """
        sims, best = np.full((len(pairs), 3), np.nan), np.full(len(pairs), -1)
        blobs = [candidate_blob(c) for _, c in pairs]
        rows = np.flatnonzero([bool(b.strip()) for b in blobs])
        if self.vectorizer_ is None or not rows.size:
            return sims, best
        cand = self._vectors([blobs[i] for i in rows])
        # One application usually faces many candidates: vectorise its claims once.
        for query_rows, query in group_rows(pairs, rows):
            block = cand[np.searchsorted(rows, query_rows)]
            texts, summary = claim_texts(query), summary_text(query)
            if texts:
                cos = (block @ self._vectors(texts).T).toarray()
                weights = claim_weights(query)
                sims[query_rows, 0], best[query_rows] = cos.max(axis=1), cos.argmax(axis=1)
                sims[query_rows, 1] = cos @ weights / weights.sum()
            if summary:
                sims[query_rows, 2] = (block @ self._vectors([summary]).T).toarray().ravel()
        return sims, best

    def _structured(self, query: QueryDoc, candidate: Candidate,
                    context: _QueryContext) -> list[float]:
        """Return every non-text feature of one pair, in FEATURE_NAMES order."""
        independent = context.independent
        gap = days_before_priority(query, candidate)
        targeted = None if candidate.claims_targeted is None else set(candidate.claims_targeted)
        return [
            gap,
            np.nan if np.isnan(gap) else float(gap < 0),
            *(float(candidate.kind == kind) for kind in KINDS),
            *class_overlaps(query.cpc + query.ipc, candidate.cpc + candidate.ipc, "ipc"),
            *class_overlaps(query.uspc, candidate.uspc, "uspc"),
            np.nan if targeted is None else float(len(targeted)),
            np.nan if targeted is None else float(bool(targeted & independent)),
            net_votes(candidate),
            nan_if_none(candidate.endorsements),
            nan_if_none(candidate.claim_marks),
            track_record(candidate, self.prior_used, self.prior_unused),
            log_age_years(gap),
            *kind_code_family(candidate),
            same_country(query, candidate, context.countries),
            log1p_or_nan(candidate.bm25_best_claim),
            log1p_or_nan(candidate.bm25_independent),
            log1p_or_nan(candidate.cited_by),
            log1p_or_nan(candidate.examiner_cited),
            log1p_or_nan(candidate.cocited),
        ]


@dataclass(frozen=True, slots=True)
class _QueryContext:
    """What every pair of one application shares: computed once per transform."""

    independent: set[int]
    countries: frozenset[str]


def _as_pairs(X: Sequence[Pair] | np.ndarray) -> list[Pair]:
    """Return X as a list of (QueryDoc, Candidate) pairs or raise a clear TypeError."""
    pairs: list[Pair] = []
    for row in X:
        pair = tuple(row)
        if len(pair) != 2 or not (isinstance(pair[0], QueryDoc)
                                  and isinstance(pair[1], Candidate)):
            raise TypeError("PairFeatures expects a sequence of (QueryDoc, Candidate) pairs")
        pairs.append((pair[0], pair[1]))
    return pairs


