"""Examples from grant citations: labels from the category only, features blind to it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import numpy as np
import pytest

from reviewapp.ingest.records import ClaimRecord, ReferenceRecord
from scoring.bootstrap import candidate_from_reference, examples_from_grants, query_from_grant
from scoring.features import Candidate, PairFeatures

from .helpers import grant, mixed_references, reference


def test_labels_and_groups_come_from_categories_and_grants():
    refs = [reference("cited by examiner", "1"), reference("cited by applicant", "2"),
            reference("cited by other", "3"), reference("cited by third party", "4"),
            reference("", "5")]
    pairs, y, groups = examples_from_grants([grant("10000001", refs),
                                             grant("10000002", refs[:1])])
    assert y.tolist() == [1, 0, 0, 0, 1]
    assert groups.tolist() == ["US10000001B2"] * 4 + ["US10000002B2"]
    assert [c.id for _, c in pairs] == ["US1B2", "US2B2", "US3B2", "US4B2", "US1B2"]


def test_query_is_the_grant_itself():
    g = grant("10000001", [], priority_date=None, filing_date=dt.date(2015, 2, 3))
    q = query_from_grant(g)
    assert q.id == "US10000001B2" and q.priority_date == dt.date(2015, 2, 3)
    assert [(n, indep) for n, _, indep in q.claims] == [(1, True), (2, False), (3, True)]
    assert (q.cpc, q.uspc, q.title) == (["H04L 9/32"], ["713/168"], g.title)


def test_candidate_from_each_kind_of_reference():
    us = candidate_from_reference(reference("cited by examiner", "7654321"))
    jp = candidate_from_reference(reference("cited by applicant", "2004123", country="JP",
                                            kind_code="A"))
    npl = candidate_from_reference(ReferenceRecord("npl", text="Doe, Keys,  IEEE (2001)",
                                                   category="cited by other"))
    assert (us.kind, us.id, us.publication_date, us.text) == \
        ("us", "US7654321B2", dt.date(2010, 1, 1), "")
    assert (jp.kind, jp.id) == ("foreign", "JP2004123A")
    assert npl.kind == "npl" and npl.text == "Doe, Keys,  IEEE (2001)" and npl.id.startswith("npl:")
    assert all(c.votes_up is None and c.submitter_judged is None and c.claims_targeted is None
               for c in (us, jp, npl))


def test_library_supplies_patent_text_with_or_without_kind_code():
    ref = reference("cited by examiner", "7654321")
    assert candidate_from_reference(ref, {"US7654321B2": "full"}).text == "full"
    assert candidate_from_reference(ref, {"US7654321": "bare"}).text == "bare"
    assert candidate_from_reference(ref, {"US1": "other"}).text == ""


def test_reference_classes_are_dropped_unless_asked_for():
    ref = reference("cited by examiner", "7654321", us_class="713/168")
    assert candidate_from_reference(ref).uspc == []
    assert candidate_from_reference(ref, reference_classes=True).uspc == ["713/168"]


def test_applications_are_not_grants():
    app = grant("20180000016", [reference("cited by examiner", "1")], doc_type="application")
    pairs, y, groups = examples_from_grants([app])
    assert pairs == [] and y.shape == (0,) and groups.shape == (0,)


def test_candidates_carry_nothing_of_the_category_or_the_list_position():
    names = {f.name for f in dataclasses.fields(Candidate)}
    assert not names & {"category", "sequence", "label", "position"}
    pairs, _, _ = examples_from_grants([grant("10000001", mixed_references(1))])
    for _, cand in pairs:
        assert "cited by" not in repr(cand)


def relabelled(references, rng):
    """Return the references shuffled, renumbered and with every category swapped."""
    swap = {"cited by examiner": "cited by applicant", "cited by applicant": "cited by examiner",
            "cited by other": "cited by examiner"}
    out = [dataclasses.replace(r, category=swap[r.category], sequence=rng.randrange(1000))
           for r in references]
    rng.shuffle(out)
    return out


def feature_rows(grants):
    """Return {(grant, candidate id): feature row} with features fit on these grants."""
    pairs, _, groups = examples_from_grants(grants)
    X = PairFeatures().fit(pairs).transform(pairs)
    X = np.nan_to_num(X, nan=-999.0)
    return {(g, c.id): tuple(row) for g, (_, c), row in zip(groups, pairs, X)}


@pytest.mark.parametrize("variant", ["reversed", "shuffled and relabelled"])
def test_features_ignore_reference_order_and_category(variant):
    rng = random.Random(7)
    grants = [grant(f"1000000{i}", mixed_references(i)) for i in range(4)]
    if variant == "reversed":
        changed = [dataclasses.replace(g, references=g.references[::-1]) for g in grants]
    else:
        changed = [dataclasses.replace(g, references=relabelled(g.references, rng)) for g in grants]
    before, after = feature_rows(grants), feature_rows(changed)
    assert before.keys() == after.keys()
    for key, row in before.items():
        np.testing.assert_allclose(after[key], row, err_msg=str(key))


def test_claim_dependencies_decide_independence():
    g = grant("10000001", [], claims=[ClaimRecord(1, "a"), ClaimRecord(2, "b", [1]),
                                      ClaimRecord(3, "c", [1, 2])])
    assert [i for _, _, i in query_from_grant(g).claims] == [True, False, False]
