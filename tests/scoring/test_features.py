"""PairFeatures: every feature on hand-made pairs, NaN for the unknown, sklearn conventions."""
from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks

from scoring.features import PairFeatures, deepest_shared_class
from scoring.inputs import FEATURE_NAMES

from .helpers import CLAIM_1, CLAIM_2, CLAIM_3, OFF_TOPIC, candidate, query


def features_of(*candidates, q=None, **params) -> dict[str, np.ndarray]:
    """Return feature columns by name for the candidates against one query."""
    q = q or query()
    pairs = [(q, c) for c in candidates]
    X = PairFeatures(**params).fit(pairs).transform(pairs)
    return {name: X[:, i] for i, name in enumerate(FEATURE_NAMES)}


# ---------------------------------------------------------------- text similarity

def test_text_identical_to_a_claim_is_most_similar_to_that_claim():
    f = features_of(candidate(text=CLAIM_3), candidate(text=OFF_TOPIC))
    assert f["sim_best_claim"][0] == pytest.approx(1.0)
    assert f["sim_best_claim"][1] == pytest.approx(0.0)
    pairs = [(query(), candidate(text=CLAIM_3))]
    assert PairFeatures().fit(pairs).best_claims(pairs) == [(3, pytest.approx(1.0))]


def test_mean_similarity_weights_independent_claims_twice():
    q = query(claims=[(1, "alpha bravo charlie", True), (2, "delta echo foxtrot", False)])
    f = features_of(candidate(text="alpha bravo charlie"), candidate(text="delta echo foxtrot"),
                    q=q)
    assert f["sim_weighted_mean"] == pytest.approx([2 / 3, 1 / 3])


def test_every_known_text_counts_excerpt_explanation_and_title():
    for field in ("excerpt", "explanation", "title"):
        f = features_of(candidate(**{field: CLAIM_1}))
        assert f["sim_best_claim"][0] == pytest.approx(1.0), field


def test_title_and_abstract_similarity():
    f = features_of(candidate(text="Messages are encrypted with a session key and signed."),
                    candidate(text=OFF_TOPIC))
    assert f["sim_title_abstract"][0] > 0.5
    assert f["sim_title_abstract"][1] == 0.0


def test_unknown_text_is_nan_not_zero():
    f = features_of(candidate(), candidate(text=CLAIM_1))
    for name in ("sim_best_claim", "sim_weighted_mean", "sim_title_abstract"):
        assert np.isnan(f[name][0]) and not np.isnan(f[name][1]), name


def test_no_usable_word_anywhere_leaves_similarity_unknown():
    q = query(claims=[(1, "the of and", True)], title="", abstract="")
    f = features_of(candidate(text="a an the"), q=q)
    assert np.isnan(f["sim_best_claim"][0])


# ---------------------------------------------------------------- dates

def test_days_before_priority_and_after_priority_flag():
    f = features_of(candidate(publication_date=dt.date(2013, 6, 1)),
                    candidate(publication_date=dt.date(2017, 1, 1)),
                    candidate(publication_date=dt.date(2016, 6, 1)))
    assert f["days_before_priority"].tolist() == [1096.0, -214.0, 0.0]
    assert f["after_priority"].tolist() == [0.0, 1.0, 0.0]


def test_unknown_dates_are_nan():
    f = features_of(candidate())
    g = features_of(candidate(publication_date=dt.date(2013, 6, 1)), q=query(priority_date=None))
    for name in ("days_before_priority", "after_priority"):
        assert np.isnan(f[name][0]) and np.isnan(g[name][0])


# ---------------------------------------------------------------- kind

@pytest.mark.parametrize("kind", ["us", "foreign", "npl"])
def test_kind_is_one_hot(kind):
    f = features_of(candidate(kind=kind))
    assert [f[f"kind_{k}"][0] for k in ("us", "foreign", "npl")] == \
        [float(k == kind) for k in ("us", "foreign", "npl")]


# ---------------------------------------------------------------- classification

@pytest.mark.parametrize(("codes", "expected"), [
    (["H04L 9/32"], [1, 1, 1, 1]),
    (["H04L 29/06"], [1, 1, 1, 0]),
    (["H04W 12/00"], [1, 1, 0, 0]),
    (["H03M 13/00"], [1, 0, 0, 0]),
    (["G06F 21/00"], [0, 0, 0, 0]),
    (["G06F 21/00", "H04L 9/14"], [1, 1, 1, 1]),  # any shared code counts
])
def test_cpc_overlap_at_each_level(codes, expected):
    f = features_of(candidate(cpc=codes))
    assert [f[f"ipc_{lvl}"][0] for lvl in ("section", "class", "subclass", "group")] == expected


def test_ipc_of_the_candidate_meets_cpc_of_the_application():
    f = features_of(candidate(ipc=["H04L 9/00"]), q=query(ipc=[]))
    assert f["ipc_group"][0] == 1.0


@pytest.mark.parametrize(("codes", "expected"), [
    (["713/168"], [1, 1]), (["713/150"], [1, 0]), (["380/28"], [0, 0]),
])
def test_uspc_overlap_at_class_and_subclass(codes, expected):
    f = features_of(candidate(uspc=codes))
    assert [f["uspc_class"][0], f["uspc_subclass"][0]] == expected


def test_unknown_classes_are_nan_on_either_side():
    f = features_of(candidate())
    g = features_of(candidate(cpc=["H04L 9/32"], uspc=["713/168"]),
                    q=query(cpc=[], ipc=[], uspc=[]))
    for name in ("ipc_section", "ipc_group", "uspc_class", "uspc_subclass"):
        assert np.isnan(f[name][0]) and np.isnan(g[name][0])


def test_deepest_shared_class():
    f = features_of(candidate(cpc=["H04L 29/06"]), candidate(uspc=["713/168"]), candidate())
    X = np.column_stack([f[name] for name in FEATURE_NAMES])
    depth, name = deepest_shared_class(X)
    assert depth[:2].tolist() == [0.75, 1.0] and np.isnan(depth[2])
    assert name[:2].tolist() == ["ipc_subclass", "uspc_subclass"]


# ---------------------------------------------------------------- claims targeted

@pytest.mark.parametrize(("targeted", "count", "independent"), [
    (None, np.nan, np.nan), ([], 0.0, 0.0), ([2], 1.0, 0.0), ([2, 3, 3], 2.0, 1.0),
])
def test_claims_targeted(targeted, count, independent):
    f = features_of(candidate(claims_targeted=targeted))
    np.testing.assert_equal([f["n_claims_targeted"][0], f["targets_independent"][0]],
                            [count, independent])


# ---------------------------------------------------------------- community signals

def test_community_signals_known_zero_is_zero_unknown_is_nan():
    f = features_of(candidate(votes_up=5, votes_down=2, endorsements=0, claim_marks=4),
                    candidate(votes_up=5))
    np.testing.assert_equal(f["net_votes"], [3.0, np.nan])
    np.testing.assert_equal(f["endorsements"], [0.0, np.nan])
    np.testing.assert_equal(f["claim_marks"], [4.0, np.nan])


def test_submitter_track_record_is_smoothed():
    f = features_of(candidate(submitter_used=3, submitter_judged=5),
                    candidate(submitter_used=None, submitter_judged=0),
                    candidate(), prior_used=1.0, prior_unused=3.0)
    np.testing.assert_allclose(f["submitter_track_record"], [4 / 9, 0.25, np.nan])


# ---------------------------------------------------------------- estimator conventions

def test_feature_names_match_columns_and_unfitted_use_raises():
    pairs = [(query(), candidate(text=CLAIM_2))]
    features = PairFeatures()
    with pytest.raises(NotFittedError):
        features.transform(pairs)
    with pytest.raises(NotFittedError):
        features.get_feature_names_out()
    assert features.fit(pairs) is features
    assert features.transform(pairs).shape == (1, len(features.get_feature_names_out()))


def test_rejects_anything_but_pairs():
    with pytest.raises(TypeError, match="QueryDoc, Candidate"):
        PairFeatures().fit([[1.0, 2.0]])


def test_fit_ignores_labels_and_only_the_list_features_read_the_neighbours():
    pairs = [(query(), candidate(id=str(i), text=t, publication_date=dt.date(2010 + i, 1, 1)))
             for i, t in enumerate([CLAIM_1, CLAIM_2, OFF_TOPIC, ""])]
    fitted = PairFeatures().fit(pairs)
    X = fitted.transform(pairs)
    np.testing.assert_array_equal(PairFeatures().fit(pairs, [1, 0, 1, 0]).transform(pairs), X)
    np.testing.assert_array_equal(fitted.transform(pairs[::-1]), X[::-1])
    np.testing.assert_array_equal(fitted.transform(pairs[1:3]), X[1:3])
    # A neighbour published the same day changes that list feature of the row, nothing else.
    twin = (query(), candidate(id="twin", publication_date=dt.date(2011, 1, 1)))
    Y = fitted.transform([*pairs, twin])[:4]
    changed = {FEATURE_NAMES[j] for j in np.flatnonzero(
        (np.nan_to_num(Y, nan=-9) != np.nan_to_num(X, nan=-9)).any(axis=0))}
    assert changed == {"same_day_repeats"}


def test_cache_changes_nothing_but_speed_and_is_bounded_and_not_pickled():
    pairs = [(query(), candidate(id=str(i), text=f"{CLAIM_1} {i} extra{i}")) for i in range(30)]
    uncached = PairFeatures(cache_size=0).fit(pairs)
    cached = PairFeatures(cache_size=5).fit(pairs)
    first, again = cached.transform(pairs), cached.transform(pairs)
    np.testing.assert_allclose(first, uncached.transform(pairs))
    np.testing.assert_allclose(first, again)
    assert len(cached._rows._rows) <= 5
    restored = pickle.loads(pickle.dumps(cached))
    assert "_rows" not in restored.__dict__
    np.testing.assert_allclose(restored.transform(pairs), first)


def test_clone_keeps_params_and_forgets_fit():
    features = PairFeatures(max_features=10, prior_used=2.0).fit([(query(), candidate())])
    copy = clone(features)
    assert copy.get_params() == features.get_params()
    assert not hasattr(copy, "vectorizer_")


# PairFeatures takes (QueryDoc, Candidate) pairs, so the checks that feed numeric arrays
# (dtype, NaN/inf, sparse, n_features_in_ ...) do not apply: the tests above cover their
# intent (fit returns self, unfitted errors, order/subset invariance, pickling). These are
# the input-free API checks of scikit-learn's own suite.
API_CHECKS = [
    "check_no_attributes_set_in_init", "check_parameters_default_constructible",
    "check_get_params_invariance", "check_set_params", "check_estimator_cloneable",
    "check_estimator_repr", "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimator_tags_renamed", "check_mixin_order", "check_transformers_unfitted",
    "check_get_feature_names_out_error", "check_valid_tag_types",
]


@pytest.mark.parametrize("check", API_CHECKS)
def test_sklearn_api_checks(check):
    getattr(estimator_checks, check)("PairFeatures", PairFeatures())


# ---------------------------------------------------------------- who cites what

def test_same_country_compares_the_office_with_the_parties_countries():
    q = query(countries=["JP"])
    f = features_of(candidate(kind="foreign", country="JP"), candidate(kind="us"),
                    candidate(kind="foreign", country="EP"), candidate(kind="npl"), q=q)
    assert f["same_country"][:3].tolist() == [1.0, 0.0, 0.0]
    assert np.isnan(f["same_country"][3])  # literature has no office
    assert np.isnan(features_of(candidate(kind="us"))["same_country"][0])  # parties unknown


def test_reference_age_is_log_years_before_priority():
    q = query(priority_date=dt.date(2016, 6, 1))
    f = features_of(candidate(publication_date=dt.date(2016, 6, 1)),
                    candidate(publication_date=dt.date(2006, 6, 1)),
                    candidate(publication_date=dt.date(2017, 6, 1)), candidate(), q=q)
    assert f["log_age_years"][0] == 0.0
    assert f["log_age_years"][1] == pytest.approx(np.log1p(10), abs=0.01)
    assert f["log_age_years"][2] == 0.0  # later ones are told apart by after_priority
    assert np.isnan(f["log_age_years"][3])


def test_kind_codes_fall_into_us_families():
    f = features_of(candidate(kind_code="A"), candidate(kind_code="B1"), candidate(kind_code="B2"),
                    candidate(kind_code="A1"), candidate(kind_code="S1"),
                    candidate(kind="foreign", kind_code="A1"), candidate(kind_code=""))
    families = np.column_stack([f[f"code_{c}"] for c in ("a", "b1", "b2", "pub", "s")])
    np.testing.assert_array_equal(families[:6], [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0],
                                                 [0, 0, 1, 0, 0], [0, 0, 0, 1, 0],
                                                 [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]])
    assert np.isnan(families[6]).all()  # a US document of unknown kind code


def test_library_signals_are_log_counts_and_nan_until_known():
    f = features_of(candidate(bm25_best_claim=0.0, bm25_independent=3.0, cited_by=7,
                              examiner_cited=2, cocited=1), candidate())
    assert f["bm25_best_claim"][0] == 0.0
    assert f["bm25_independent"][0] == pytest.approx(np.log1p(3))
    assert f["cited_by"][0] == pytest.approx(np.log1p(7))
    assert f["examiner_cited"][0] == pytest.approx(np.log1p(2))
    assert f["cocited"][0] == pytest.approx(np.log1p(1))
    for name in ("bm25_best_claim", "bm25_independent", "cited_by", "examiner_cited", "cocited"):
        assert np.isnan(f[name][1])
