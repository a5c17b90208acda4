"""The parser's records: what crosses from the parser processes comes back equal."""
from __future__ import annotations

import dataclasses
import pickle

from reviewapp.ingest.records import ClaimRecord, PatentRecord, ReferenceRecord


def test_records_of_real_documents_pickle_as_their_field_values(records):
    """Every field, nested claims and references included, survives the trip between processes."""
    for record in records.values():
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        assert pickle.loads(data) == record
        # The constructor and the values, not the slots' state: a dict naming every field.
        assert b"publication_date" not in data


def test_every_field_is_pickled_in_order():
    """A field added later is pickled too: the values follow dataclasses.fields."""
    for cls in (ClaimRecord, ReferenceRecord, PatentRecord):
        names = [f.name for f in dataclasses.fields(cls)]
        values = {name: f"value of {name}" for name in names}
        rebuilt = pickle.loads(pickle.dumps(cls(**values)))
        assert [getattr(rebuilt, name) for name in names] == list(values.values())
