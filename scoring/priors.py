"""Prior weights: what each signal is worth before any examiner verdict, and why.

The day-one ranker (`HeuristicRanker`) scores with these weights; the trained `RankingModel` is
pulled toward them (its L2 penalty is on w - prior, not on w), so a signal the training
data says nothing about (community votes in a grant bootstrap, say) keeps its prior weight
instead of dropping to zero, and verdicts move a weight only as far as they show.

Units: log-odds per unit of the feature as `PairFeatures` computes it (cosine 0-1, log1p
of counts or years, 0/1 flags, net votes, a rate 0-1). `CENTER` is the value at which a
feature adds nothing in the heuristic and what an unknown value stands for in both models.
Where each weight comes from is written beside it and in docs/RANKING.md:

[P2P-1] Peer To Patent: First Anniversary Report, Center for Patent Innovations, New York
        Law School (June 2008); [P2P-2] Second Anniversary Report (June 2009): examiners
        used community-found art in about a quarter of reviewed applications; the community
        rating chose what was forwarded.
[AGS]   Alcacer, Gittelman & Sampat, "Applicant and examiner citations in U.S. patents: an
        overview and analysis", Research Policy 38(2), 2009: examiners add a large share of
        citations, especially to patents of foreign applicants; applicant citations hold
        most self-citations and most non-patent and foreign references.
[AG]    Alcacer & Gittelman, "Patent citations as a measure of knowledge flows: the influence
        of examiner citations", Review of Economics and Statistics 88(4), 2006.
[CV]    Criscuolo & Verspagen, "Does it matter where patent citations come from? Inventor vs.
        examiner citations in European patents", Research Policy 37(10), 2008: inventors
        cite geographically closer and own art more than examiners do.
[CLS]   Cotropia, Lemley & Sampat, "Do applicant patent citations matter?", Research Policy
        42(4), 2013: examiners rarely rely on applicant-submitted art in rejections; they
        rely on what they find by searching the claims' subject matter.
[KYM]   Kuhn, Younge & Marco, "Patent citations reexamined", RAND Journal of Economics 51(1),
        2020: textual similarity between citing and cited patents as a measure of relevance.
[OPA]   This project's own count on the shared 2005-2013 grants (docs/RANKING.md): share of
        examiner citations by kind and kind code; newest-first orders them above chance.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .inputs import FEATURE_NAMES

PRIOR_WEIGHTS: dict[str, float] = {
    # content [KYM], [CLS]: art close to the claims is what examiners rely on
    "sim_best_claim": 4.0,
    "sim_weighted_mean": 1.0,
    "sim_title_abstract": 1.0,
    "bm25_best_claim": 0.5,
    "bm25_independent": 0.5,
    "ipc_section": 0.05,
    "ipc_class": 0.1,
    "ipc_subclass": 0.3,
    "ipc_group": 0.5,
    "uspc_class": 0.2,
    "uspc_subclass": 0.3,
    # dates: prior art must predate priority; examiners cite more recent art [OPA]
    "days_before_priority": 0.0,  # carried by log_age_years (per day it would be tiny)
    "after_priority": -0.5,
    "log_age_years": -0.3,
    # kind [AGS], [OPA]: examiners cite mostly US patent documents
    "kind_us": 0.5,
    "kind_foreign": -0.5,
    "kind_npl": -0.5,
    "code_a": 0.05,
    "code_b1": 0.05,
    "code_b2": 0.3,
    "code_pub": 0.1,
    "code_s": 0.3,
    # who cites [AGS], [AG], [CV]: home-office and own art is the applicant's habit
    "same_country": -0.5,
    # community [P2P-1], [P2P-2]: the community's rating chose what the examiner read
    "n_claims_targeted": 0.05,
    "targets_independent": 0.3,
    "net_votes": 0.2,
    "endorsements": 0.3,
    "claim_marks": 0.1,
    "submitter_track_record": 2.0,
    # citation network: documents examiners cite elsewhere are the ones searches find [CLS]
    "cited_by": 0.1,
    "examiner_cited": 0.5,
    "cocited": 0.3,
    # the list [AGS], [CV], [OPA]: an applicant lists runs of one patentee's or one day's
    # documents (families) and the art its own text discusses
    "name_repeats": -0.3,
    "same_day_repeats": -0.3,
    "mentioned_in_text": -0.5,
}

# Neutral values: the prior mean of the track record is Peer To Patent's rate of examiner
# use (a quarter, [P2P-2]); an unknown age counts as five years (log1p(5) ~ 1.8).
CENTER: dict[str, float] = {"submitter_track_record": 0.25, "log_age_years": 1.8}

if set(PRIOR_WEIGHTS) != set(FEATURE_NAMES):  # a new feature needs its documented prior
    raise ImportError(f"priors and features differ: {set(PRIOR_WEIGHTS) ^ set(FEATURE_NAMES)}")


def prior_vector() -> np.ndarray:
    """Return the prior weights in FEATURE_NAMES order."""
    return np.array([PRIOR_WEIGHTS[name] for name in FEATURE_NAMES])


def center_vector() -> np.ndarray:
    """Return the neutral value of each feature in FEATURE_NAMES order."""
    return np.array([CENTER.get(name, 0.0) for name in FEATURE_NAMES])


# scikit-learn ships no type information: its bases are Any to mypy.
class NeutralFill(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Fill a column the training data never knew with its neutral value (CENTER).

    A median of nothing is undefined; the neutral value makes an unknown community or
    library signal count as "nothing said", and keeps known values (at serving) as they are.
    """

    def fit(self, X: np.ndarray, y: object = None) -> NeutralFill:
        """Remember which columns hold no known value at all."""
        X = np.asarray(X, dtype=float)
        self.empty_ = np.isnan(X).all(axis=0) if len(X) else np.ones(X.shape[1], dtype=bool)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Return X with the unknown values of never-known columns set to their center."""
        check_is_fitted(self, "empty_")
        X = np.array(X, dtype=float)
        fill = np.isnan(X) & self.empty_
        X[fill] = np.broadcast_to(center_vector(), X.shape)[fill]
        return X

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
