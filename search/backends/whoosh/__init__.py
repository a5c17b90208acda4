"""The Whoosh backend: pure Python, embedded, the default for small sites and ``make run``.

Whoosh 2.7.4 is pinned exactly: ``patches`` fixes it, ``postings`` reads its posting blocks,
``bulk`` writes its segments; ``tests/search/backends/whoosh/test_private_members.py`` lists
every private member relied upon and fails loudly when one changes.
"""
from __future__ import annotations

from . import patches

patches.apply()

from .querying import check, like_claim, query
from .reader import close_all
from .writer import (
    ensure_index,
    exists,
    index_documents,
    index_latest,
    prepare,
    rebuild,
    remove_documents,
)

__all__ = ["check", "close_all", "ensure_index", "exists", "index_documents", "index_latest",
           "like_claim", "prepare", "query", "rebuild", "remove_documents"]
