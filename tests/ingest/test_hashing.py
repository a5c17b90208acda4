"""The content hash: equal content, equal hash; any change to what is stored, another hash."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from reviewapp.ingest.hashing import record_hash
from reviewapp.ingest.records import ClaimRecord, ReferenceRecord
from tests.ingest.test_loader import grant


def test_text_moved_across_a_field_boundary_changes_the_hash():
    """Lengths lead every string: "ab"+"c" and "a"+"bc" are different records."""
    assert record_hash(grant(title="ab", abstract="c")) != record_hash(grant(title="a", abstract="bc"))
    assert record_hash(grant(cpc=["A01B 1/00", "A01B 1/02"])) != record_hash(grant(cpc=["A01B 1/00A01B 1/02"]))
    one = [ClaimRecord(1, "1. A b."), ClaimRecord(2, "2. C.", [1])]
    other = [ClaimRecord(1, "1. A b."), ClaimRecord(2, "2. C.", [])]
    assert record_hash(grant(claims=one)) != record_hash(grant(claims=other))


@pytest.mark.parametrize("change", [
    {"filing_date": None}, {"filing_date": dt.date(2009, 1, 3)}, {"description": "Background.\n\nSummary"},
    {"references": [ReferenceRecord(kind="npl", text="J. Heat Transfer 12 (1990)")]},
    {"countries": ["US"]}, {"title": "Heat exchanger\u00a0"}, {"kind": "B1"},
])
def test_every_stored_change_changes_the_hash(change):
    assert record_hash(grant()) != record_hash(grant(**change))


def test_equal_content_hashes_equal_and_unknown_values_are_refused():
    assert record_hash(grant()) == record_hash(dataclasses.replace(grant(), position=7))
    with pytest.raises(TypeError, match="cannot hash a float"):
        record_hash(grant(title=1.5))
