"""The content hash of a parsed record (pure: runs in the parser processes)."""
from __future__ import annotations

import dataclasses
import hashlib
import json

from .records import PatentRecord


def record_hash(record: PatentRecord) -> str:
    """Return a SHA-256 of the record's content, stable across runs."""
    payload = dataclasses.asdict(record)
    # Where the document was read from is not part of its content.
    payload.pop("source", None)
    payload.pop("position", None)
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
