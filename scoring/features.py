"""Plain input types and the pair feature transformer.

The web app and the USPTO bootstrap both describe an (application, prior-art candidate)
pair with the two dataclasses below; `PairFeatures` turns a sequence of such pairs into a
numeric matrix. Anything a source does not know is `None` here and `np.nan` in the matrix,
never a zero: the models handle missing values themselves.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

CandidateKind = Literal["us", "foreign", "npl"]
KINDS: tuple[CandidateKind, ...] = ("us", "foreign", "npl")
# CPC/IPC hierarchy levels, coarse to fine ("H", "H04", "H04L", "H04L 9").
IPC_LEVELS: tuple[str, ...] = ("section", "class", "subclass", "group")
USPC_LEVELS: tuple[str, ...] = ("class", "subclass")
# Independent claims define the invention; dependent ones only narrow it.
INDEPENDENT_WEIGHT = 2.0

_IPC_RE = re.compile(r"^\s*([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})?")


@dataclass(slots=True)
class QueryDoc:
    """The application under review.

    claims: (number, text, independent) triples; cpc/ipc like "H04L 9/32", uspc like
    "713/168"; priority_date is the earliest date the application relies on.
    """

    id: str
    claims: list[tuple[int, str, bool]] = field(default_factory=list)
    priority_date: dt.date | None = None
    cpc: list[str] = field(default_factory=list)
    ipc: list[str] = field(default_factory=list)
    uspc: list[str] = field(default_factory=list)
    title: str = ""
    abstract: str = ""


@dataclass(slots=True)
class Candidate:
    """One prior-art candidate submitted against a `QueryDoc`.

    text is the document's own text where known (abstract + claims), excerpt and
    explanation are the volunteer's. claims_targeted: claim numbers the volunteer names,
    [] for none named, None where the source has no such notion. Community signals are
    None when unknown (not zero); submitter_used / submitter_judged count the submitter's
    earlier examiner verdicts "used/relevant" and all verdicts.
    """

    id: str
    kind: CandidateKind
    publication_date: dt.date | None = None
    title: str = ""
    text: str = ""
    excerpt: str = ""
    explanation: str = ""
    cpc: list[str] = field(default_factory=list)
    ipc: list[str] = field(default_factory=list)
    uspc: list[str] = field(default_factory=list)
    claims_targeted: list[int] | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    endorsements: int | None = None
    claim_marks: int | None = None
    submitter_used: int | None = None
    submitter_judged: int | None = None


Pair = tuple[QueryDoc, Candidate]


# ---------------------------------------------------------------- classification codes

def ipc_prefixes(code: str) -> tuple[str, ...]:
    """Return the section, class, subclass and main-group prefixes of a CPC/IPC code."""
    match = _IPC_RE.match(code.upper())
    if not match:
        return ()
    section, klass, subclass, group = match.groups()
    prefixes = (section, section + klass, section + klass + subclass)
    if group:
        prefixes += (f"{prefixes[2]} {int(group)}",)
    return prefixes


def uspc_prefixes(code: str) -> tuple[str, ...]:
    """Return the class and class/subclass of a USPC code such as "713/168" or "D13/147"."""
    code = code.replace(" ", "").upper()
    if not code:
        return ()
    klass, _, subclass = code.partition("/")
    klass = klass.lstrip("0") or "0"
    subclass = subclass.lstrip("0")
    return (klass, f"{klass}/{subclass}") if subclass else (klass,)


def shared_prefix(query_codes: Iterable[str], candidate_codes: Iterable[str], level: int,
                  scheme: Literal["ipc", "uspc"]) -> str | None:
    """Return one prefix at `level` both code lists share, "" if none, None if either is empty."""
    split = ipc_prefixes if scheme == "ipc" else uspc_prefixes
    query = {p[level] for p in map(split, query_codes) if len(p) > level}
    candidate = {p[level] for p in map(split, candidate_codes) if len(p) > level}
    if not query or not candidate:
        return None
    common = sorted(query & candidate)
    return common[0] if common else ""


def _overlap(shared: str | None) -> float:
    return np.nan if shared is None else float(bool(shared))


# ---------------------------------------------------------------- scalar helpers

def _nan_if_none(value: float | None) -> float:
    return np.nan if value is None else float(value)


def days_before_priority(query: QueryDoc, candidate: Candidate) -> float:
    """Return days from publication to the priority date (negative: published after)."""
    if query.priority_date is None or candidate.publication_date is None:
        return np.nan
    return float((query.priority_date - candidate.publication_date).days)


def net_votes(candidate: Candidate) -> float:
    """Return up minus down votes, NaN unless both counts are known."""
    if candidate.votes_up is None or candidate.votes_down is None:
        return np.nan
    return float(candidate.votes_up - candidate.votes_down)


def track_record(candidate: Candidate, prior_used: float, prior_unused: float) -> float:
    """Return the submitter's smoothed examiner-used rate, NaN if never recorded."""
    if candidate.submitter_judged is None:
        return np.nan
    used = candidate.submitter_used or 0
    return (used + prior_used) / (candidate.submitter_judged + prior_used + prior_unused)


def independent_claims(query: QueryDoc) -> set[int]:
    """Return the numbers of the query's independent claims."""
    return {number for number, _, independent in query.claims if independent}


def candidate_blob(candidate: Candidate) -> str:
    """Return everything known of the candidate's content as one text."""
    parts = (candidate.title, candidate.text, candidate.excerpt, candidate.explanation)
    return "\n".join(p for p in parts if p)


def claim_texts(query: QueryDoc) -> list[str]:
    """Return the query's claim texts, or its title and abstract when it has no claims."""
    texts = [text for _, text, _ in query.claims if text.strip()]
    if texts:
        return texts
    fallback = f"{query.title}\n{query.abstract}".strip()
    return [fallback] if fallback else []


def claim_weights(query: QueryDoc) -> np.ndarray:
    """Return one weight per text of `claim_texts`, independent claims weighted more."""
    weights = [INDEPENDENT_WEIGHT if independent else 1.0
               for _, text, independent in query.claims if text.strip()]
    return np.asarray(weights or [1.0] * len(claim_texts(query)), dtype=float)


# ---------------------------------------------------------------- the transformer

FEATURE_NAMES: tuple[str, ...] = (
    "sim_best_claim",
    "sim_weighted_mean",
    "sim_title_abstract",
    "days_before_priority",
    "after_priority",
    *(f"kind_{kind}" for kind in KINDS),
    *(f"ipc_{level}" for level in IPC_LEVELS),
    *(f"uspc_{level}" for level in USPC_LEVELS),
    "n_claims_targeted",
    "targets_independent",
    "net_votes",
    "endorsements",
    "claim_marks",
    "submitter_track_record",
)


class PairFeatures(TransformerMixin, BaseEstimator):
    """Turn (QueryDoc, Candidate) pairs into one row of numeric features each.

    Text similarity is TF-IDF cosine with a vocabulary and IDF learned in `fit` from the
    training pairs' claims and candidate texts (no labels are used). The submitter track
    record is smoothed with a Beta(prior_used, prior_unused) prior; the default prior mean
    of 0.25 is the Peer To Patent rate of examiner reliance on community art.
    """

    def __init__(self, *, max_features: int = 50_000, sublinear_tf: bool = True,
                 prior_used: float = 1.0, prior_unused: float = 3.0) -> None:
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.prior_used = prior_used
        self.prior_unused = prior_unused

    def fit(self, X: Sequence[Pair], y: object = None) -> PairFeatures:
        """Learn the TF-IDF vocabulary from the pairs' texts."""
        pairs = _as_pairs(X)
        corpus = _unique_texts(pairs)
        self.vectorizer_ = _fit_vectorizer(corpus, self.max_features, self.sublinear_tf)
        self.n_features_in_ = 2
        return self

    def transform(self, X: Sequence[Pair]) -> np.ndarray:
        """Return the float matrix of features, one row per pair, NaN where unknown."""
        check_is_fitted(self, "vectorizer_")
        pairs = _as_pairs(X)
        out = np.full((len(pairs), len(FEATURE_NAMES)), np.nan)
        if pairs:
            out[:, :3] = self._similarities(pairs)
        for row, (query, candidate) in enumerate(pairs):
            out[row, 3:] = self._structured(query, candidate)
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Return the feature names in column order."""
        return np.asarray(FEATURE_NAMES, dtype=object)

    def best_claim(self, query: QueryDoc, candidate: Candidate) -> tuple[int | None, float]:
        """Return the claim number most similar to the candidate and its cosine."""
        check_is_fitted(self, "vectorizer_")
        numbered = [(n, text) for n, text, _ in query.claims if text.strip()]
        blob = candidate_blob(candidate)
        if not numbered or not blob.strip() or self.vectorizer_ is None:
            return None, np.nan
        claims = self.vectorizer_.transform([text for _, text in numbered])
        cosines = (claims @ self.vectorizer_.transform([blob]).T).toarray().ravel()
        best = int(np.argmax(cosines))
        return numbered[best][0], float(cosines[best])

    def __sklearn_tags__(self):  # noqa: D105 - sklearn protocol
        tags = super().__sklearn_tags__()
        # Input is a sequence of (QueryDoc, Candidate) pairs, not a numeric 2-D array.
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags

    # -- helpers

    def _similarities(self, pairs: Sequence[Pair]) -> np.ndarray:
        """Return best-claim, weighted-mean-claim and title/abstract cosines per pair."""
        sims = np.full((len(pairs), 3), np.nan)
        if self.vectorizer_ is None:
            return sims
        blobs = [candidate_blob(c) for _, c in pairs]
        known = np.array([bool(b.strip()) for b in blobs])
        if not known.any():
            return sims
        cand = self.vectorizer_.transform([b for b, k in zip(blobs, known) if k])
        rows = np.flatnonzero(known)
        # One application usually faces many candidates: vectorise its claims once.
        for query_rows, query in _group_rows(pairs, rows):
            claims, weights, summary = self._query_vectors(query)
            block = cand[np.searchsorted(rows, query_rows)]
            if claims is not None:
                cos = (block @ claims.T).toarray()
                sims[query_rows, 0] = cos.max(axis=1)
                sims[query_rows, 1] = cos @ weights / weights.sum()
            if summary is not None:
                sims[query_rows, 2] = (block @ summary.T).toarray().ravel()
        return sims

    def _query_vectors(self, query: QueryDoc) -> tuple[sparse.csr_matrix | None, np.ndarray,
                                                       sparse.csr_matrix | None]:
        texts = claim_texts(query)
        claims = self.vectorizer_.transform(texts) if texts else None
        summary_text = f"{query.title}\n{query.abstract}".strip()
        summary = self.vectorizer_.transform([summary_text]) if summary_text else None
        return claims, claim_weights(query), summary

    def _structured(self, query: QueryDoc, candidate: Candidate) -> list[float]:
        """Return every non-text feature of one pair, in FEATURE_NAMES order."""
        gap = days_before_priority(query, candidate)
        query_ipc, cand_ipc = query.cpc + query.ipc, candidate.cpc + candidate.ipc
        targeted = candidate.claims_targeted
        return [
            gap,
            np.nan if np.isnan(gap) else float(gap < 0),
            *(float(candidate.kind == kind) for kind in KINDS),
            *(_overlap(shared_prefix(query_ipc, cand_ipc, level, "ipc"))
              for level in range(len(IPC_LEVELS))),
            *(_overlap(shared_prefix(query.uspc, candidate.uspc, level, "uspc"))
              for level in range(len(USPC_LEVELS))),
            np.nan if targeted is None else float(len(set(targeted))),
            np.nan if targeted is None else float(bool(set(targeted) & independent_claims(query))),
            net_votes(candidate),
            _nan_if_none(candidate.endorsements),
            _nan_if_none(candidate.claim_marks),
            track_record(candidate, self.prior_used, self.prior_unused),
        ]


def _as_pairs(X: Sequence[Pair] | np.ndarray) -> list[Pair]:
    """Return X as a list of (QueryDoc, Candidate) pairs or raise a clear TypeError."""
    pairs = [tuple(row) for row in X]
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[0], QueryDoc) or not isinstance(pair[1], Candidate):
            raise TypeError("PairFeatures expects a sequence of (QueryDoc, Candidate) pairs")
    return pairs  # type: ignore[return-value]


def _unique_texts(pairs: Sequence[Pair]) -> list[str]:
    """Return each distinct query claim and candidate text once, so IDF counts documents."""
    seen: dict[str, None] = {}
    queries = {id(q): q for q, _ in pairs}
    for query in queries.values():
        seen.update(dict.fromkeys(claim_texts(query)))
        seen.update(dict.fromkeys([f"{query.title}\n{query.abstract}".strip()]))
    seen.update(dict.fromkeys(candidate_blob(c) for _, c in pairs))
    return [text for text in seen if text.strip()]


def _fit_vectorizer(corpus: list[str], max_features: int,
                    sublinear_tf: bool) -> TfidfVectorizer | None:
    """Return a TF-IDF vectorizer fit on corpus, or None when it has no usable word."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=sublinear_tf,
                                 max_features=max_features, dtype=np.float64)
    try:
        vectorizer.fit(corpus)
    except ValueError:  # empty corpus or stop words only: similarity stays unknown
        return None
    return vectorizer


def _group_rows(pairs: Sequence[Pair], rows: np.ndarray) -> list[tuple[np.ndarray, QueryDoc]]:
    """Group the given row indices by their query object."""
    groups: dict[int, list[int]] = {}
    for row in rows:
        groups.setdefault(id(pairs[row][0]), []).append(int(row))
    return [(np.asarray(idx), pairs[idx[0]][0]) for idx in groups.values()]
