"""The content hash of a parsed record (pure: runs in the parser processes)."""
from __future__ import annotations

import dataclasses
import hashlib
import json

from .records import ClaimRecord, PatentRecord, ReferenceRecord

# Where the document was read from is not part of its content.
_FIELDS = tuple(f.name for f in dataclasses.fields(PatentRecord) if f.name not in ("source", "position"))
_CLAIM_FIELDS = tuple(f.name for f in dataclasses.fields(ClaimRecord))
_REFERENCE_FIELDS = tuple(f.name for f in dataclasses.fields(ReferenceRecord))


def _plain(value: object) -> object:
    """Return claims and references as lists of their fields; other values as they are."""
    if isinstance(value, list) and value and isinstance(value[0], ClaimRecord):
        return [[getattr(item, name) for name in _CLAIM_FIELDS] for item in value]
    if isinstance(value, list) and value and isinstance(value[0], ReferenceRecord):
        return [[getattr(item, name) for name in _REFERENCE_FIELDS] for item in value]
    return value


def record_hash(record: PatentRecord) -> str:
    """Return a SHA-256 of the record's content, stable across runs."""
    # Field by field rather than dataclasses.asdict, which deep-copies every claim and
    # reference first: a fifth of a document's parsing time.
    payload = [[name, _plain(getattr(record, name))] for name in _FIELDS]
    text = json.dumps(payload, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
