"""A saved model's integrity, without scikit-learn: its signed metadata, the error a tampered
model raises, and the digest of the training data it records."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from .inputs import Pair

FORMAT = "reviewapp-ranker/1"


class ModelIntegrityError(ValueError):
    """A model file that this project did not save, or that changed since it was saved."""


def training_data_sha256(pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray) -> str:
    """Return a SHA-256 over every pair's content, label and group, in order."""
    digest = hashlib.sha256()
    query_digests: dict[int, str] = {}
    for (query, candidate), label, group in zip(pairs, y, groups):
        if id(query) not in query_digests:
            query_digests[id(query)] = json_sha256(asdict(query))
        row = [query_digests[id(query)], asdict(candidate), int(label), str(group)]
        digest.update(json.dumps(row, sort_keys=True, default=str).encode() + b"\n")
    return digest.hexdigest()


def json_sha256(value: Any) -> str:
    """Return the SHA-256 of a value's canonical JSON."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def metadata_path(path: str | Path) -> Path:
    """Return the metadata JSON path that belongs beside a model file."""
    return Path(path).with_suffix(".json")


def sign_metadata(meta: dict[str, Any], key: bytes) -> str:
    """Return the HMAC-SHA256 of the metadata (which holds the model's SHA-256)."""
    unsigned = {k: v for k, v in meta.items() if k != "hmac_sha256"}
    message = json.dumps(unsigned, sort_keys=True, default=str).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verified_metadata(path: Path, key: bytes) -> dict[str, Any]:
    """Return the model's metadata after checking its format and HMAC, or refuse."""
    meta_path = metadata_path(path)
    if not path.is_file() or not meta_path.is_file():
        raise ModelIntegrityError(
            f"{path} or its metadata {meta_path.name} is missing: refusing to load")
    try:
        meta = json.loads(meta_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelIntegrityError(
            f"{meta_path} is not valid JSON: refusing to load {path}") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "model_sha256" not in meta:
        raise ModelIntegrityError(f"{meta_path} is not {FORMAT} metadata: refusing to load {path}")
    if not hmac.compare_digest(str(meta.get("hmac_sha256", "")), sign_metadata(meta, key)):
        raise ModelIntegrityError(
            f"{meta_path} is not signed with this key (changed, or saved by someone else): "
            f"refusing to load {path}")
    return meta


def check_key(key: bytes) -> None:
    """Refuse a signing key that is not non-empty bytes."""
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("key must be non-empty bytes (pass the app's secret key)")
