"""Ranking metrics on lists small enough to check by hand."""
from __future__ import annotations

import numpy as np
import pytest

from scoring.metrics import (
    average_precision,
    grouped_metrics,
    ndcg_at,
    order_by_score,
    precision_at,
    rank_metrics,
    rankable,
)


def test_average_precision():
    assert average_precision([1, 0, 1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0, 0, 1]) == pytest.approx(1 / 3)
    assert average_precision([0, 0]) == 0.0


def test_ndcg_at_10():
    assert ndcg_at([1, 1, 0]) == pytest.approx(1.0)
    assert ndcg_at([0, 1]) == pytest.approx(1 / np.log2(3))
    assert ndcg_at([0] * 10 + [1]) == 0.0  # beyond the cut-off
    assert ndcg_at([0, 0]) == 0.0


def test_precision_at_10_divides_by_ten():
    assert precision_at([1, 1, 1] + [0] * 9) == pytest.approx(0.3)
    assert precision_at([1, 1]) == pytest.approx(0.2)


def test_order_puts_unknown_last_and_breaks_ties_at_random():
    rng = np.random.default_rng(0)
    order = order_by_score(np.array([0.2, np.nan, 0.9, 0.2]), rng)
    assert order[0] == 2 and order[-1] == 1
    firsts = {int(order_by_score(np.zeros(4), np.random.default_rng(s))[0]) for s in range(30)}
    assert firsts == {0, 1, 2, 3}


def test_constant_scores_score_at_chance_level():
    labels = [np.array([1] + [0] * 9)] * 400
    chance = rank_metrics([np.zeros(10)] * 400, labels, seed=1)
    perfect = rank_metrics([np.arange(10, 0, -1)] * 400, labels)
    assert perfect["map"] == 1.0
    # expected AP of one relevant item among 10 at a uniform position: mean of 1/k
    assert chance["map"] == pytest.approx(np.mean(1 / np.arange(1, 11)), abs=0.03)


def test_grouped_metrics_skip_groups_without_both_labels():
    y = np.array([1, 0, 1, 1, 0, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    assert rankable(y, groups).tolist() == [True, True, False, False, False, False]
    assert grouped_metrics(np.array([0.9, 0.1, 0, 0, 0, 0]), y, groups)["map"] == 1.0
    assert grouped_metrics(np.array([0.1, 0.9, 0, 0, 0, 0]), y, groups)["map"] == 0.5
