"""Offline evaluation on real grants: the model against simple baselines, query by query.

Every query is one grant holding both examiner and other citations; metrics are MAP,
NDCG@10 and P@10 with ties broken at random (see metrics.order_by_score).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from sklearn.model_selection import GroupKFold

from .bootstrap import examples_from_grants
from .features import FEATURE_NAMES, Candidate, Pair, PairFeatures, QueryDoc, deepest_shared_class
from .metrics import METRICS, grouped_metrics, rankable
from .model import Ranker

BASELINES: tuple[str, ...] = ("random", "text_similarity", "same_class_first", "newest_first")
# Chance level is an average over many shuffles, not one lucky or unlucky draw.
RANDOM_DRAWS = 20


class Scorer(Protocol):
    """Anything that scores one application's candidates (Ranker, HeuristicRanker)."""

    def score(self, query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray: ...


def evaluate(ranker: Scorer, grants: Iterable[Any], seed: int = 0,
             library: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the ranker's and the baselines' metrics over grants with both kinds of citation."""
    pairs, y, groups = examples_from_grants(grants, library)
    return evaluate_examples(ranker, pairs, y, groups, seed)


def evaluate_examples(ranker: Scorer, pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
                      seed: int = 0) -> dict[str, Any]:
    """Return the report of `evaluate` for ready-made labelled pairs."""
    keep = np.flatnonzero(rankable(y, groups))
    pairs, y, groups = [pairs[i] for i in keep], np.asarray(y)[keep], np.asarray(groups)[keep]
    return {
        "queries": len(set(groups.tolist())),
        "model": grouped_metrics(_served_scores(ranker, pairs, groups), y, groups, seed),
        "baselines": _baselines(pairs, y, groups, seed),
    }


def cross_validate_grants(grants: Iterable[Any], n_splits: int = 5, seed: int = 0,
                          make_ranker: Callable[[], Any] = Ranker,
                          library: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return `evaluate`'s report averaged over folds, each model trained on the other folds."""
    pairs, y, groups = examples_from_grants(grants, library)
    folds = []
    for train, test in GroupKFold(n_splits=n_splits).split(pairs, y, groups):
        ranker = make_ranker().fit([pairs[i] for i in train], y[train], groups[train])
        test_pairs = [pairs[i] for i in test]
        folds.append(evaluate_examples(ranker, test_pairs, y[test], groups[test], seed))
    return _mean_report(folds)


def format_report(report: Mapping[str, Any]) -> str:
    """Return the report as a small fixed-width table."""
    rows = [("model", report["model"]), *report["baselines"].items()]
    lines = [f"queries: {report['queries']}", f"{'':18}" + "".join(f"{m:>9}" for m in METRICS)]
    lines += [f"{name:18}" + "".join(f"{values[m]:9.3f}" for m in METRICS) for name, values in rows]
    return "\n".join(lines)


def _served_scores(ranker: Scorer, pairs: Sequence[Pair], groups: np.ndarray) -> np.ndarray:
    """Score through the serving path: one `score(query, candidates)` call per application."""
    scores = np.empty(len(pairs))
    for group in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == group)
        scores[rows] = ranker.score(pairs[rows[0]][0], [pairs[i][1] for i in rows])
    return scores


def _baselines(pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
               seed: int) -> dict[str, dict[str, float]]:
    """Return the metrics of every baseline (unsupervised: no label is looked at)."""
    X = PairFeatures().fit(pairs).transform(pairs) if pairs else np.empty((0, len(FEATURE_NAMES)))
    rng = np.random.default_rng(seed)
    draws = [grouped_metrics(rng.random(len(pairs)), y, groups, seed + k)
             for k in range(RANDOM_DRAWS)]
    dates = [c.publication_date for _, c in pairs]
    scores = {
        "text_similarity": X[:, FEATURE_NAMES.index("sim_best_claim")],
        "same_class_first": deepest_shared_class(X)[0],
        "newest_first": np.array([d.toordinal() if d else np.nan for d in dates], dtype=float),
    }
    return {"random": _mean(draws),
            **{name: grouped_metrics(s, y, groups, seed) for name, s in scores.items()}}


def _mean(reports: Sequence[Mapping[str, float]]) -> dict[str, float]:
    return {m: float(np.mean([r[m] for r in reports])) for m in METRICS}


def _mean_report(folds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Average fold reports metric by metric; queries add up."""
    return {
        "queries": int(sum(f["queries"] for f in folds)),
        "model": _mean([f["model"] for f in folds]),
        "baselines": {b: _mean([f["baselines"][b] for f in folds]) for b in BASELINES},
    }
