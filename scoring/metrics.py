"""Ranking metrics over binary relevance, and a tie-safe ordering."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METRICS: tuple[str, ...] = ("map", "ndcg@10", "p@10")
K = 10


def order_by_score(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return indices by descending score, unknown (NaN) last, ties broken at random.

    Random tie-breaking keeps a scorer that cannot tell candidates apart at chance level
    instead of rewarding it with whatever order the data came in.
    """
    scores = np.asarray(scores, dtype=float)
    known = np.where(np.isnan(scores), -np.inf, scores)
    return np.lexsort((rng.random(len(scores)), -known))


def average_precision(relevant: np.ndarray) -> float:
    """Return the average precision of a ranked 0/1 relevance list (0 with no relevant item)."""
    relevant = np.asarray(relevant, dtype=bool)
    hits = np.flatnonzero(relevant)
    if hits.size == 0:
        return 0.0
    return float(np.mean(np.arange(1, hits.size + 1) / (hits + 1)))


def ndcg_at(relevant: np.ndarray, k: int = K) -> float:
    """Return NDCG@k of a ranked 0/1 relevance list (0 with no relevant item)."""
    relevant = np.asarray(relevant, dtype=float)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gain = float(relevant[:k] @ discounts[: min(k, relevant.size)])
    ideal = float(discounts[: min(k, int(relevant.sum()))].sum())
    return gain / ideal if ideal else 0.0


def precision_at(relevant: np.ndarray, k: int = K) -> float:
    """Return the share of relevant items among the first k (standard: divided by k)."""
    return float(np.asarray(relevant[:k], dtype=float).sum() / k)


def query_metrics(relevant_in_order: np.ndarray) -> dict[str, float]:
    """Return MAP's AP, NDCG@10 and P@10 for one ranked query."""
    return {"map": average_precision(relevant_in_order),
            "ndcg@10": ndcg_at(relevant_in_order),
            "p@10": precision_at(relevant_in_order)}


def mean_metrics(per_query: Sequence[dict[str, float]]) -> dict[str, float]:
    """Average per-query metrics (0 for every metric when there is no query)."""
    return {name: float(np.mean([m[name] for m in per_query])) if per_query else 0.0
            for name in METRICS}


def rank_metrics(scores_by_query: Sequence[np.ndarray], labels_by_query: Sequence[np.ndarray],
                 seed: int = 0) -> dict[str, float]:
    """Return mean MAP / NDCG@10 / P@10 of scores against 0/1 labels, query by query."""
    rng = np.random.default_rng(seed)
    per_query = []
    for scores, labels in zip(scores_by_query, labels_by_query):
        order = order_by_score(scores, rng)
        per_query.append(query_metrics(np.asarray(labels)[order]))
    return mean_metrics(per_query)


def rankable(y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Return a row mask keeping only groups that hold both a relevant and an irrelevant row."""
    y, groups = np.asarray(y), np.asarray(groups)
    keep = np.zeros(len(y), dtype=bool)
    for group in dict.fromkeys(groups.tolist()):
        rows = groups == group
        keep[rows] = 0 < y[rows].sum() < rows.sum()
    return keep


def grouped_metrics(scores: np.ndarray, y: np.ndarray, groups: np.ndarray,
                    seed: int = 0) -> dict[str, float]:
    """Return mean metrics of row scores over the groups that can be ranked (both labels)."""
    keep = rankable(y, groups)
    scores, y, groups = np.asarray(scores)[keep], np.asarray(y)[keep], np.asarray(groups)[keep]
    rows_by_group = [np.flatnonzero(groups == g) for g in dict.fromkeys(groups.tolist())]
    return rank_metrics([scores[r] for r in rows_by_group], [y[r] for r in rows_by_group], seed)


def per_query_metrics(scores: np.ndarray, y: np.ndarray, groups: np.ndarray,
                      seed: int = 0) -> dict[str, dict[str, float]]:
    """Return each rankable group's MAP's AP, NDCG@10 and P@10, by group."""
    rng = np.random.default_rng(seed)
    keep = rankable(y, groups)
    scores, y, groups = np.asarray(scores)[keep], np.asarray(y)[keep], np.asarray(groups)[keep]
    out = {}
    for group in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == group)
        out[group] = query_metrics(y[rows][order_by_score(scores[rows], rng)])
    return out


def bootstrap_interval(per_query: Sequence[float], draws: int = 1_000, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float]:
    """Return the percentile interval of a mean over queries resampled with replacement."""
    values = np.asarray(per_query, dtype=float)
    if not values.size:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, (draws, values.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))
