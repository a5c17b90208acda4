"""Offline evaluation on real grants: the model against simple baselines, query by query.

Every query is one grant holding both examiner and other citations; metrics are MAP,
NDCG@10 and P@10 with ties broken at random (see metrics.order_by_score). Intervals are
95% percentile intervals from resampling grants with replacement (the grant is the unit:
its references are not independent), and the model's margin over the best fair baseline is
resampled paired, grant by grant.

Fair baselines look at nothing a volunteer's submission would not carry. Leaky ones read
something that stands for the label (the cited patent's printed US class, which examiner
citations carry about 99% of the time in grant XML): they are reported apart, as a ceiling
no honest ranker can be compared with.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
from sklearn.model_selection import GroupKFold

from .bootstrap import Library, examples_from_grants, label_of
from .features import PairFeatures, deepest_shared_class
from .inputs import FEATURE_NAMES, Candidate, Pair, QueryDoc
from .metrics import METRICS, bootstrap_interval, per_query_metrics, rankable
from .model import RankingModel

FAIR_BASELINES: tuple[str, ...] = ("random", "text_similarity", "same_class_first",
                                   "newest_first", "us_patents_newest_first")
LEAKY_BASELINES: tuple[str, ...] = ("printed_us_class_first",)
BASELINES = FAIR_BASELINES
# Chance level is an average over many shuffles, not one lucky or unlucky draw.
RANDOM_DRAWS = 20
INTERVAL_DRAWS = 1_000

PerQuery = dict[str, dict[str, float]]  # group -> metric -> value


class Scorer(Protocol):
    """Anything that scores one application's candidates (RankingModel, HeuristicRanker)."""

    def score(self, query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray: ...


def evaluate(ranker: Scorer, grants: Iterable[Any], seed: int = 0,
             library: Library | None = None, **signals: Any) -> dict[str, Any]:
    """Return the ranker's and the baselines' metrics over grants with both kinds of citation."""
    grants = list(grants)
    pairs, y, groups = examples_from_grants(grants, library, **signals)
    return report_of(_evaluate_parts(ranker, pairs, y, groups, seed, printed_classes(grants)),
                     seed)


def cross_validate_grants(grants: Iterable[Any], n_splits: int = 5, seed: int = 0,
                          make_ranker: Callable[[], Any] = RankingModel,
                          library: Library | None = None, **signals: Any) -> dict[str, Any]:
    """Return `evaluate`'s report pooled over folds, each model trained on the other folds."""
    grants = list(grants)
    pairs, y, groups = examples_from_grants(grants, library, **signals)
    leaky = printed_classes(grants)
    parts: dict[str, PerQuery] = {}
    for train, test in GroupKFold(n_splits=n_splits).split(pairs, y, groups):
        ranker = make_ranker().fit([pairs[i] for i in train], y[train], groups[train])
        fold = _evaluate_parts(ranker, [pairs[i] for i in test], y[test], groups[test], seed,
                               leaky)
        for name, per_query in fold.items():
            parts.setdefault(name, {}).update(per_query)
    return report_of(parts, seed)


def printed_classes(grants: Iterable[Any]) -> dict[tuple[str, int], float]:
    """Return 1/0 per (grant, labelled reference index): does it print a US class (leaky)."""
    out = {}
    for grant in grants:
        kept = [r for r in grant.references if label_of(r) is not None]
        for i, reference in enumerate(kept):
            out[grant.publication_number, i] = float(bool(reference.us_class))
    return out


def report_of(parts: Mapping[str, PerQuery], seed: int = 0) -> dict[str, Any]:
    """Return means, intervals and the margin over the best fair baseline from per-query metrics."""
    model = parts["model"]
    queries = sorted(model)

    def summary(per_query: PerQuery) -> dict[str, float]:
        return {m: float(np.mean([per_query[q][m] for q in queries])) if queries else 0.0
                for m in METRICS}

    def interval(per_query: PerQuery) -> dict[str, tuple[float, float]]:
        return {m: bootstrap_interval([per_query[q][m] for q in queries], INTERVAL_DRAWS,
                                      seed=seed) for m in METRICS}

    fair = {name: parts[name] for name in FAIR_BASELINES if name in parts}
    leaky = {name: parts[name] for name in LEAKY_BASELINES if name in parts}
    best = max(fair, key=lambda name: summary(fair[name])["map"]) if fair else None
    margin = {}
    if best is not None:
        for m in METRICS:
            diff = [model[q][m] - fair[best][q][m] for q in queries]
            low, high = bootstrap_interval(diff, INTERVAL_DRAWS, seed=seed)
            margin[m] = {"mean": float(np.mean(diff)) if diff else 0.0, "low": low, "high": high}
    return {
        "queries": len(queries),
        "model": summary(model),
        "baselines": {name: summary(p) for name, p in fair.items()},
        "leaky_baselines": {name: summary(p) for name, p in leaky.items()},
        "intervals": {"model": interval(model),
                      **{name: interval(p) for name, p in fair.items()}},
        "best_fair_baseline": best,
        "margin": margin,
    }


def format_report(report: Mapping[str, Any]) -> str:
    """Return the report as a small fixed-width table, with 95% intervals."""
    def row(name: str, values: Mapping[str, float], spans: Mapping[str, Any] | None) -> str:
        cells = []
        for m in METRICS:
            span = spans.get(m) if spans else None
            cells.append(f"{values[m]:6.3f} [{span[0]:.3f}-{span[1]:.3f}]" if span
                         else f"{values[m]:6.3f}" + " " * 14)
        return f"{name:24}" + "".join(f"{c:>22}" for c in cells)

    intervals = report.get("intervals", {})
    lines = [f"queries (grants with both examiner and other citations): {report['queries']}",
             f"{'':24}" + "".join(f"{m + ' [95% CI]':>22}" for m in METRICS),
             row("model", report["model"], intervals.get("model"))]
    lines += ["fair baselines:"]
    lines += [row("  " + name, values, intervals.get(name))
              for name, values in report["baselines"].items()]
    if report.get("margin"):
        best = report["best_fair_baseline"]
        lines.append(f"model minus the best fair baseline ({best}), paired by grant "
                     "[95% CI]:")
        lines += [f"  {m:22}{report['margin'][m]['mean']:+.3f} [{report['margin'][m]['low']:+.3f}, "
                  f"{report['margin'][m]['high']:+.3f}]" for m in METRICS]
    if report.get("leaky_baselines"):
        lines.append("LEAKY, not a fair comparison (reads a proxy of the label):")
        lines += [row("  " + name, values, None)
                  for name, values in report["leaky_baselines"].items()]
    return "\n".join(lines)


def _evaluate_parts(ranker: Scorer, pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
                    seed: int, leaky: Mapping[tuple[str, int], float] | None = None
                    ) -> dict[str, PerQuery]:
    """Return per-query metrics of the model and every baseline on the rankable groups."""
    groups = np.asarray(groups)
    index = _index_in_group(groups)
    keep = np.flatnonzero(rankable(y, groups))
    pairs, y, groups = [pairs[int(i)] for i in keep], np.asarray(y)[keep], groups[keep]
    index = index[keep]
    parts = {"model": per_query_metrics(_served_scores(ranker, pairs, groups), y, groups, seed)}
    parts.update(_baselines(pairs, y, groups, seed))
    if leaky is not None and pairs:
        scores = np.array([leaky.get((g, int(i)), np.nan) for g, i in zip(groups, index)])
        parts["printed_us_class_first"] = per_query_metrics(scores, y, groups, seed)
    return parts


def _index_in_group(groups: np.ndarray) -> np.ndarray:
    """Return each row's position among the rows of its group."""
    out, seen = np.zeros(len(groups), dtype=int), dict[object, int]()
    for row, group in enumerate(groups.tolist()):
        out[row] = seen.get(group, 0)
        seen[group] = out[row] + 1
    return out


def _served_scores(ranker: Scorer, pairs: Sequence[Pair], groups: np.ndarray) -> np.ndarray:
    """Score through the serving path: one `score(query, candidates)` call per application."""
    scores = np.empty(len(pairs))
    for group in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == group)
        scores[rows] = ranker.score(pairs[int(rows[0])][0], [pairs[int(i)][1] for i in rows])
    return scores


def _baselines(pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
               seed: int) -> dict[str, PerQuery]:
    """Return the per-query metrics of every fair baseline (no label is looked at)."""
    X = PairFeatures().fit(pairs).transform(pairs) if pairs else np.empty((0, len(FEATURE_NAMES)))
    rng = np.random.default_rng(seed)
    draws = [per_query_metrics(rng.random(len(pairs)), y, groups, seed + k)
             for k in range(RANDOM_DRAWS)]
    random = {q: {m: float(np.mean([d[q][m] for d in draws])) for m in METRICS}
              for q in (draws[0] if draws else {})}
    dates = np.array([c.publication_date.toordinal() if c.publication_date else np.nan
                      for _, c in pairs], dtype=float)
    us = np.array([c.kind == "us" for _, c in pairs], dtype=float)
    span = (np.nanmax(dates) - np.nanmin(dates) + 1) if np.isfinite(dates).any() else 1.0
    scores = {
        "text_similarity": X[:, FEATURE_NAMES.index("sim_best_claim")],
        "same_class_first": deepest_shared_class(X)[0],
        "newest_first": dates,
        # US patent documents first, newest first within each: what an examiner would skim.
        "us_patents_newest_first": us * 2 * span + np.nan_to_num(dates - np.nanmin(dates)
                                                                 if np.isfinite(dates).any()
                                                                 else dates),
    }
    return {"random": random,
            **{name: per_query_metrics(s, y, groups, seed) for name, s in scores.items()}}
