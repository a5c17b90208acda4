"""Rank prior-art submissions for one patent application by examiner reliance.

A pure scikit-learn library: no web framework, no database. The app builds `QueryDoc` and
`Candidate` rows and calls `load_ranker(path, key).rank(query, candidates)`. The evaluation
(`scoring.evaluate.evaluate`) is imported from its module, whose name it shares.

Names are imported from their modules on first use (PEP 562): the input types
(`scoring.inputs`), explanations and the integrity error load no scikit-learn, so a process
that never ranks (an import, a page without rankings) does not carry it.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bootstrap import examples_from_grants
    from .evaluate import cross_validate_grants
    from .explain import Explanation, Reason
    from .features import PairFeatures
    from .inputs import Candidate, QueryDoc
    from .integrity import ModelIntegrityError
    from .model import HeuristicRanker, RankingModel, load_ranker

_HOMES = {
    "examples_from_grants": "bootstrap", "cross_validate_grants": "evaluate",
    "Explanation": "explain", "Reason": "explain",
    "PairFeatures": "features", "Candidate": "inputs", "QueryDoc": "inputs",
    "ModelIntegrityError": "integrity", "HeuristicRanker": "model", "RankingModel": "model",
    "load_ranker": "model",
}

__all__ = [
    "Candidate", "Explanation", "HeuristicRanker", "ModelIntegrityError", "PairFeatures",
    "QueryDoc", "RankingModel", "Reason", "cross_validate_grants", "examples_from_grants",
    "load_ranker",
]


def __getattr__(name: str) -> Any:
    """Return a public name, importing its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{home}", __name__), name)
