"""Text of applications and candidates: words, claim texts, TF-IDF rows and their cache."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

if TYPE_CHECKING:  # the input types import this module's helpers at run time
    from .inputs import Candidate, Pair, QueryDoc

# Independent claims define the invention; dependent ones only narrow it.
INDEPENDENT_WEIGHT = 2.0
# scikit-learn's default token pattern without its \b anchors: a greedy match can only
# start mid-word after failing on a one-letter word, so the tokens are the same, faster.
_WORD_RE = re.compile(r"\w\w+")
_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS)


def words(text: str) -> list[str]:
    """Return text's lower-cased words of two or more characters, English stop words dropped.

    The same tokens as TfidfVectorizer(stop_words="english") produces, faster: the
    analyzer is most of the cost of scoring unseen submissions.
    """
    return [w for w in _WORD_RE.findall(text.lower()) if w not in _STOP_WORDS]



# Document text beyond its opening (abstract, first claim) adds little to the cosine but
# costs tokenising time on every cold score; excerpts and explanations are short by form.
MAX_TEXT_CHARS = 4_000


def candidate_blob(candidate: Candidate) -> str:
    """Return everything known of the candidate's content as one text."""
    parts = (candidate.title, candidate.text[:MAX_TEXT_CHARS], candidate.excerpt,
             candidate.explanation)
    return "\n".join(p for p in parts if p)


def summary_text(query: QueryDoc) -> str:
    return f"{query.title}\n{query.abstract}".strip()


def _claims_with_text(query: QueryDoc) -> list[tuple[int, str, bool]]:
    return [claim for claim in query.claims if claim[1].strip()]


def claim_texts(query: QueryDoc) -> list[str]:
    """Return the query's claim texts, or its title and abstract when it has no claims."""
    texts = [text for _, text, _ in _claims_with_text(query)]
    return texts or ([summary_text(query)] if summary_text(query) else [])


def claim_numbers(query: QueryDoc) -> list[int | None]:
    """Return the claim number of each text of `claim_texts` (None for the fallback)."""
    return [number for number, _, _ in _claims_with_text(query)] or [None]


def claim_weights(query: QueryDoc) -> np.ndarray:
    """Return one weight per text of `claim_texts`, independent claims weighted more."""
    weights = [INDEPENDENT_WEIGHT if independent else 1.0
               for _, _, independent in _claims_with_text(query)]
    return np.asarray(weights or [1.0], dtype=float)

def unique_texts(pairs: Sequence[Pair]) -> list[str]:
    """Return each distinct query claim and candidate text once, so IDF counts documents."""
    seen: dict[str, None] = {}
    queries = {id(q): q for q, _ in pairs}
    for query in queries.values():
        seen.update(dict.fromkeys([*claim_texts(query), summary_text(query)]))
    seen.update(dict.fromkeys(candidate_blob(c) for _, c in pairs))
    return [text for text in seen if text.strip()]


def fit_vectorizer(corpus: list[str], max_features: int, sublinear_tf: bool
                    ) -> tuple[TfidfVectorizer | None, sparse.csr_matrix | None]:
    """Return a TF-IDF vectorizer fit on corpus and its rows (Nones: no usable word)."""
    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=sublinear_tf,
                                 max_features=max_features, dtype=np.float64)
    try:
        return vectorizer, vectorizer.fit_transform(corpus).tocsr()
    except ValueError:  # empty corpus or stop words only: similarity stays unknown
        return None, None


def group_rows(pairs: Sequence[Pair], rows: np.ndarray) -> list[tuple[np.ndarray, QueryDoc]]:
    """Group the given row indices by their query object."""
    groups: dict[int, list[int]] = {}
    for row in rows:
        groups.setdefault(id(pairs[row][0]), []).append(int(row))
    return [(np.asarray(idx), pairs[idx[0]][0]) for idx in groups.values()]


class RowCache:
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
