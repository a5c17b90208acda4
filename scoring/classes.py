"""Classification codes (CPC/IPC, USPC): prefixes per level and their overlap."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

import numpy as np

# CPC/IPC hierarchy levels, coarse to fine ("H", "H04", "H04L", "H04L 9/00").
IPC_LEVELS: tuple[str, ...] = ("section", "class", "subclass", "group")
USPC_LEVELS: tuple[str, ...] = ("class", "subclass")

_IPC_RE = re.compile(r"^\s*([A-H])\s*(\d{2})\s*([A-Z])\s*(\d{1,4})?")


@lru_cache(maxsize=65_536)
def ipc_prefixes(code: str) -> tuple[str, ...]:
    """Return the section, class, subclass and main-group prefixes of a CPC/IPC code."""
    match = _IPC_RE.match(code.upper())
    if not match:
        return ()
    section, klass, subclass, group = match.groups()
    prefixes: tuple[str, ...] = (section, section + klass, section + klass + subclass)
    if group:
        prefixes += (f"{prefixes[2]} {int(group)}/00",)
    return prefixes


@lru_cache(maxsize=65_536)
def uspc_prefixes(code: str) -> tuple[str, ...]:
    """Return the class and class/subclass of a USPC code such as "713/168" or "D13/147"."""
    code = code.replace(" ", "").upper()
    if not code:
        return ()
    klass, _, subclass = code.partition("/")
    klass = klass.lstrip("0") or "0"
    subclass = subclass.lstrip("0")
    return (klass, f"{klass}/{subclass}") if subclass else (klass,)


@lru_cache(maxsize=16_384)
def level_sets(codes: tuple[str, ...], scheme: Literal["ipc", "uspc"]
               ) -> tuple[frozenset[str], ...]:
    """Return, for each level of the scheme's hierarchy, the prefixes of the codes."""
    split, depth = (ipc_prefixes, len(IPC_LEVELS)) if scheme == "ipc" else \
        (uspc_prefixes, len(USPC_LEVELS))
    parts = [split(code) for code in codes]
    return tuple(frozenset(p[level] for p in parts if len(p) > level) for level in range(depth))


def shared_prefix(query_codes: Iterable[str], candidate_codes: Iterable[str], level: int,
                  scheme: Literal["ipc", "uspc"]) -> str | None:
    """Return one prefix at `level` both code lists share, "" if none, None if either is empty."""
    query = level_sets(tuple(query_codes), scheme)[level]
    candidate = level_sets(tuple(candidate_codes), scheme)[level]
    if not query or not candidate:
        return None
    common = sorted(query & candidate)
    return common[0] if common else ""


def class_overlaps(query_codes: Sequence[str], candidate_codes: Sequence[str],
                   scheme: Literal["ipc", "uspc"]) -> list[float]:
    """Return per level 1.0 if the code lists share a prefix, 0.0 if not, NaN if one is empty."""
    pairs = zip(level_sets(tuple(query_codes), scheme), level_sets(tuple(candidate_codes), scheme))
    return [float(bool(q & c)) if q and c else np.nan for q, c in pairs]

