"""Scalar signals of one pair: dates, kind codes, who cites, community counts."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the input types import this module's helpers at run time
    from .inputs import Candidate, QueryDoc

# US kind-code families: "a" grants before 2001, "b1"/"b2" grants since (without / after an
# earlier publication), "pub" published applications (A1, A2, A9), "s" designs.
US_CODES: tuple[str, ...] = ("a", "b1", "b2", "pub", "s")


def nan_if_none(value: float | None) -> float:
    return np.nan if value is None else float(value)


def days_before_priority(query: QueryDoc, candidate: Candidate) -> float:
    """Return days from publication to the priority date (negative: published after)."""
    if query.priority_date is None or candidate.publication_date is None:
        return np.nan
    return float((query.priority_date - candidate.publication_date).days)


def net_votes(candidate: Candidate) -> float:
    """Return up minus down votes, NaN unless both counts are known."""
    if candidate.votes_up is None or candidate.votes_down is None:
        return np.nan
    return float(candidate.votes_up - candidate.votes_down)


def track_record(candidate: Candidate, prior_used: float, prior_unused: float) -> float:
    """Return the submitter's smoothed examiner-used rate, NaN if never recorded."""
    if candidate.submitter_judged is None:
        return np.nan
    used = candidate.submitter_used or 0
    return (used + prior_used) / (candidate.submitter_judged + prior_used + prior_unused)


def log1p_or_nan(value: float | None) -> float:
    return np.nan if value is None else float(np.log1p(max(float(value), 0.0)))


def log_age_years(days_before: float) -> float:
    """Return log(1 + years published before priority), 0 for later ones, NaN if unknown."""
    if np.isnan(days_before):
        return np.nan
    return float(np.log1p(max(days_before, 0.0) / 365.25))


def kind_code_family(candidate: Candidate) -> list[float]:
    """Return one 0/1 per US kind-code family (US_CODES); NaN when the code is unknown.

    Only US codes are told apart: other offices use the same letters for other things.
    """
    code = candidate.kind_code.strip().upper()
    if candidate.kind == "npl" or (candidate.kind == "foreign"):
        return [0.0] * len(US_CODES)
    if not code:
        return [np.nan] * len(US_CODES)
    family = ("pub" if code in ("A1", "A2", "A9") else "a" if code == "A" else
              code.lower() if code in ("B1", "B2", "S", "S1") else "")
    family = "s" if family == "s1" else family
    return [float(family == name) for name in US_CODES]


def same_country(query: QueryDoc, candidate: Candidate,
                 countries: frozenset[str] | None = None) -> float:
    """Return 1 if the candidate's office is a country of the application's parties, else 0.

    Applicants cite art from their home office more than examiners do; NaN when either
    side's country is unknown (non-patent literature has none). `countries` passes the
    query's, upper-cased, when already computed.
    """
    country = candidate.country.strip().upper() or ("US" if candidate.kind == "us" else "")
    countries = countries if countries is not None else party_countries(query)
    if candidate.kind == "npl" or not country or not countries:
        return np.nan
    return float(country in countries)


def party_countries(query: QueryDoc) -> frozenset[str]:
    """Return the upper-cased countries of the application's parties."""
    return frozenset(c.strip().upper() for c in query.countries if c.strip())


# Words that say what a party is, not who: dropped before names are compared.
_NAME_NOISE = frozenset((
    "et", "al", "jr", "sr", "ii", "iii", "iv", "inc", "incorporated", "corp", "corporation",
    "co", "company", "ltd", "limited", "llc", "llp", "lp", "plc", "gmbh", "ag", "kg", "sa", "nv",
    "bv", "ab", "oy", "spa", "srl", "kabushiki", "kaisha", "kk", "the", "of", "and", "for",
))
_NAME_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """Return the word a name is cited by: a person's surname, an organisation's last word.

    "Smith et al." -> "smith", "John A. Smith, Jr." -> "smith", "Sony Corporation" -> "sony".
    """
    found = [w for w in _NAME_WORD.findall(name.lower()) if w not in _NAME_NOISE]
    return found[-1] if found else ""

