"""evaluate and cross_validate_grants on hand-made grants: shape, filtering, fairness."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scoring import HeuristicRanker, RankingModel, cross_validate_grants, examples_from_grants
from scoring.evaluate import BASELINES, LEAKY_BASELINES, evaluate, format_report
from scoring.metrics import bootstrap_interval

from .helpers import grant, mixed_references, reference

METRICS = {"map", "ndcg@10", "p@10"}


def grants(n: int = 10):
    only_examiner = grant("20000001", [reference("cited by examiner", "1"),
                                       reference("cited by examiner", "2")])
    return [grant(f"1000{i:04d}", mixed_references(i)) for i in range(n)] + [only_examiner]


def assert_report_shape(report):
    assert set(report) == {"queries", "model", "baselines", "leaky_baselines", "intervals",
                           "best_fair_baseline", "margin"}
    assert set(report["model"]) == METRICS
    assert set(report["baselines"]) == set(BASELINES)
    assert set(report["leaky_baselines"]) == set(LEAKY_BASELINES)
    assert not set(report["baselines"]) & set(LEAKY_BASELINES)
    assert all(set(m) == METRICS for m in report["baselines"].values())
    for name, spans in report["intervals"].items():
        values = report["model"] if name == "model" else report["baselines"][name]
        assert all(spans[m][0] <= values[m] <= spans[m][1] for m in METRICS)


def test_evaluate_report_shape_and_skipped_grants():
    ranker = RankingModel().fit(*examples_from_grants(grants()))
    report = evaluate(ranker, grants())
    assert_report_shape(report)
    assert report["queries"] == 10  # the examiner-only grant cannot be ranked


def test_baselines_behave_as_named():
    report = evaluate(HeuristicRanker(), grants())
    base = report["baselines"]
    # examiner citations are the newest references of every hand-made grant
    assert base["newest_first"]["map"] == 1.0
    assert base["random"]["map"] < 0.8
    assert 0 < base["text_similarity"]["map"] < 1 and 0 < base["same_class_first"]["map"] < 1


def test_cross_validation_trains_only_on_other_folds():
    seen = []

    class Spy(RankingModel):
        def fit(self, pairs, y, groups=None, **kwargs):
            seen.append(set(np.asarray(groups).tolist()))
            return super().fit(pairs, y, groups, **kwargs)

    report = cross_validate_grants(grants(), n_splits=5, make_ranker=Spy)
    assert_report_shape(report)
    assert report["queries"] == 10 and len(seen) == 5
    all_groups = set().union(*seen)
    assert all(len(all_groups - s) >= 2 for s in seen)  # each fold held its grants out
    assert report["model"]["map"] > report["baselines"]["random"]["map"]
    assert "newest_first" in format_report(report)



def test_the_margin_is_over_the_best_fair_baseline_never_a_leaky_one():
    # Every examiner citation prints a US class here, no other does: the leaky baseline is
    # perfect, and must neither count as the best baseline nor sit among the fair ones.
    printed = [grant(g.doc_number, [dataclasses.replace(
        r, us_class=r.us_class if r.category == "cited by examiner" else "")
        for r in g.references]) for g in grants()]
    report = evaluate(HeuristicRanker(), printed)
    assert report["leaky_baselines"]["printed_us_class_first"]["map"] == 1.0
    best = report["best_fair_baseline"]
    assert best in BASELINES
    assert report["baselines"][best]["map"] == max(b["map"] for b in report["baselines"].values())
    margin = report["margin"]["map"]
    difference = report["model"]["map"] - report["baselines"][best]["map"]
    assert margin["mean"] == pytest.approx(difference)
    assert margin["low"] <= margin["mean"] <= margin["high"]
    text = format_report(report)
    assert text.index("LEAKY") > text.index("fair baselines")


def test_bootstrap_interval_widens_with_spread_and_holds_the_mean():
    assert bootstrap_interval([0.5] * 20) == (0.5, 0.5)
    low, high = bootstrap_interval([0.0, 1.0] * 10)
    assert low < 0.5 < high
    narrow = bootstrap_interval([0.4, 0.6] * 10)
    assert high - low > narrow[1] - narrow[0]
