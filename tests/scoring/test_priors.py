"""Prior weights: the day-one ranker uses them, training starts from and returns to them."""
from __future__ import annotations

import numpy as np
import pytest

from scoring import HeuristicRanker, RankingModel, examples_from_grants
from scoring.inputs import FEATURE_NAMES
from scoring.pairwise import PairwiseLogisticRanker
from scoring.priors import CENTER, PRIOR_WEIGHTS, NeutralFill, prior_vector

from .helpers import candidate, grant, mixed_references, query

COMMUNITY = ("net_votes", "endorsements", "claim_marks", "submitter_track_record")


def test_every_feature_has_a_documented_nonzero_prior_for_each_signal_family():
    assert set(PRIOR_WEIGHTS) == set(FEATURE_NAMES)
    for name in (*COMMUNITY, "sim_best_claim", "same_country", "name_repeats", "examiner_cited"):
        assert PRIOR_WEIGHTS[name] != 0


def test_a_signal_without_labels_keeps_its_prior_weight():
    # The grant bootstrap knows no votes, endorsements, marks or track records.
    pairs, y, groups = examples_from_grants([grant(f"10{i:06d}", mixed_references(i))
                                             for i in range(12)])
    learned = RankingModel().fit(pairs, y, groups).metadata["learned_weights"]
    for name in COMMUNITY:
        assert learned[name] == pytest.approx(PRIOR_WEIGHTS[name], rel=1e-6), name
    assert learned["kind_npl"] != pytest.approx(PRIOR_WEIGHTS["kind_npl"])  # learned


def test_community_signals_move_a_bootstrapped_model_from_day_one():
    pairs, y, groups = examples_from_grants([grant(f"10{i:06d}", mixed_references(i))
                                             for i in range(12)])
    ranker = RankingModel().fit(pairs, y, groups)
    liked = candidate(id="liked", votes_up=8, votes_down=0, endorsements=2)
    ignored = candidate(id="ignored", votes_up=0, votes_down=3, endorsements=0)
    unknown = candidate(id="unknown")
    scores = ranker.score(query(), [liked, ignored, unknown])
    assert scores[0] > scores[2] > scores[1]


def test_the_penalty_pulls_toward_the_prior_not_toward_zero():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    X[:, 1] = 0.0  # a column the data says nothing about
    y = (X[:, 0] > 0).astype(int)
    fitted = PairwiseLogisticRanker(C=0.5, prior=[0.0, 1.5]).fit(X, y)
    assert fitted.ranking_coef_[1] == pytest.approx(1.5)
    assert fitted.ranking_coef_[0] > 0
    with pytest.raises(ValueError, match="prior has 3 weights"):
        PairwiseLogisticRanker(prior=[0, 0, 0]).fit(X, y)


def test_neutral_fill_only_fills_columns_never_known_in_training():
    train = np.full((3, len(FEATURE_NAMES)), np.nan)
    train[:, 0] = [0.1, 0.2, 0.3]
    fill = NeutralFill().fit(train)
    row = np.full((1, len(FEATURE_NAMES)), np.nan)
    row[0, FEATURE_NAMES.index("net_votes")] = 4.0
    out = fill.transform(row)
    assert np.isnan(out[0, 0])  # known in training: the imputer's business
    assert out[0, FEATURE_NAMES.index("net_votes")] == 4.0  # known now: kept
    track = FEATURE_NAMES.index("submitter_track_record")
    assert out[0, track] == CENTER["submitter_track_record"]


def test_the_day_one_ranker_scores_with_the_prior_weights():
    ranker = HeuristicRanker()
    base = candidate(id="base", votes_up=0, votes_down=0)
    voted = candidate(id="voted", votes_up=3, votes_down=0)
    scores = ranker.score(query(), [base, voted])
    assert scores[1] - scores[0] == pytest.approx(3 * PRIOR_WEIGHTS["net_votes"])
    assert prior_vector().shape == (len(FEATURE_NAMES),)
