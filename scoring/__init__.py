"""Rank prior-art submissions for one patent application by examiner reliance.

A pure scikit-learn library: no web framework, no database. The app builds `QueryDoc` and
`Candidate` rows and calls `load_ranker(path, key).rank(query, candidates)`.
"""
from .bootstrap import examples_from_grants
from .evaluate import cross_validate_grants, evaluate
from .explain import Explanation, Reason
from .features import Candidate, PairFeatures, QueryDoc
from .model import HeuristicRanker, ModelIntegrityError, RankingModel, load_ranker

__all__ = [
    "Candidate", "Explanation", "HeuristicRanker", "ModelIntegrityError", "PairFeatures",
    "QueryDoc", "RankingModel", "Reason", "cross_validate_grants", "evaluate",
    "examples_from_grants", "load_ranker",
]
