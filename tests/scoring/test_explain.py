"""The phrasebook and the two attribution methods, on hand-made values."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scoring.explain import (
    Context,
    describe,
    linear_contributions,
    replacement_contributions,
    top_reasons,
)
from scoring.features import PairFeatures
from scoring.inputs import FEATURE_NAMES

from .helpers import CLAIM_3, candidate, query


def described(group: str, cand=None, q=None, sim_levels=(0.1, 0.3)) -> str:
    """Return the description of one feature group for a real feature row."""
    q, cand = q or query(), cand or candidate()
    pairs = [(q, cand)]
    features = PairFeatures().fit(pairs)
    row = dict(zip(FEATURE_NAMES, features.transform(pairs)[0]))
    context = Context(q, cand, features.best_claims(pairs)[0], sim_levels)
    return describe(group, row, context)


@pytest.mark.parametrize(("group", "cand", "expected"), [
    ("sim_best_claim", candidate(text=CLAIM_3), "claim 3 text similarity 1.00 (high)"),
    ("sim_best_claim", candidate(), "no text of the candidate to compare with the claims"),
    ("date", candidate(publication_date=dt.date(2013, 6, 1)), "published 3 years before priority"),
    ("date", candidate(publication_date=dt.date(2016, 2, 1)), "published 4 months before priority"),
    ("date", candidate(publication_date=dt.date(2017, 6, 1)),
     ("published 12 months after priority: prior art only through an earlier filing date "
     "(35 U.S.C. 102(e))")),
    ("date", candidate(), "publication or priority date unknown"),
    ("kind", candidate(kind="npl"), "non-patent literature"),
    ("ipc_subclass", candidate(cpc=["H04L 29/06"]), "shares CPC/IPC subclass H04L"),
    ("ipc_group", candidate(cpc=["H04L 9/14"]), "shares CPC/IPC main group H04L 9/00"),
    ("ipc_group", candidate(cpc=["H04L 29/06"]), "no CPC/IPC main group in common"),
    ("ipc_class", candidate(), "CPC/IPC class of the candidate unknown"),
    ("uspc_subclass", candidate(uspc=["713/168"]), "shares USPC subclass 713/168"),
    ("targets_independent", candidate(claims_targeted=[1, 2, 3]),
     "targets independent claims 1, 3"),
    ("targets_independent", candidate(claims_targeted=[2]), "targets only dependent claims"),
    ("n_claims_targeted", candidate(claims_targeted=[2]), "targets 1 claim"),
    ("n_claims_targeted", candidate(), "claims targeted unknown"),
    ("net_votes", candidate(votes_up=5, votes_down=1), "community votes 5 up, 1 down (net +4)"),
    ("net_votes", candidate(), "no community votes recorded"),
    ("endorsements", candidate(endorsements=1), "1 endorsement by reviewers"),
    ("claim_marks", candidate(claim_marks=3), "3 claim marks by reviewers"),
    ("submitter_track_record", candidate(submitter_used=3, submitter_judged=5),
     "submitter's examiner-used rate 44% (smoothed, 3 of 5 verdicts)"),
    ("submitter_track_record", candidate(), "submitter has no examiner verdicts yet"),
])
def test_phrasebook(group, cand, expected):
    assert described(group, cand) == expected


def test_similarity_levels_follow_the_given_cut_offs():
    cand = candidate(text=CLAIM_3)
    assert described("sim_best_claim", cand, sim_levels=(2.0, 3.0)).endswith("(low)")
    assert described("sim_best_claim", cand, sim_levels=(0.5, 3.0)).endswith("(medium)")


def test_linear_contributions_sum_one_hot_columns_into_one_reason():
    standardized = np.zeros((1, len(FEATURE_NAMES)))
    coef = np.zeros(len(FEATURE_NAMES))
    for name, z, w in [("kind_us", 1.0, 0.5), ("kind_npl", -1.0, -0.25), ("net_votes", 2.0, 0.1)]:
        standardized[0, FEATURE_NAMES.index(name)], coef[FEATURE_NAMES.index(name)] = z, w
    out = linear_contributions(coef, standardized, FEATURE_NAMES)
    assert out["kind"][0] == pytest.approx(0.75)
    assert out["net_votes"][0] == pytest.approx(0.2)
    assert "kind_us" not in out


def test_replacement_contributions_measure_each_group_against_its_median():
    X = np.zeros((2, len(FEATURE_NAMES)))
    votes, date = FEATURE_NAMES.index("net_votes"), FEATURE_NAMES.index("days_before_priority")
    X[:, votes], X[:, date] = [4.0, 0.0], [100.0, 300.0]
    medians = np.zeros(len(FEATURE_NAMES))
    medians[date] = 200.0
    calls = []

    def margin(Z):
        calls.append(len(Z))
        return 0.5 * Z[:, votes] - 0.01 * Z[:, date]

    out = replacement_contributions(margin, X, medians, FEATURE_NAMES)
    np.testing.assert_allclose(out["net_votes"], [2.0, 0.0])
    np.testing.assert_allclose(out["date"], [1.0, -1.0])
    np.testing.assert_allclose(out["kind"], [0.0, 0.0])
    assert len(calls) == 2  # the base and one batch of every replacement


def test_top_reasons_skip_zero_effects_and_keep_the_strongest():
    q, cand = query(), candidate(votes_up=2, votes_down=0, endorsements=3)
    row = {"net_votes": 2.0, "endorsements": 3.0, "claim_marks": np.nan}
    context = Context(q, cand)
    explanation = top_reasons(["net_votes", "endorsements", "claim_marks"],
                              np.array([0.1, -0.4, 0.0]), row, context, "test", limit=3)
    assert explanation.features == ["endorsements", "net_votes"]
    assert str(explanation) == ("- 3 endorsements by reviewers; "
                                "+ community votes 2 up, 0 down (net +2)")
