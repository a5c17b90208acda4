"""The tantivy backend: Rust (the ``tantivy`` wheel), BM25, for libraries of millions.

The query language, its cost bounds, the analysis of text and the index directory's layout
and write lock are shared with the Whoosh backend; see ``documents`` (schema and analysed
documents), ``translate`` (parsed query -> tantivy query), ``index`` (readers, writers),
``writer`` (updates, streaming rebuild) and ``querying``. Differences from Whoosh are listed
in docs/SEARCH.md and tested in tests/search/contract.
"""
from __future__ import annotations

from .documents import prepare
from .index import close_all, ensure_index, exists
from .querying import check, like_claim, query
from .writer import index_documents, index_latest, rebuild, remove_documents

__all__ = ["check", "close_all", "ensure_index", "exists", "index_documents", "index_latest",
           "like_claim", "prepare", "query", "rebuild", "remove_documents"]
