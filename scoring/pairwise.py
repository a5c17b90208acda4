"""A linear pairwise ranker (RankNet / RankSVM style) as a scikit-learn classifier.

Examiner citation rates differ a lot between applications (some lists are all applicant
dumps), so a pointwise classifier learns much about which application a row came from and
little about which candidate of one application is better. Fitting a logistic regression
on feature differences between a relevant and an irrelevant candidate of the same group
learns only the within-application ordering; a one-dimensional Platt fit afterwards (on the
training scores, L2-regularised so a perfectly separated handful of applications cannot make
it certain) turns the ranking score into a probability for display.

Weights listed in `nonnegative` are bounded at zero: domain knowledge says that more text
similarity, class overlap or community support never makes a candidate less relevant, and
the bound keeps an artifact of the training source (e.g. terse NPL citation strings) from
teaching the opposite.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data


# scikit-learn ships no type information: its bases are Any to mypy.
class PairwiseLogisticRanker(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Binary classifier whose decision function is a linear pairwise ranking score.

    fit(X, y, groups): every (relevant, irrelevant) pair within a group becomes one
    difference vector; each group's pairs are weighted to sum to one so that every
    application counts the same, as in MAP. Without groups all rows form one group.
    C is the inverse L2 strength of the pairwise logistic regression; the penalty pulls
    the weights toward `prior` (one weight per column, zeros when None), so a column the
    data cannot inform keeps its prior weight. nonnegative lists column indices whose
    weight may not go below zero.
    """

    def __init__(self, C: float = 1.0, nonnegative: Sequence[int] = (),
                 max_pairs_per_group: int = 2_000, random_state: int = 0,
                 prior: Sequence[float] | None = None) -> None:
        self.C = C
        self.nonnegative = nonnegative
        self.prior = prior
        self.max_pairs_per_group = max_pairs_per_group
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None
            ) -> PairwiseLogisticRanker:
        """Fit the ranking weights on within-group pairs, then calibrate probabilities."""
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError("Only binary classification is supported. "
                             f"The type of the target is {y_type}.")
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError("PairwiseLogisticRanker needs 2 classes to rank, got 1 class")
        positive = y == self.classes_[1]
        groups = np.zeros(len(y)) if groups is None else np.asarray(groups)
        diffs, weights = self._pair_differences(X, positive, groups)
        if not len(diffs):
            raise ValueError("no group holds both classes: nothing to rank")
        self.ranking_coef_ = self._fit_weights(diffs, weights)
        self.coef_, self.intercept_ = self._calibrate(X @ self.ranking_coef_, positive)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Return the calibrated log-odds, X @ coef_ + intercept_, ordered as the ranking."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        margin: np.ndarray = X @ self.coef_ + self.intercept_
        return margin

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Return calibrated class probabilities, columns in classes_ order."""
        positive = sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return the more probable class of each row."""
        check_is_fitted(self, "coef_")
        predicted: np.ndarray = self.classes_[(self.decision_function(X) > 0).astype(int)]
        return predicted

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _fit_weights(self, diffs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Return w minimising sum(weight * log(1 + exp(-diff @ w))) + |w - prior|^2 / (2 C)."""
        prior = np.zeros(diffs.shape[1]) if self.prior is None else \
            np.asarray(self.prior, dtype=float)
        if prior.shape != (diffs.shape[1],):
            raise ValueError(f"prior has {prior.size} weights for {diffs.shape[1]} columns")

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            margin = diffs @ w
            value = weights @ np.logaddexp(0.0, -margin) + (w - prior) @ (w - prior) / (2 * self.C)
            slope = -(weights * sigmoid(-margin)) @ diffs + (w - prior) / self.C
            return float(value), slope

        bounded = set(self.nonnegative)
        bounds = [(0.0, None) if j in bounded else (None, None) for j in range(diffs.shape[1])]
        start = np.array([max(p, 0.0) if j in bounded else p for j, p in enumerate(prior)])
        result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
        return np.asarray(result.x, dtype=float)

    def _calibrate(self, scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, float]:
        """Return (coef_, intercept_): Platt scaling folded into the ranking weights.

        The slope is kept non-negative so calibration can never reverse the ranking; a zero
        slope (weights that do not separate the training data) predicts the base rate.
        """
        # Ordinary L2 (C=1), not a near-unpenalised fit: the scores are in-sample, and on a
        # few applications the weights separate them perfectly, which sent an unpenalised
        # slope toward infinity and showed examiners 0.99999999. With many rows the penalty
        # is negligible.
        platt = LogisticRegression(C=1.0, max_iter=5_000).fit(scores[:, None], positive)
        slope = max(float(platt.coef_[0, 0]), 0.0)
        if slope == 0.0:
            rate = float(np.clip(positive.mean(), 1e-6, 1 - 1e-6))
            return np.zeros_like(self.ranking_coef_), float(np.log(rate / (1 - rate)))
        return slope * self.ranking_coef_, float(platt.intercept_[0])

    def _pair_differences(self, X: np.ndarray, positive: np.ndarray, groups: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Return (relevant - irrelevant) rows of every group and their weights."""
        rng = np.random.default_rng(self.random_state)
        diffs, weights = [], []
        for group in np.unique(groups):
            rows = groups == group
            pos, neg = np.flatnonzero(rows & positive), np.flatnonzero(rows & ~positive)
            if not (pos.size and neg.size):
                continue
            a, b = np.repeat(pos, neg.size), np.tile(neg, pos.size)
            if a.size > self.max_pairs_per_group:  # bound memory on long reference lists
                keep = rng.choice(a.size, self.max_pairs_per_group, replace=False)
                a, b = a[keep], b[keep]
            diffs.append(X[a] - X[b])
            weights.append(np.full(a.size, 1.0 / a.size))
        if not diffs:
            return np.empty((0, X.shape[1])), np.empty(0)
        return np.vstack(diffs), np.concatenate(weights)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of x."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic
