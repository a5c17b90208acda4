"""The review site: `create_app` builds it; nothing here runs at import.

Importing the package loads nothing else (PEP 562: `create_app` is looked up in
`reviewapp.factory` on first use), so a process that needs one part, such as an import's parser
processes (`reviewapp.ingest`), does not load Flask, SQLAlchemy and every feature.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

if TYPE_CHECKING:
    from .factory import create_app

__all__ = ["PROJECT_ROOT", "create_app"]


def __getattr__(name: str) -> Any:
    """Return the factory's create_app, importing it on first use."""
    if name == "create_app":
        from .factory import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
