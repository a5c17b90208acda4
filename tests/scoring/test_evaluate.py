"""evaluate and cross_validate_grants on hand-made grants: shape, filtering, fairness."""
from __future__ import annotations

import numpy as np

from scoring import HeuristicRanker, Ranker, cross_validate_grants, evaluate, examples_from_grants
from scoring.evaluate import BASELINES, format_report

from .helpers import grant, mixed_references, reference

METRICS = {"map", "ndcg@10", "p@10"}


def grants(n: int = 10):
    only_examiner = grant("20000001", [reference("cited by examiner", "1"),
                                       reference("cited by examiner", "2")])
    return [grant(f"1000{i:04d}", mixed_references(i)) for i in range(n)] + [only_examiner]


def assert_report_shape(report):
    assert set(report) == {"queries", "model", "baselines"}
    assert set(report["model"]) == METRICS
    assert set(report["baselines"]) == set(BASELINES)
    assert all(set(m) == METRICS for m in report["baselines"].values())


def test_evaluate_report_shape_and_skipped_grants():
    ranker = Ranker().fit(*examples_from_grants(grants()))
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

    class Spy(Ranker):
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

