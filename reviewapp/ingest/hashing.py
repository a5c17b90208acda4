"""The content hash of a parsed record (pure: runs in the parser processes)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable

from .records import ClaimRecord, PatentRecord, ReferenceRecord

# Where the document was read from is not part of its content.
_FIELDS = tuple(f.name for f in dataclasses.fields(PatentRecord) if f.name not in ("source", "position"))
_NESTED: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in (ClaimRecord, ReferenceRecord)}


def canonical_parts(value: object, out: list[str]) -> None:
    """Append value's canonical text: each string or list led by its type and length."""
    if isinstance(value, str):
        out.append(f"s{len(value)}:")
        out.append(value)
    elif value is None:
        out.append("n")
    elif isinstance(value, bool | int):
        out.append(f"i{int(value)};")
    elif isinstance(value, dt.date):
        out.append(f"d{value.isoformat()};")
    elif isinstance(value, list):
        out.append(f"l{len(value)}:")
        for item in value:
            canonical_parts(item, out)
    elif type(value) in _NESTED:
        for name in _NESTED[type(value)]:
            canonical_parts(getattr(value, name), out)
    else:
        raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_bytes(fields: Iterable[tuple[str, object]]) -> bytes:
    """Return named values as one canonical text (UTF-8): what the digests are taken of."""
    # Strings are taken as they are, each after its length, so no two inputs read alike;
    # JSON would escape every character of a 40 KB description first, twice the time.
    out: list[str] = []
    for name, value in fields:
        out.append(name)
        canonical_parts(value, out)
    return "".join(out).encode("utf-8", "surrogatepass")


def record_hash(record: PatentRecord) -> str:
    """Return a SHA-256 of the record's content, stable across runs."""
    return hashlib.sha256(canonical_bytes((name, getattr(record, name)) for name in _FIELDS)).hexdigest()
