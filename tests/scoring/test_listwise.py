"""List features: a candidate against the application's whole list, on hand-made lists."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pytest

from scoring.explain import Context, describe
from scoring.features import PairFeatures
from scoring.inputs import FEATURE_NAMES, Candidate, QueryDoc
from scoring.listwise import mentioned_in_text, mentioned_keys, name_repeats, same_day_repeats

from .helpers import candidate, query

DAY = dt.date(2010, 5, 4)


def test_mentioned_keys_reads_grant_and_publication_numbers_as_document_keys():
    text = ("As in U.S. Pat. No. 5,117,378 and 6,123,456 B1, see also US 2005/0123456 A1 and "
            "US20070012345; RE38,123 is a reissue. A 10,000 rpm motor, 2,500,00 units, "
            "claim 12 and the year 2005 are no patents.")
    assert mentioned_keys(text) == ["US5117378", "US6123456", "US20050123456",
                                    "US20070012345"]
    assert mentioned_keys("") == []
    assert mentioned_keys("U.S. Pat. No. 5,117,378 ... U.S. Pat. No. 5,117,378") == ["US5117378"]


def test_name_repeats_counts_other_candidates_of_the_same_patentee():
    cands = [candidate(names=["John Smith"]), candidate(names=["Smith et al."]),
             candidate(names=["Sony Corporation"]), candidate(names=[]),
             candidate(names=["A. Smith", "Sony Corp."])]
    out = name_repeats(cands)
    np.testing.assert_allclose(out[[0, 1, 2, 4]], np.log1p([2, 2, 1, 2]))
    assert np.isnan(out[3])  # no name: unknown, not "no repeat"
    assert name_repeats([candidate(names=["Ann Jones"])])[0] == 0.0


def test_same_day_repeats_counts_other_candidates_published_that_day():
    cands = [candidate(publication_date=DAY), candidate(publication_date=DAY),
             candidate(publication_date=dt.date(2011, 1, 1)), candidate()]
    out = same_day_repeats(cands)
    np.testing.assert_allclose(out[:3], np.log1p([1, 1, 0]))
    assert np.isnan(out[3])


def test_mentioned_in_text_needs_known_mentions_and_a_document_key():
    cands = [candidate(key="US5117378"), candidate(key="US7000000"), candidate(key="")]
    out = mentioned_in_text(query(mentions=["US5117378"]), cands)
    assert out[0] == 1.0 and out[1] == 0.0 and np.isnan(out[2])
    assert np.isnan(mentioned_in_text(query(), cands)).all()  # mentions unknown
    assert mentioned_in_text(query(mentions=[]), cands)[1] == 0.0  # known: cites nothing


def test_list_features_are_computed_per_application_in_one_transform():
    a, b = query(id="A", mentions=["US1"]), query(id="B", mentions=[])
    pairs = [(a, candidate(names=["Smith"], publication_date=DAY, key="US1")),
             (b, candidate(names=["Smith"], publication_date=DAY, key="US1")),
             (a, candidate(names=["Smith"], publication_date=DAY, key="US2"))]
    X = PairFeatures().fit(pairs).transform(pairs)
    col = {name: X[:, FEATURE_NAMES.index(name)] for name in
           ("name_repeats", "same_day_repeats", "mentioned_in_text")}
    np.testing.assert_allclose(col["name_repeats"], np.log1p([1, 0, 1]))
    np.testing.assert_allclose(col["same_day_repeats"], np.log1p([1, 0, 1]))
    np.testing.assert_allclose(col["mentioned_in_text"], [1, 0, 0])


def test_list_features_do_not_depend_on_the_order_of_the_list():
    q = query(mentions=["US1"])
    cands = [candidate(id=f"c{i}", names=[n], publication_date=d, key=k) for i, (n, d, k) in
             enumerate([("Smith", DAY, "US1"), ("Jones", DAY, "US2"), ("Smith", None, "")])]
    pairs = [(q, c) for c in cands]
    features = PairFeatures().fit(pairs)
    forward = features.transform(pairs)
    backward = features.transform(pairs[::-1])[::-1]
    np.testing.assert_allclose(np.nan_to_num(forward, nan=-9), np.nan_to_num(backward, nan=-9))


@pytest.mark.parametrize(("feature", "value", "expected"), [
    ("name_repeats", np.log1p(2), "2 other candidate(s) of this application name the same"),
    ("name_repeats", 0.0, "the only candidate naming its patentee"),
    ("same_day_repeats", np.log1p(1), "published the same day as 1 other candidate(s)"),
    ("mentioned_in_text", 1.0, "cited in the application's own text"),
    ("mentioned_in_text", np.nan, "unknown"),
])
def test_list_features_explain_in_words(feature, value, expected):
    row = dict.fromkeys(FEATURE_NAMES, np.nan)
    row[feature] = value
    assert expected in describe(feature, row, Context(query(), candidate()))


def test_repeats_count_over_the_whole_list_a_query_carries():
    # Training featurises the labelled part of a list; the repeats still count the whole.
    whole = [candidate(names=["John Smith"], publication_date=DAY) for _ in range(4)]
    part = whole[:2]
    np.testing.assert_allclose(name_repeats(part, whole), np.log1p([3, 3]))
    np.testing.assert_allclose(same_day_repeats(part, whole), np.log1p([3, 3]))
    np.testing.assert_allclose(name_repeats(part), np.log1p([1, 1]))

    @dataclass(slots=True)
    class Listed(QueryDoc):
        listed: list[Candidate] = field(default_factory=list)

    columns = [FEATURE_NAMES.index("name_repeats"), FEATURE_NAMES.index("same_day_repeats")]
    listed = Listed(id="US1", listed=whole)
    rows = PairFeatures().fit([(listed, c) for c in part]).transform([(listed, c) for c in part])
    np.testing.assert_allclose(rows[:, columns], np.log1p(3))
    alone = Listed(id="US1")  # an empty list: the pairs are the whole list
    rows = PairFeatures().fit([(alone, c) for c in part]).transform([(alone, c) for c in part])
    np.testing.assert_allclose(rows[:, columns], np.log1p(1))
