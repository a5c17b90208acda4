"""The grant examples: labelled references read from USPTO grants, saved once, reused by training.

`bootstrap-examples.json.gz` in MODEL_DIR holds them as signed gzip JSON lines (plain data,
never a pickle); `scoring.bootstrap` makes them from grants, this module stores and verifies
them and names the files they came from.
"""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from scoring import Candidate, ModelIntegrityError, QueryDoc
from scoring.inputs import Pair
from scoring.integrity import training_data_sha256

from ..models.base import utcnow
from .model_store import model_dir, secret_key, write_atomically

EXAMPLES_FILE = "bootstrap-examples.json.gz"
EXAMPLES_FORMAT = "reviewapp-examples/1"
Examples = tuple[list[Pair], np.ndarray, np.ndarray]


class ExamplesError(ModelIntegrityError):
    """A saved examples file this project did not write, or that changed since."""


def grants_from(paths: Iterable[str | Path], progress: Callable[[int], None] | None = None
                ) -> tuple[list[Any], list[Any]]:
    """Return the grants (PatentRecords) read from USPTO XML paths, and the read errors."""
    from ..ingest import ParseError, PatentRecord, read_documents

    grants, errors = [], []
    for item in read_documents(paths, progress=progress):
        if isinstance(item, PatentRecord) and item.doc_type == "grant":
            grants.append(item)
        elif isinstance(item, ParseError):
            errors.append(item)
    return grants, errors


def source_files(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Return name, size and SHA-256 of every file read from paths (what the data came from)."""
    from ..ingest.sources import input_files

    out = []
    for path in input_files(paths):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out.append({"file": path.name, "bytes": path.stat().st_size,
                    "sha256": digest.hexdigest()})
    return out


def save_bootstrap_examples(pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
                            sources: list[dict[str, Any]], directory: Path | None = None
                            ) -> dict[str, Any]:
    """Save grant examples as signed gzip JSON lines in MODEL_DIR; return the header."""
    # Plain data, never a pickle: loading it cannot run code. Line 1 is the header (counts,
    # sources, SHA-256 of the examples, HMAC), line 2 the queries, line 3 the rows
    # [query index, candidate, label, group]; the header alone is cheap to read for status.
    directory = directory or model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    query_index: dict[int, int] = {}
    queries: list[dict[str, Any]] = []
    rows = []
    for (query, candidate), label, group in zip(pairs, y, groups):
        if id(query) not in query_index:
            query_index[id(query)] = len(queries)
            queries.append(asdict(query))
        rows.append([query_index[id(query)], asdict(candidate), int(label), str(group)])
    header = {
        "format": EXAMPLES_FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "sources": sources,
        "grants": len(queries), "pairs": len(rows), "positives": int(np.sum(y)),
        "sha256": training_data_sha256(pairs, y, groups),
    }
    header["hmac_sha256"] = _sign(header)
    lines = [json.dumps(part, default=_jsonable, sort_keys=True)
             for part in (header, queries, rows)]
    write_atomically(directory / EXAMPLES_FILE, gzip.compress("\n".join(lines).encode(), 6))
    return header


def bootstrap_header(directory: Path | None = None) -> dict[str, Any] | None:
    """Return the verified header of the saved grant examples, None when there are none."""
    path = (directory or model_dir()) / EXAMPLES_FILE
    if not path.is_file():
        return None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = json.loads(handle.readline())
    except (OSError, EOFError, ValueError) as error:
        raise ExamplesError(f"{path} is not a readable examples file: {error}") from error
    _check_header(path, header)
    return header


def load_bootstrap_examples(directory: Path | None = None
                            ) -> tuple[Examples, dict[str, Any]] | None:
    """Return the saved grant examples and their header, None when there are none."""
    path = (directory or model_dir()) / EXAMPLES_FILE
    if not path.is_file():
        return None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header, queries, rows = (json.loads(line) for line in handle.read().split("\n"))
    except (OSError, EOFError, ValueError) as error:
        raise ExamplesError(f"{path} is not a readable examples file: {error}") from error
    _check_header(path, header)
    try:
        docs = [_query(q) for q in queries]
        pairs = [(docs[qi], _candidate(c)) for qi, c, _, _ in rows]
    except (TypeError, ValueError, IndexError, KeyError) as error:
        raise ExamplesError(f"{path} holds malformed examples: {error}") from error
    y = np.asarray([row[2] for row in rows], dtype=int)
    groups = np.asarray([row[3] for row in rows], dtype=object)
    if training_data_sha256(pairs, y, groups) != header["sha256"]:
        raise ExamplesError(f"{path}: the examples do not match the SHA-256 of their header: "
                            "refusing to train on them")
    return (pairs, y, groups), header


def _check_header(path: Path, header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != EXAMPLES_FORMAT:
        raise ExamplesError(f"{path} is not {EXAMPLES_FORMAT} data: refusing to use it")
    if not hmac.compare_digest(str(header.get("hmac_sha256", "")), _sign(header)):
        raise ExamplesError(f"{path} is not signed with this site's key (changed, or saved by "
                            "someone else): refusing to use it")


def _sign(header: dict[str, Any]) -> str:
    unsigned = {k: v for k, v in header.items() if k != "hmac_sha256"}
    message = json.dumps(unsigned, sort_keys=True, default=str).encode()
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in examples")


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _query(data: dict[str, Any]) -> QueryDoc:
    data = dict(data)
    data["claims"] = [(int(n), str(t), bool(i)) for n, t, i in data["claims"]]
    data["priority_date"] = _day(data["priority_date"])
    return QueryDoc(**data)


def _candidate(data: dict[str, Any]) -> Candidate:
    data = dict(data)
    data["publication_date"] = _day(data["publication_date"])
    return Candidate(**data)


def in_sample_grants(grants: Iterable[Any], metadata: dict[str, Any]) -> set[str] | None:
    """Return the publication numbers of the grants the model was trained on, None if unknown."""
    # Unknown for a model saved before its metadata listed its training groups: the caller
    # then falls back to comparing input files (in_sample_files).
    from scoring.model import trained_groups

    return trained_groups(metadata, [grant.publication_number for grant in grants])


def in_sample_files(paths: Iterable[str | Path], metadata: dict[str, Any]) -> list[str]:
    """Return the files among paths whose grants the model was trained on."""
    trained = {f.get("sha256") for f in
               ((metadata.get("sources") or {}).get("bootstrap") or {}).get("files", [])}
    return [f["file"] for f in source_files(paths) if f["sha256"] in trained]
