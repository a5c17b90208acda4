"""Plain input types and the pair feature transformer.

The web app and the USPTO bootstrap both describe an (application, prior-art candidate)
pair with the two dataclasses below; `PairFeatures` turns a sequence of such pairs into a
numeric matrix. Anything a source does not know is `None` here and `np.nan` in the matrix,
never a zero: the models handle missing values themselves.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

CandidateKind = Literal["us", "foreign", "npl"]
KINDS: tuple[CandidateKind, ...] = ("us", "foreign", "npl")
# US kind-code families: "a" grants before 2001, "b1"/"b2" grants since (without / after an
# earlier publication), "pub" published applications (A1, A2, A9), "s" designs.
US_CODES: tuple[str, ...] = ("a", "b1", "b2", "pub", "s")
# CPC/IPC hierarchy levels, coarse to fine ("H", "H04", "H04L", "H04L 9/00").
IPC_LEVELS: tuple[str, ...] = ("section", "class", "subclass", "group")
USPC_LEVELS: tuple[str, ...] = ("class", "subclass")
# Independent claims define the invention; dependent ones only narrow it.
INDEPENDENT_WEIGHT = 2.0

_IPC_RE = re.compile(r"^\s*([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})?")
# scikit-learn's default token pattern without its \b anchors: a greedy match can only
# start mid-word after failing on a one-letter word, so the tokens are the same, faster.
_WORD_RE = re.compile(r"\w\w+")
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)


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
    countries: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    """One prior-art candidate submitted against a `QueryDoc`.

    text is the document's own text where known (abstract + claims), excerpt and
    explanation are the volunteer's. claims_targeted: claim numbers the volunteer names,
    [] for none named, None where the source has no such notion. Community signals are
    None when unknown (not zero); submitter_used / submitter_judged count the submitter's
    earlier examiner verdicts "used/relevant" and all verdicts.

    country and kind_code name the document ("JP", "A1"; "" unknown); names are its
    first-named patentees, applicants or authors ([] unknown). The library signals are
    None until the app has a library to compute them from: bm25_best_claim and
    bm25_independent score the library's full text of the candidate against the best
    claim and the independent claims (through the search seam); cited_by counts the
    library's other grants citing it, examiner_cited those where the examiner did;
    cocited counts library grants citing it together with one of the application's
    other candidates.
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
    country: str = ""
    kind_code: str = ""
    names: list[str] = field(default_factory=list)
    bm25_best_claim: float | None = None
    bm25_independent: float | None = None
    cited_by: int | None = None
    examiner_cited: int | None = None
    cocited: int | None = None


Pair = tuple[QueryDoc, Candidate]


# ---------------------------------------------------------------- classification codes

@lru_cache(maxsize=65_536)
def ipc_prefixes(code: str) -> tuple[str, ...]:
    """Return the section, class, subclass and main-group prefixes of a CPC/IPC code."""
    match = _IPC_RE.match(code.upper())
    if not match:
        return ()
    section, klass, subclass, group = match.groups()
    prefixes = (section, section + klass, section + klass + subclass)
    if group:
        prefixes += (f"{prefixes[2]} {int(group)}/00",)
    return prefixes


@lru_cache(maxsize=65_536)
def uspc_prefixes(code: str) -> tuple[str, ...]:
    """Return the class and class/subclass of a USPC code such as "713/168" or "D13/147"."""
    code = code.replace(" ", "").upper()
    if not code:
        return ()
    klass, _, subclass = code.partition("/")
    klass = klass.lstrip("0") or "0"
    subclass = subclass.lstrip("0")
    return (klass, f"{klass}/{subclass}") if subclass else (klass,)


@lru_cache(maxsize=16_384)
def level_sets(codes: tuple[str, ...], scheme: Literal["ipc", "uspc"]
               ) -> tuple[frozenset[str], ...]:
    """Return, for each level of the scheme's hierarchy, the prefixes of the codes."""
    split, depth = (ipc_prefixes, len(IPC_LEVELS)) if scheme == "ipc" else \
        (uspc_prefixes, len(USPC_LEVELS))
    parts = [split(code) for code in codes]
    return tuple(frozenset(p[level] for p in parts if len(p) > level) for level in range(depth))


def shared_prefix(query_codes: Iterable[str], candidate_codes: Iterable[str], level: int,
                  scheme: Literal["ipc", "uspc"]) -> str | None:
    """Return one prefix at `level` both code lists share, "" if none, None if either is empty."""
    query = level_sets(tuple(query_codes), scheme)[level]
    candidate = level_sets(tuple(candidate_codes), scheme)[level]
    if not query or not candidate:
        return None
    common = sorted(query & candidate)
    return common[0] if common else ""


def class_overlaps(query_codes: Sequence[str], candidate_codes: Sequence[str],
                   scheme: Literal["ipc", "uspc"]) -> list[float]:
    """Return per level 1.0 if the code lists share a prefix, 0.0 if not, NaN if one is empty."""
    pairs = zip(level_sets(tuple(query_codes), scheme), level_sets(tuple(candidate_codes), scheme))
    return [float(bool(q & c)) if q and c else np.nan for q, c in pairs]


def words(text: str) -> list[str]:
    """Return text's lower-cased words of two or more characters, English stop words dropped.

    The same tokens as TfidfVectorizer(stop_words="english") produces, faster: the
    analyzer is most of the cost of scoring unseen submissions.
    """
    return [w for w in _WORD_RE.findall(text.lower()) if w not in _STOP_WORDS]


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


def _log1p_or_nan(value: float | None) -> float:
    return np.nan if value is None else float(np.log1p(max(float(value), 0.0)))


def log_age_years(days_before: float) -> float:
    """Return log(1 + years published before priority), 0 for later ones, NaN if unknown."""
    if np.isnan(days_before):
        return np.nan
    return float(np.log1p(max(days_before, 0.0) / 365.25))


def kind_code_family(candidate: Candidate) -> list[float]:
    """Return one 0/1 per US kind-code family (US_CODES); NaN when the code is unknown.

    Only US codes are told apart: other offices use the same letters for other things.
    """
    code = candidate.kind_code.strip().upper()
    if candidate.kind == "npl" or (candidate.kind == "foreign"):
        return [0.0] * len(US_CODES)
    if not code:
        return [np.nan] * len(US_CODES)
    family = ("pub" if code in ("A1", "A2", "A9") else "a" if code == "A" else
              code.lower() if code in ("B1", "B2", "S", "S1") else "")
    family = "s" if family == "s1" else family
    return [float(family == name) for name in US_CODES]


def same_country(query: QueryDoc, candidate: Candidate,
                 countries: frozenset[str] | None = None) -> float:
    """Return 1 if the candidate's office is a country of the application's parties, else 0.

    Applicants cite art from their home office more than examiners do; NaN when either
    side's country is unknown (non-patent literature has none). `countries` passes the
    query's, upper-cased, when already computed.
    """
    country = candidate.country.strip().upper() or ("US" if candidate.kind == "us" else "")
    countries = countries if countries is not None else party_countries(query)
    if candidate.kind == "npl" or not country or not countries:
        return np.nan
    return float(country in countries)


def party_countries(query: QueryDoc) -> frozenset[str]:
    """Return the upper-cased countries of the application's parties."""
    return frozenset(c.strip().upper() for c in query.countries if c.strip())


def party_keys(query: QueryDoc) -> frozenset[str]:
    """Return the name keys of the application's applicants and inventors."""
    return frozenset(key for key in map(name_key, query.parties) if key)


# Words that say what a party is, not who: dropped before names are compared.
_NAME_NOISE = frozenset("""
et al jr sr ii iii iv inc incorporated corp corporation co company ltd limited llc llp lp plc
gmbh ag kg sa nv bv ab oy spa srl kabushiki kaisha kk the of and for
""".split())
_NAME_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """Return the word a name is cited by: a person's surname, an organisation's last word.

    "Smith et al." -> "smith", "John A. Smith, Jr." -> "smith", "Sony Corporation" -> "sony".
    """
    found = [w for w in _NAME_WORD.findall(name.lower()) if w not in _NAME_NOISE]
    return found[-1] if found else ""


def self_citation(query: QueryDoc, candidate: Candidate,
                  mine: frozenset[str] | None = None) -> float:
    """Return 1 if a name of the candidate matches one of the application's parties, else 0.

    Applicants list their own earlier work; NaN when either side's names are unknown.
    `mine` passes the query's party keys when already computed.
    """
    mine = mine if mine is not None else party_keys(query)
    theirs = {key for key in map(name_key, candidate.names) if key}
    if not mine or not theirs:
        return np.nan
    return float(bool(mine & theirs))


def independent_claims(query: QueryDoc) -> set[int]:
    """Return the numbers of the query's independent claims."""
    return {number for number, _, independent in query.claims if independent}


# Document text beyond its opening (abstract, first claim) adds little to the cosine but
# costs tokenising time on every cold score; excerpts and explanations are short by form.
MAX_TEXT_CHARS = 4_000


def candidate_blob(candidate: Candidate) -> str:
    """Return everything known of the candidate's content as one text."""
    parts = (candidate.title, candidate.text[:MAX_TEXT_CHARS], candidate.excerpt,
             candidate.explanation)
    return "\n".join(p for p in parts if p)


def _summary(query: QueryDoc) -> str:
    return f"{query.title}\n{query.abstract}".strip()


def _claims_with_text(query: QueryDoc) -> list[tuple[int, str, bool]]:
    return [claim for claim in query.claims if claim[1].strip()]


def claim_texts(query: QueryDoc) -> list[str]:
    """Return the query's claim texts, or its title and abstract when it has no claims."""
    texts = [text for _, text, _ in _claims_with_text(query)]
    return texts or ([_summary(query)] if _summary(query) else [])


def claim_numbers(query: QueryDoc) -> list[int | None]:
    """Return the claim number of each text of `claim_texts` (None for the fallback)."""
    return [number for number, _, _ in _claims_with_text(query)] or [None]


def claim_weights(query: QueryDoc) -> np.ndarray:
    """Return one weight per text of `claim_texts`, independent claims weighted more."""
    weights = [INDEPENDENT_WEIGHT if independent else 1.0
               for _, _, independent in _claims_with_text(query)]
    return np.asarray(weights or [1.0], dtype=float)


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
    "log_age_years",
    *(f"code_{code}" for code in US_CODES),
    "same_country",
    "self_citation",
    "bm25_best_claim",
    "bm25_independent",
    "cited_by",
    "examiner_cited",
    "cocited",
)
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


class PairFeatures(TransformerMixin, BaseEstimator):
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
        self.vectorizer_, matrix = _fit_vectorizer(corpus, self.max_features, self.sublinear_tf)
        self._rows = _RowCache(self.cache_size)  # rows of the old vocabulary are void
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
        for row, (query, candidate) in enumerate(pairs):
            if id(query) not in context:
                context[id(query)] = _QueryContext(independent_claims(query),
                                                   party_countries(query), party_keys(query))
            out[row, 3:] = self._structured(query, candidate, context[id(query)])
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

    def __sklearn_tags__(self):  # noqa: D105 - sklearn protocol
        tags = super().__sklearn_tags__()
        # Input is a sequence of (QueryDoc, Candidate) pairs, not a numeric 2-D array.
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_rows", None)  # a cache, rebuilt on demand; never worth pickling
        return state

    # -- helpers

    def _vectors(self, texts: list[str]) -> sparse.csr_matrix:
        """Return the TF-IDF rows of texts; tokenising is slow, so rows are cached by text."""
        if "_rows" not in self.__dict__:
            self._rows = _RowCache(self.cache_size)
        return self._rows.rows(texts, self.vectorizer_.transform,
                               len(self.vectorizer_.vocabulary_))

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
        for query_rows, query in _group_rows(pairs, rows):
            block = cand[np.searchsorted(rows, query_rows)]
            texts, summary = claim_texts(query), _summary(query)
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
            _nan_if_none(candidate.endorsements),
            _nan_if_none(candidate.claim_marks),
            track_record(candidate, self.prior_used, self.prior_unused),
            log_age_years(gap),
            *kind_code_family(candidate),
            same_country(query, candidate, context.countries),
            self_citation(query, candidate, context.parties),
            _log1p_or_nan(candidate.bm25_best_claim),
            _log1p_or_nan(candidate.bm25_independent),
            _log1p_or_nan(candidate.cited_by),
            _log1p_or_nan(candidate.examiner_cited),
            _log1p_or_nan(candidate.cocited),
        ]


@dataclass(frozen=True, slots=True)
class _QueryContext:
    """What every pair of one application shares: computed once per transform."""

    independent: set[int]
    countries: frozenset[str]
    parties: frozenset[str]


def _as_pairs(X: Sequence[Pair] | np.ndarray) -> list[Pair]:
    """Return X as a list of (QueryDoc, Candidate) pairs or raise a clear TypeError."""
    pairs = [tuple(row) for row in X]
    for pair in pairs:
        if len(pair) != 2 or not (isinstance(pair[0], QueryDoc)
                                  and isinstance(pair[1], Candidate)):
            raise TypeError("PairFeatures expects a sequence of (QueryDoc, Candidate) pairs")
    return pairs  # type: ignore[return-value]


def unique_texts(pairs: Sequence[Pair]) -> list[str]:
    """Return each distinct query claim and candidate text once, so IDF counts documents."""
    seen: dict[str, None] = {}
    queries = {id(q): q for q, _ in pairs}
    for query in queries.values():
        seen.update(dict.fromkeys([*claim_texts(query), _summary(query)]))
    seen.update(dict.fromkeys(candidate_blob(c) for _, c in pairs))
    return [text for text in seen if text.strip()]


def _fit_vectorizer(corpus: list[str], max_features: int, sublinear_tf: bool
                    ) -> tuple[TfidfVectorizer | None, sparse.csr_matrix | None]:
    """Return a TF-IDF vectorizer fit on corpus and its rows (Nones: no usable word)."""
    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=sublinear_tf,
                                 max_features=max_features, dtype=np.float64)
    try:
        return vectorizer, vectorizer.fit_transform(corpus).tocsr()
    except ValueError:  # empty corpus or stop words only: similarity stays unknown
        return None, None


def _group_rows(pairs: Sequence[Pair], rows: np.ndarray) -> list[tuple[np.ndarray, QueryDoc]]:
    """Group the given row indices by their query object."""
    groups: dict[int, list[int]] = {}
    for row in rows:
        groups.setdefault(id(pairs[row][0]), []).append(int(row))
    return [(np.asarray(idx), pairs[idx[0]][0]) for idx in groups.values()]


class _RowCache:
    """A bounded, thread-safe LRU map from text to its TF-IDF row (indices, data)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._rows: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def rows(self, texts: list[str], vectorize: Callable[[list[str]], sparse.csr_matrix],
             width: int) -> sparse.csr_matrix:
        """Return the rows of texts as one CSR matrix, vectorising only unseen texts."""
        with self._lock:  # tokenising holds the GIL anyway: one lock costs no parallelism
            missing = [t for t in dict.fromkeys(texts) if t not in self._rows]
            found = {t: self._rows[t] for t in dict.fromkeys(texts) if t in self._rows}
            if missing:
                found.update(_split_rows(missing, vectorize(missing)))
            self._remember(found)
        return _stack([found[t] for t in texts], width)

    def add(self, texts: list[str], matrix: sparse.csr_matrix) -> None:
        """Remember the rows of texts already vectorised elsewhere."""
        with self._lock:
            self._remember(_split_rows(texts, matrix))

    def _remember(self, rows: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        for text, row in rows.items():
            self._rows[text] = row
            self._rows.move_to_end(text)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)


def _split_rows(texts: list[str], matrix: sparse.csr_matrix
                ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return each text's CSR row as (indices, data)."""
    spans = zip(matrix.indptr[:-1], matrix.indptr[1:])
    return {t: (matrix.indices[a:b], matrix.data[a:b]) for t, (a, b) in zip(texts, spans)}


def _stack(rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sparse.csr_matrix:
    """Build a CSR matrix from (indices, data) rows."""
    indptr = np.concatenate([[0], np.cumsum([len(i) for i, _ in rows])]).astype(np.int64)
    indices = np.concatenate([i for i, _ in rows] + [np.empty(0, dtype=np.int32)])
    data = np.concatenate([d for _, d in rows] + [np.empty(0)])
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width))
