"""Search backends: each implements the same functions for ``search`` to delegate to.

A backend is a module (or package) with ``index_documents``, ``index_latest``,
``remove_documents``, ``rebuild``, ``prepare``, ``query``, ``like_claim``, ``check``, ``exists``,
``ensure_index`` and ``close_all``, taking an index directory as a ``Path`` first; ``Backend``
gives their types. Both share the query language (``search.parsing``), its cost bounds
(``search.cost``), the document (``search.schema``), snippets and the index directory's layout
and write lock (``search.store``). The contract suite, ``tests/search/contract``, is what a
backend must pass.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from .. import Sort
    from ..results import CheckReport, Results

BACKENDS = ("whoosh", "tantivy")
DEFAULT = "whoosh"


class Backend(Protocol):
    """The functions of a backend module, as ``search`` calls them."""

    def index_documents(self, index_dir: Path, docs: Iterable[Mapping[str, Any]]) -> int: ...

    def index_latest(self, index_dir: Path, load: Callable[[], Iterable[Any]]) -> int: ...

    def remove_documents(self, index_dir: Path, ids: Iterable[str]) -> int: ...

    def rebuild(self, index_dir: Path, docs: Iterable[Mapping[str, Any]],
                progress: Callable[[int], None] | None = None) -> int: ...

    def prepare(self, doc: Mapping[str, Any]) -> tuple[str, Any]: ...

    def query(self, index_dir: Path, q: str, *, filters: Mapping[str, Any] | None = None,
              before: dt.date | None = None, sort: Sort = "relevance", page: int = 1,
              pagelen: int = 20, facets: bool = True) -> Results: ...

    def like_claim(self, index_dir: Path, claim_text: str, *, before: dt.date | None,
                   limit: int = 20, exclude_id: str | None = None) -> Results: ...

    def check(self, index_dir: Path, expected: Mapping[str, str]) -> CheckReport: ...

    def exists(self, index_dir: Path) -> bool: ...

    def ensure_index(self, index_dir: Path) -> Path: ...

    def close_all(self) -> None: ...


def load(name: str) -> Backend:
    """Return the backend module called ``name``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown search backend {name!r}: use one of {', '.join(BACKENDS)}")
    # import_module says only ModuleType; the assignment at the end checks each backend.
    return cast(Backend, importlib.import_module(f"{__name__}.{name}"))


if TYPE_CHECKING:  # for mypy alone: every backend module must match Backend
    from . import tantivy as _tantivy
    from . import whoosh as _whoosh

    _CHECKED: tuple[Backend, ...] = (_whoosh, _tantivy)
