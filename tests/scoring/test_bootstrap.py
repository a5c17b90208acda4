"""Examples from grant citations: labels from the category only, features blind to it."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import numpy as np
import pytest

from reviewapp.ingest.records import ClaimRecord, ReferenceRecord
from scoring import RankingModel
from scoring.bootstrap import (
    CitationNetwork,
    LibraryDoc,
    candidate_from_reference,
    document_key,
    document_keys,
    examples_from_grants,
    network_from_grants,
    query_from_grant,
)
from scoring.evaluate import evaluate
from scoring.features import PairFeatures
from scoring.inputs import FEATURE_NAMES, Candidate
from scoring.priors import PRIOR_WEIGHTS

from .helpers import CLAIM_1, OFF_TOPIC, grant, mixed_references, reference


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


# ---------------------------------------------------------------- the library and the network

def library_and_network(grants):
    """Return a generated library (every cited patent, with text) and the grants' network."""
    library = {}
    for g in grants:
        for r in g.references:
            if r.kind != "npl":
                library[document_keys(r)[-1]] = LibraryDoc(
                    text=f"session key encryption document {r.number}", cpc=("H04L 9/08",),
                    names=("Ann Smith",))
    return library, network_from_grants(grants)


def content_scorer(query, keys):
    """Return a made-up BM25 per document key, from the number only (never the label)."""
    return {key: (float(len(key)), float(len(key)) / 2) for key in keys}


def rows_of(grants, target, **signals):
    pairs, _, groups = examples_from_grants(grants, **signals)
    X = np.nan_to_num(PairFeatures().fit(pairs).transform(pairs), nan=-999.0)
    return {c.id: tuple(row) for g, (_, c), row in zip(groups, pairs, X) if g == target}


def test_no_feature_changes_when_only_label_like_fields_change():
    # Category (the label), position, list of origin (the order printed) and the cited
    # patent's printed US class (a proxy of the label) change; every feature stays, the
    # library's content, class and citation-network signals included.
    # The target's own text cites two of its references and its list holds a same-day,
    # same-patentee run, so that the list features are exercised too.
    rng = random.Random(3)
    grants = [grant(f"1000000{i}", mixed_references(i % 2)) for i in range(4)]
    grants[0] = dataclasses.replace(
        grants[0], description="Unlike U.S. Pat. No. 9,000,001 and 5,000,001, the key ...",
        references=[*grants[0].references,
                    reference("cited by applicant", "7000001", date=dt.date(2014, 3, 1)),
                    reference("cited by examiner", "7000002", date=dt.date(2014, 3, 1),
                              name="Jones")])
    library, network = library_and_network(grants)
    signals = {"library": library, "network": network, "content": content_scorer}
    target = grants[0]
    swapped = dataclasses.replace(target, references=[
        dataclasses.replace(r, us_class="" if r.us_class else "999/1") for r in
        relabelled(target.references, rng)])
    changed_network = network_from_grants([swapped, *grants[1:]])
    before = rows_of(grants, target.publication_number, **signals)
    after = rows_of([swapped, *grants[1:]], target.publication_number,
                    **{**signals, "network": changed_network})
    assert before.keys() == after.keys()
    for key, row in before.items():
        np.testing.assert_allclose(after[key], row, err_msg=key)
    assert any(r[FEATURE_NAMES.index("examiner_cited")] > 0 for r in before.values())
    for name in ("name_repeats", "same_day_repeats", "mentioned_in_text"):
        assert len({r[FEATURE_NAMES.index(name)] for r in before.values()}) > 1, name


def test_bootstrap_joins_references_to_the_library_with_and_without_kind_codes():
    refs = [reference("cited by examiner", "0712345", kind_code="B2"),
            reference("cited by applicant", "20050001234", kind_code="A1"),
            reference("cited by applicant", "D512345", kind_code="S")]
    library = {"US712345": LibraryDoc(text="with no kind code", cpc=("H04L 9/32",)),
               "US20050001234A1": "with its kind code",
               "USD512345": LibraryDoc(text="a design", names=("Jane Doe",))}
    pairs, _, _ = examples_from_grants([grant("10000001", refs)], library)
    texts = [c.text for _, c in pairs]
    assert texts == ["with no kind code", "with its kind code", "a design"]
    assert pairs[0][1].cpc == ["H04L 9/32"]
    assert document_key("US", "07,123,456") == document_key("us", "7123456") == "US7123456"
    assert document_key("US", "2005/0001234") == "US20050001234"


def test_the_network_counts_other_grants_only():
    network = CitationNetwork([("G1", "US1", True), ("G2", "US1", False), ("G3", "US1", True),
                               ("G2", "US2", True), ("G3", "US9", False)])
    assert network.counts("US1") == (3, 2)
    assert network.counts("US1", exclude="G1") == (2, 1)
    assert network.counts("US404") == (0, 0)
    assert network.cocited("US1", ["US2", "US9"]) == 2  # G2 (with US2) and G3 (with US9)
    assert network.cocited("US1", ["US2", "US9"], exclude="G2") == 1
    assert network.cocited("US1", ["US1"]) == 0  # itself is not a co-citation


def test_a_generated_library_teaches_content_weights_from_examiner_citations():
    # Examiner citations are the ones whose library text matches the claims; applicant ones
    # are off topic. Without the library the text weights have nothing to learn from.
    grants = []
    for i in range(12):
        refs = [reference("cited by examiner", f"9{i:02d}001", date=dt.date(2010, 1, 1)),
                reference("cited by applicant", f"5{i:02d}001", date=dt.date(2010, 1, 1)),
                reference("cited by examiner", f"9{i:02d}002", date=dt.date(2009, 1, 1)),
                reference("cited by applicant", f"5{i:02d}002", date=dt.date(2009, 1, 1))]
        grants.append(grant(f"100000{i:02d}", refs))
    library = {}
    for g in grants:
        for r in g.references:
            on_topic = r.category == "cited by examiner"  # the generator, not a feature
            library[document_keys(r)[-1]] = CLAIM_1 if on_topic else OFF_TOPIC
    pairs, y, groups = examples_from_grants(grants, library)
    ranker = RankingModel().fit(pairs, y, groups)
    learned = ranker.metadata["learned_weights"]
    assert learned["sim_best_claim"] > PRIOR_WEIGHTS["sim_best_claim"]
    report = evaluate(ranker, grants, library=library)
    assert report["model"]["map"] == 1.0


def test_grants_carry_the_keys_their_text_cites_and_references_their_own_key():
    g = grant("10000001", [reference("cited by applicant", "05,117,378", kind_code="A"),
                           ReferenceRecord("npl", text="A paper", category="cited by other")],
              description="The method of U.S. Pat. No. 5,117,378 fails when ...")
    assert query_from_grant(g).mentions == ["US5117378"]
    pairs, _, _ = examples_from_grants([g])
    assert [c.key for _, c in pairs] == ["US5117378", ""]
    X = PairFeatures().fit(pairs).transform(pairs)[:, FEATURE_NAMES.index("mentioned_in_text")]
    assert X[0] == 1.0 and np.isnan(X[1])
