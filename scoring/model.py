"""The learned ranker, its heuristic stand-in, and their save/load (signed: see integrity).

Typical use by the app:

    ranker = load_ranker(model_path, key=app.secret_key)   # heuristic when no model yet
    for candidate, score, explanation in ranker.rank(query, candidates): ...
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import ClassifierMixin, clone
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .explain import (
    Context,
    Explanation,
    group_columns,
    linear_contributions,
    replacement_contributions,
    top_reasons,
)
from .features import NONNEGATIVE_FEATURES, PairFeatures
from .inputs import FEATURE_NAMES, Candidate, Pair, QueryDoc
from .integrity import (
    FORMAT,
    ModelIntegrityError,
    check_key,
    metadata_path,
    sign_metadata,
    training_data_sha256,
    verified_metadata,
)
from .metrics import mean_metrics, per_query_metrics
from .pairwise import PairwiseLogisticRanker, sigmoid
from .priors import PRIOR_WEIGHTS, NeutralFill, center_vector, prior_vector
from .text import unique_texts

# Inverse strength of the pull toward the prior weights (standardized units). Each
# application or grant weighs 1 in the pairwise loss, so the prior counts about as much as
# 1 / (2 x PRIOR_C) applications: it decides alone only where there is no data (a signal
# without labels keeps its prior), and yields once a handful of applications disagree.
# 10 was chosen in session 4 on the shared grants' held-out split and grouped cross-validation,
# then re-checked on cross-validation alone (C from 1 to 100) in session 5; docs/RANKING.md says
# what that means for the held-out figures.
PRIOR_C = 10.0
# Model metadata lists the groups (grant publication numbers, "application:<id>") it was trained
# on as the first GROUP_DIGEST_HEX hex digits of each id's SHA-256, concatenated in order:
# compact (a week of grants is tens of kilobytes), and a false match among a million trained
# groups has odds of about 1 in 280 million per group looked up.
GROUP_DIGEST_HEX = 12
Ranked = list[tuple[Candidate, float, Explanation]]
Labels = Sequence[int] | np.ndarray  # 1: the examiner relied on it
Groups = Sequence[Any] | np.ndarray | None  # one group per application


class RankingModel:
    """A fitted ranking pipeline for one site, with its metadata and signed file format.

    Not a scikit-learn estimator (it wraps one): `fit(pairs, y, groups)` trains the
    pipeline features -> neutral fill -> median imputation -> standardization -> a pairwise
    logistic ranker pulled toward the prior weights, whose similarity, class and community
    weights may not go negative; `score(query, candidates)` / `rank(...)` serve one
    application. Another classifier can be passed as `estimator`; it then receives the raw
    feature matrix, NaN included (HistGradientBoosting handles NaN, but scikit-learn 1.9
    fails on a column that is NaN throughout, as community signals are in the grant
    bootstrap), and is explained by median replacement. score() is a calibrated probability.
    """

    is_heuristic = False

    def __init__(self, C: float = PRIOR_C, estimator: ClassifierMixin | None = None,
                 features: PairFeatures | None = None) -> None:
        self.pipeline = _make_pipeline(C, estimator, features)
        self.metadata: dict[str, Any] = {}

    # -- training

    def unfitted_copy(self) -> RankingModel:
        """Return a new, untrained RankingModel with the same settings."""
        copy = RankingModel.__new__(RankingModel)
        copy.pipeline, copy.metadata = clone(self.pipeline), {}
        return copy

    def fit(self, pairs: Sequence[Pair], y: Labels, groups: Groups = None,
            description: str = "", cv_splits: int = 0) -> RankingModel:
        """Fit on labelled pairs; groups default to each pair's application id.

        With cv_splits > 1 the same data is first cross-validated (grouped by application)
        and the metrics go into the metadata saved with the model.
        """
        rows, labels, by = _check_training(pairs, y, groups)
        cv_metrics = self.cross_validate(rows, labels, by, cv_splits) if cv_splits > 1 else None
        if self._is_linear():
            # The prior is in the features' own units; the ranker sees standardized ones.
            Xs = self.pipeline[:-1].fit_transform(rows, labels)
            clf = self.pipeline.steps[-1][1]
            clf.set_params(prior=prior_vector() * self.pipeline.named_steps["scale"].scale_)
            clf.fit(Xs, labels, groups=by)
        else:
            self.pipeline.fit(rows, labels, **_group_params(self.pipeline, by))
        X = self._features().transform(rows)
        self.medians_ = _nanmedian(X)
        self.metadata = self._training_metadata(rows, labels, by, description)
        self.metadata["cv_metrics"] = cv_metrics and {"n_splits": cv_splits, **cv_metrics}
        return self

    def cross_validate(self, pairs: Sequence[Pair], y: Labels, groups: Groups = None,
                       n_splits: int = 5
                       ) -> dict[str, float]:
        """Return MAP / NDCG@10 / P@10 over the rankable groups of GroupKFold's test folds."""
        rows, labels, by = _check_training(pairs, y, groups)
        # Pooled group by group, never a mean of fold means: GroupKFold balances rows, not
        # rankable groups, so a fold may test none, and its empty mean (0) would count.
        pooled: dict[Any, dict[str, float]] = {}
        for train, test in GroupKFold(n_splits=n_splits).split(rows, labels, by):
            model = self.unfitted_copy().fit([rows[i] for i in train], labels[train], by[train])
            scores = model._proba(model._features().transform([rows[i] for i in test]))
            pooled.update(per_query_metrics(scores, labels[test], by[test]))
        return mean_metrics(list(pooled.values()))

    # -- serving

    def score(self, query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray:
        """Return each candidate's probability that the examiner relies on it."""
        if not candidates:
            return np.empty(0)
        return self._proba(self._features().transform([(query, c) for c in candidates]))

    def rank(self, query: QueryDoc, candidates: Sequence[Candidate], reasons: int = 3) -> Ranked:
        """Return (candidate, score, explanation) triples, best first."""
        if not candidates:
            return []
        pairs = [(query, c) for c in candidates]
        X = self._features().transform(pairs)
        contributions, method = self._contributions(X)
        return _ranked(pairs, self._proba(X), X, contributions, method, self._features(), reasons)

    @property
    def feature_names(self) -> list[str]:
        """Return the feature names in the order the model sees them."""
        return list(FEATURE_NAMES)

    # -- persistence

    def save(self, path: str | Path, key: bytes) -> Path:
        """Write the model to `path` (joblib) and its signed metadata beside it (.json)."""
        check_key(key)
        if not hasattr(self, "medians_"):
            raise ValueError("this RankingModel is not fitted: nothing to save")
        path = Path(path)
        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        blob = buffer.getvalue()
        meta = {**self.metadata, "format": FORMAT, "model_sha256": hashlib.sha256(blob).hexdigest()}
        # Sign exactly what load will read back: the JSON form, not the Python objects.
        meta = json.loads(json.dumps(meta, default=str))
        meta["hmac_sha256"] = sign_metadata(meta, key)
        path.write_bytes(blob)
        meta_path = metadata_path(path)
        meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return meta_path

    @classmethod
    def load(cls, path: str | Path, key: bytes) -> RankingModel:
        """Load a model this project saved, after checking its HMAC and SHA-256."""
        check_key(key)
        path = Path(path)
        meta = verified_metadata(path, key)
        if meta.get("feature_names") != list(FEATURE_NAMES):
            raise ModelIntegrityError(
                f"{path} was trained on another feature set "
                f"({len(meta.get('feature_names') or [])} features; this version computes "
                f"{len(FEATURE_NAMES)}): train a new model (reviewapp ranker train)")
        blob = path.read_bytes()
        if not hmac.compare_digest(hashlib.sha256(blob).hexdigest(), meta["model_sha256"]):
            raise ModelIntegrityError(
                f"{path} does not match the SHA-256 in its metadata: refusing to load it")
        # Unpickle only the bytes just verified, never a second read of the file.
        model = joblib.load(io.BytesIO(blob))
        if not isinstance(model, cls):
            raise ModelIntegrityError(
                f"{path} holds a {type(model).__name__}, not a {cls.__name__}")
        model.metadata = meta
        return model

    # -- helpers

    def _contributions(self, X: np.ndarray) -> tuple[dict[str, np.ndarray], str]:
        if self._is_linear():
            coef = self.pipeline.steps[-1][1].coef_
            return (linear_contributions(coef, self._standardized(X), FEATURE_NAMES),
                    "coefficient x standardized value (log-odds)")
        margin = lambda Z: _margin(self.pipeline[1:], Z)
        return (replacement_contributions(margin, X, self.medians_, FEATURE_NAMES),
                "change when set to the training median (log-odds)")

    def _features(self) -> PairFeatures:
        features: PairFeatures = self.pipeline.named_steps["features"]
        return features

    def _is_linear(self) -> bool:
        return isinstance(self.pipeline.steps[-1][1], PairwiseLogisticRanker)

    def _standardized(self, X: np.ndarray) -> np.ndarray:
        """Impute and scale X exactly as the fitted pipeline does, in plain numpy.

        SimpleImputer retries a failing `import pandas` on every call where pandas is not
        installed; at several milliseconds a call, serving cannot afford it.
        """
        impute, scale = self.pipeline.named_steps["impute"], self.pipeline.named_steps["scale"]
        return np.asarray((np.where(np.isnan(X), impute.statistics_, X) - scale.mean_)
                          / scale.scale_, dtype=float)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        """Return P(examiner relies) from an already computed feature matrix."""
        if self._is_linear():
            clf = self.pipeline.steps[-1][1]
            return sigmoid(self._standardized(X) @ clf.coef_ + clf.intercept_)
        return np.asarray(self.pipeline[1:].predict_proba(X)[:, 1], dtype=float)

    def _training_metadata(self, pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
                           description: str) -> dict[str, Any]:
        clf = self.pipeline.steps[-1][1]
        meta: dict[str, Any] = {
            "model": type(clf).__name__,
            "heuristic": False,
            "feature_names": self.feature_names,
            "sklearn_version": sklearn.__version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "training_data": {
                "description": description,
                "sha256": training_data_sha256(pairs, y, groups),
                "pairs": len(pairs), "queries": len(set(groups.tolist())),
                "positives": int(y.sum()),
            },
            "cv_metrics": None,
            "training_groups": "".join(sorted({group_digest(g) for g in groups.tolist()})),
        }
        if hasattr(clf, "coef_"):
            meta["coefficients"] = dict(zip(self.feature_names, map(float, np.ravel(clf.coef_))))
        if self._is_linear():
            # Learned weights in the features' own units, beside the priors they started from.
            scale = self.pipeline.named_steps["scale"].scale_
            meta["prior_weights"] = dict(PRIOR_WEIGHTS)
            meta["learned_weights"] = dict(zip(self.feature_names,
                                               map(float, clf.ranking_coef_ / scale)))
        return meta


class HeuristicRanker:
    """Serve the documented prior weights (scoring.priors) until a trained model exists.

    score = sum over features of prior weight x (value - neutral value), unknown values
    adding nothing; text similarity is TF-IDF cosine with a vocabulary from this
    application and its candidates. On top, the law: a foreign or non-patent document
    published after priority cannot be prior art (a later-published US patent document
    still can, through its filing date), so it loses LATE_PENALTY. Scores order
    candidates; unlike RankingModel's they are not probabilities.
    """

    is_heuristic = True
    LATE_PENALTY = -1.0

    def __init__(self, features: PairFeatures | None = None) -> None:
        self.features = features if features is not None else PairFeatures()
        self.metadata: dict[str, Any] = {
            "model": "heuristic", "heuristic": True,
            "description": "documented prior weights, no training: "
                           + " ".join((self.__doc__ or "").split()),
            "prior_weights": dict(PRIOR_WEIGHTS),
        }

    def score(self, query: QueryDoc, candidates: Sequence[Candidate]) -> np.ndarray:
        """Return the prior-weight score of each candidate."""
        if not candidates:
            return np.empty(0)
        _, terms = self._terms(query, candidates)
        return np.asarray(np.sum(list(terms.values()), axis=0), dtype=float)

    def rank(self, query: QueryDoc, candidates: Sequence[Candidate], reasons: int = 3) -> Ranked:
        """Return (candidate, score, explanation) triples, best first."""
        if not candidates:
            return []
        pairs = [(query, c) for c in candidates]
        (features, X), terms = self._terms(query, candidates)
        scores = np.sum(list(terms.values()), axis=0)
        return _ranked(pairs, scores, X, terms, "heuristic: documented prior weights, not learned",
                       features, reasons)

    def _terms(self, query: QueryDoc, candidates: Sequence[Candidate]
               ) -> tuple[tuple[PairFeatures, np.ndarray], dict[str, np.ndarray]]:
        """Return the fitted features, their matrix and each feature group's weighted term."""
        pairs = [(query, c) for c in candidates]
        features = self._fitted_features(pairs)
        X = features.transform(pairs)
        effects = np.where(np.isnan(X), 0.0, (X - center_vector()) * prior_vector())
        terms = {group: effects[:, idx].sum(axis=1)
                 for group, idx in group_columns(FEATURE_NAMES).items() if idx.size}
        col = {name: np.nan_to_num(X[:, i]) for i, name in enumerate(FEATURE_NAMES)}
        terms["date"] = terms["date"] + self.LATE_PENALTY * col["after_priority"] * (
            1.0 - col["kind_us"])
        return (features, X), terms

    def _fitted_features(self, pairs: list[Pair]) -> PairFeatures:
        """Return features fit on this application's texts, reused while they are unchanged."""
        corpus = tuple(unique_texts(pairs))
        cached = self.__dict__.get("_last_fit")
        if cached is None or cached[0] != corpus:
            cached = (corpus, clone(self.features).fit(pairs))
            self._last_fit = cached  # one entry: an examiner re-reads the same application
        features: PairFeatures = cached[1]
        return features


# ---------------------------------------------------------------- training groups

def group_digest(group: Any) -> str:
    """Return the short SHA-256 digest under which model metadata lists a training group."""
    return hashlib.sha256(str(group).encode()).hexdigest()[:GROUP_DIGEST_HEX]


def trained_groups(metadata: dict[str, Any], groups: Sequence[Any]) -> set[Any] | None:
    """Return which of `groups` a model was trained on; None if its metadata does not say."""
    listed = metadata.get("training_groups")
    if not isinstance(listed, str):  # saved before the list was kept
        return None
    digests = {listed[i:i + GROUP_DIGEST_HEX] for i in range(0, len(listed), GROUP_DIGEST_HEX)}
    return {group for group in groups if group_digest(group) in digests}


# ---------------------------------------------------------------- loading

def load_ranker(path: str | Path | None, key: bytes) -> RankingModel | HeuristicRanker:
    """Return the saved model at `path`, or the heuristic when there is no model file yet.

    A model file that exists but fails verification raises ModelIntegrityError: a tampered
    model is an incident to see, not something to paper over with the heuristic.
    """
    if path is None or not Path(path).exists():
        return HeuristicRanker()
    return RankingModel.load(path, key)


# ---------------------------------------------------------------- model helpers

def _make_pipeline(C: float, estimator: ClassifierMixin | None,
                   features: PairFeatures | None) -> Pipeline:
    features = features if features is not None else PairFeatures()
    if estimator is not None:
        return Pipeline([("features", features), ("neutral", NeutralFill()), ("clf", estimator)])
    nonnegative = [i for i, name in enumerate(FEATURE_NAMES) if name in NONNEGATIVE_FEATURES]
    # No missing-value indicators: in the bootstrap data missingness follows the source
    # (patents have no text, NPL no date), a pattern volunteer submissions will not share.
    return Pipeline([
        ("features", features),
        ("neutral", NeutralFill()),
        ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
        ("scale", StandardScaler()),
        ("clf", PairwiseLogisticRanker(C=C, nonnegative=nonnegative)),
    ])


def _check_training(pairs: Sequence[Pair], y: Labels, groups: Groups
                    ) -> tuple[list[Pair], np.ndarray, np.ndarray]:
    rows = list(pairs)
    labels = np.asarray(y, dtype=int)
    if len(rows) != len(labels):
        raise ValueError(f"{len(rows)} pairs but {len(labels)} labels")
    by = np.asarray([q.id for q, _ in rows] if groups is None else groups, dtype=object)
    return rows, labels, by


def _group_params(pipeline: Pipeline, groups: np.ndarray) -> dict[str, np.ndarray]:
    """Route groups to the final step when it ranks within groups."""
    name, clf = pipeline.steps[-1]
    return {f"{name}__groups": groups} if isinstance(clf, PairwiseLogisticRanker) else {}


def _margin(model: Pipeline, X: np.ndarray) -> np.ndarray:
    """Return a score on the log-odds scale from any fitted classifier pipeline."""
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(X), dtype=float)
    p = np.clip(model.predict_proba(X)[:, 1], 1e-12, 1 - 1e-12)
    return np.asarray(np.log(p / (1 - p)), dtype=float)


def _nanmedian(X: np.ndarray) -> np.ndarray:
    """Return column medians of the known values (NaN for a never-known column)."""
    out = np.full(X.shape[1], np.nan)
    known = ~np.isnan(X).all(axis=0)
    out[known] = np.nanmedian(X[:, known], axis=0)
    return out


def _ranked(pairs: Sequence[Pair], scores: np.ndarray, X: np.ndarray,
            contributions: dict[str, np.ndarray], method: str, features: PairFeatures,
            reasons: int) -> Ranked:
    """Return candidates best first (input order among equals), each explained."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    best_claims = features.best_claims(pairs)
    groups = list(contributions)
    effects = np.column_stack([contributions[g] for g in groups])
    out: Ranked = []
    for i in order:
        query, candidate = pairs[i]
        context = Context(query, candidate, best_claims[i])
        row = dict(zip(FEATURE_NAMES, X[i]))
        explanation = top_reasons(groups, effects[i], row, context, method, reasons)
        out.append((candidate, float(scores[i]), explanation))
    return out

