"""A saved model's integrity, without scikit-learn: the error a tampered model raises, and the
digest of the training data it records."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from .inputs import Pair


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
