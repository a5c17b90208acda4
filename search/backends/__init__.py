"""Search backends: each implements the same functions for ``search`` to delegate to.

A backend is a module (or package) with ``index_documents``, ``index_latest``,
``remove_documents``, ``rebuild``, ``prepare``, ``query``, ``like_claim``, ``check``, ``exists``,
``ensure_index`` and ``close_all``, taking an index directory as a ``Path`` first. Both share
the query language (``search.parsing``), its cost bounds (``search.cost``), the document
(``search.schema``), snippets and the index directory's layout and write lock
(``search.store``). The contract suite, ``tests/search/contract``, is what a backend must pass.
"""
from __future__ import annotations

import importlib
from types import ModuleType

BACKENDS = ("whoosh", "tantivy")
DEFAULT = "whoosh"


def load(name: str) -> ModuleType:
    """Return the backend module called ``name``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown search backend {name!r}: use one of {', '.join(BACKENDS)}")
    return importlib.import_module(f"{__name__}.{name}")
