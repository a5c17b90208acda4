"""PairwiseLogisticRanker: scikit-learn's full estimator suite and its ranking behaviour."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from scoring.pairwise import PairwiseLogisticRanker


@parametrize_with_checks([PairwiseLogisticRanker()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def grouped_data(seed: int = 0, n_groups: int = 40, size: int = 12):
    """Return X = [within-group signal, group base rate, noise], y and groups.

    The base rate column is constant inside a group and tracks how many positives the
    group holds: it predicts y across groups but cannot order candidates within one.
    """
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for g in range(n_groups):
        rate = rng.uniform(0.1, 0.6)
        signal = rng.normal(size=size)
        y = (signal + rng.normal(scale=0.5, size=size) > np.quantile(signal, 1 - rate)).astype(int)
        y[np.argmax(signal)], y[np.argmin(signal)] = 1, 0
        rows.append(np.column_stack([signal, np.full(size, rate), rng.normal(size=size)]))
        labels.append(y)
        groups.append(np.full(size, g))
    return np.vstack(rows), np.concatenate(labels), np.concatenate(groups)


def test_learns_within_group_order_and_ignores_group_level_columns():
    X, y, groups = grouped_data()
    ranker = PairwiseLogisticRanker().fit(X, y, groups=groups)
    assert ranker.ranking_coef_[0] > 0.5
    assert abs(ranker.ranking_coef_[1]) < 1e-6  # differences within a group cancel it
    # A pointwise model leans on the group-level column: the reason for ranking pairwise.
    assert LogisticRegression().fit(X, y).coef_[0, 1] > 0.5


def test_nonnegative_weights_stay_at_or_above_zero():
    X, y, groups = grouped_data()
    X = np.column_stack([X, -X[:, 0]])  # a column that clearly hurts
    free = PairwiseLogisticRanker().fit(X, y, groups=groups)
    bounded = PairwiseLogisticRanker(nonnegative=[3]).fit(X, y, groups=groups)
    assert free.ranking_coef_[3] < 0
    assert bounded.ranking_coef_[3] == 0.0


def test_calibration_keeps_the_ranking_and_gives_probabilities():
    X, y, groups = grouped_data()
    ranker = PairwiseLogisticRanker().fit(X, y, groups=groups)
    order_raw = np.argsort(X @ ranker.ranking_coef_, kind="stable")
    order_cal = np.argsort(ranker.decision_function(X), kind="stable")
    np.testing.assert_array_equal(order_raw, order_cal)
    proba = ranker.predict_proba(X)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert abs(proba[:, 1].mean() - y.mean()) < 0.05


def test_calibration_on_a_few_separable_applications_stays_short_of_certainty():
    # Four applications of four items, the used ones always ahead: the in-sample scores
    # separate perfectly, and an unpenalised Platt fit answered 1e-9 and 1.0.
    offsets = [0.0, 0.3, -0.2, 0.5]
    X = np.array([[label + offsets[(g + i) % 4] * 0.3, offsets[i] - offsets[g]]
                  for g in range(4) for i, label in enumerate([1, 0, 1, 0])])
    y, groups = np.tile([1, 0, 1, 0], 4), np.repeat(np.arange(4), 4)
    proba = PairwiseLogisticRanker(C=10.0).fit(X, y, groups=groups).predict_proba(X)[:, 1]
    assert np.all(proba[y == 1] > proba[y == 0].max())  # still ranked perfectly
    assert 0.01 < proba.min() and proba.max() < 0.99


def test_without_groups_all_rows_are_one_group():
    X, y, _ = grouped_data(n_groups=5)
    assert PairwiseLogisticRanker().fit(X, y).ranking_coef_[0] > 0


def test_refuses_when_no_group_has_both_classes():
    X = np.arange(8, dtype=float).reshape(4, 2)
    with pytest.raises(ValueError, match="nothing to rank"):
        PairwiseLogisticRanker().fit(X, [1, 1, 0, 0], groups=[0, 0, 1, 1])


def test_long_lists_are_subsampled_deterministically():
    X, y, groups = grouped_data(size=60, n_groups=6)
    a = PairwiseLogisticRanker(max_pairs_per_group=50).fit(X, y, groups=groups)
    b = PairwiseLogisticRanker(max_pairs_per_group=50).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.ranking_coef_[0] > 0
