"""On the shared USPTO grants: honest cross-validation against every baseline, no leakage."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from reviewapp.ingest import read_documents
from reviewapp.ingest.records import PatentRecord
from scoring import cross_validate_grants, examples_from_grants
from scoring.bootstrap import POSITIVE
from scoring.features import PairFeatures

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grants(uspto_dir: Path) -> list[PatentRecord]:
    paths = sorted((uspto_dir / "grants").glob("*.xml"))
    records = [r for r in read_documents(paths) if isinstance(r, PatentRecord)]
    assert len(records) >= 200, "expected the 225+ shared grants"
    return records


@pytest.fixture(scope="module")
def cv_report(grants) -> dict:
    return cross_validate_grants(grants, n_splits=5)


def test_enough_rankable_grants(cv_report):
    assert cv_report["queries"] >= 150


@pytest.mark.parametrize("metric", ["map", "ndcg@10"])
def test_cross_validated_model_beats_every_baseline(cv_report, metric):
    model = cv_report["model"][metric]
    for name, baseline in cv_report["baselines"].items():
        assert model > baseline[metric], f"{name}: {baseline[metric]:.3f} >= model {model:.3f}"


def test_features_of_real_references_ignore_order_and_category(grants):
    hidden = [dataclasses.replace(g, references=[
        dataclasses.replace(r, category="cited by other", sequence=0) for r in g.references[::-1]])
        for g in grants[:60]]
    rows = [_rows_by_reference(gs) for gs in (grants[:60], hidden)]
    assert rows[0] == rows[1]


def test_reference_classes_would_leak_the_label_and_are_dropped(grants):
    """In this data the cited patent's US class is printed mostly for examiner citations."""
    refs = [r for g in grants for r in g.references if r.kind == "patent"]
    with_class = np.mean([bool(r.us_class) for r in refs if r.category == POSITIVE])
    without = np.mean([bool(r.us_class) for r in refs if r.category != POSITIVE])
    assert with_class > 0.9 and without < 0.3
    pairs, _, _ = examples_from_grants(grants)
    assert all(c.uspc == [] for _, c in pairs)


def _rows_by_reference(grants) -> list[tuple]:
    """Return the sorted feature rows of every reference (a multiset: ids can repeat)."""
    pairs, _, groups = examples_from_grants(grants)
    X = np.nan_to_num(PairFeatures().fit(pairs).transform(pairs), nan=-999.0)
    return sorted((g, c.id, *np.round(row, 12)) for g, (_, c), row in zip(groups, pairs, X))
