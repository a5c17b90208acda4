"""Per-candidate explanations: which features raised or lowered a score, in an examiner's words.

Two honest attributions, both in the model's own score units:
- linear models: coefficient x standardized value, summed over a feature's columns;
- any other model: the change in score when one feature group is replaced by its
  training median, one group at a time (cheap: one extra prediction per group).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .classes import IPC_LEVELS, USPC_LEVELS, shared_prefix
from .inputs import FEATURE_NAMES, KINDS, Candidate, QueryDoc, independent_claims
from .signals import US_CODES

# Columns that say one thing explain as one reason; every other feature stands alone.
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "kind": tuple(f"kind_{kind}" for kind in KINDS),
    "date": ("days_before_priority", "after_priority", "log_age_years"),
    "kind_code": tuple(f"code_{code}" for code in US_CODES),
    "bm25": ("bm25_best_claim", "bm25_independent"),
}
FEATURE_GROUPS.update({name: (name,) for name in FEATURE_NAMES
                       if not any(name in members for members in FEATURE_GROUPS.values())})
# Similarity cut-offs (medium, high) when no training distribution is known.
DEFAULT_SIM_LEVELS = (0.10, 0.30)
KIND_WORDS = {"us": "a US patent document", "foreign": "a foreign patent document",
              "npl": "non-patent literature"}
IPC_WORDS = dict(zip(IPC_LEVELS, ("section", "class", "subclass", "main group")))


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature's signed effect on a score and its description."""

    feature: str
    effect: float
    text: str

    def __str__(self) -> str:
        return f"{'+' if self.effect > 0 else '-'} {self.text}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """The reasons that moved one score most, strongest first, and how they were found."""

    reasons: tuple[Reason, ...]
    method: str

    def __str__(self) -> str:
        return "; ".join(map(str, self.reasons)) or "no feature moved this score"

    @property
    def features(self) -> list[str]:
        """Return the feature names of the reasons, strongest first."""
        return [reason.feature for reason in self.reasons]


@dataclass(frozen=True, slots=True)
class Context:
    """What the phrasebook needs beyond the feature row."""

    query: QueryDoc
    candidate: Candidate
    best_claim: tuple[int | None, float] = (None, np.nan)
    sim_levels: tuple[float, float] = DEFAULT_SIM_LEVELS


# ---------------------------------------------------------------- attributions

def group_columns(columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Return, per feature group, the indices of its columns among `columns`."""
    index = {name: i for i, name in enumerate(columns)}
    return {group: np.array([index[c] for c in members if c in index], dtype=int)
            for group, members in FEATURE_GROUPS.items()}


def linear_contributions(coef: np.ndarray, standardized: np.ndarray,
                         columns: Sequence[str], scale: float = 1.0) -> dict[str, np.ndarray]:
    """Return per-group coefficient x standardized value (times an output scale), per row."""
    products = standardized * coef * scale
    return {group: products[:, idx].sum(axis=1)
            for group, idx in group_columns(columns).items() if idx.size}


def replacement_contributions(margin: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                              medians: np.ndarray, columns: Sequence[str]
                              ) -> dict[str, np.ndarray]:
    """Return per-group score minus the score with that group set to its training median."""
    base = margin(X)
    groups = [(g, idx) for g, idx in group_columns(columns).items() if idx.size]
    # All replaced copies go through the model in one call: one prediction per group.
    stacked = np.vstack([_replaced(X, idx, medians) for _, idx in groups])
    shifted = margin(stacked).reshape(len(groups), len(X))
    return {group: base - shifted[k] for k, (group, _) in enumerate(groups)}


def _replaced(X: np.ndarray, idx: np.ndarray, medians: np.ndarray) -> np.ndarray:
    copy = X.copy()
    copy[:, idx] = medians[idx]
    return copy


def top_reasons(groups: Sequence[str], effects: np.ndarray, row: Mapping[str, float],
                context: Context, method: str, limit: int = 3) -> Explanation:
    """Return the `limit` strongest non-zero effects of one row (aligned with groups), described."""
    strongest = np.argsort(-np.abs(effects), kind="stable")[:limit]
    reasons = tuple(Reason(groups[k], float(effects[k]), describe(groups[k], row, context))
                    for k in strongest if abs(effects[k]) > 1e-9)
    return Explanation(reasons, method)


# ---------------------------------------------------------------- the phrasebook

def describe(group: str, row: Mapping[str, float], context: Context) -> str:
    """Return one feature group's value in words a patent examiner uses."""
    for prefix, phrase in _PHRASES:
        if group.startswith(prefix):
            return phrase(group, row, context)
    return f"{group} = {row.get(group, np.nan):.3g}"


def _level(value: float, levels: tuple[float, float]) -> str:
    return "high" if value >= levels[1] else "medium" if value >= levels[0] else "low"


def _similarity(group: str, row: Mapping[str, float], ctx: Context) -> str:
    value = row[group]
    if np.isnan(value):
        return "no text of the candidate to compare with the claims"
    level = _level(value, ctx.sim_levels)
    if group == "sim_best_claim":
        number = ctx.best_claim[0]
        where = f"claim {number}" if number is not None else "the claims"
        return f"{where} text similarity {value:.2f} ({level})"
    if group == "sim_weighted_mean":
        return f"mean text similarity over all claims {value:.2f} ({level})"
    return f"similarity to the application's title and abstract {value:.2f} ({level})"


def _span(days: float) -> str:
    years = abs(days) / 365.25
    if years >= 1.5:
        return f"{years:.0f} years"
    months = max(1, round(abs(days) / 30.44))
    return f"{months} month{'s' if months > 1 else ''}"


def _dates(group: str, row: Mapping[str, float], ctx: Context) -> str:
    days = row["days_before_priority"]
    if np.isnan(days):
        return "publication or priority date unknown"
    if days >= 0:
        return f"published {_span(days)} before priority"
    return (f"published {_span(days)} after priority: prior art only through an earlier "
            "filing date (35 U.S.C. 102(e))")


def _kind(group: str, row: Mapping[str, float], ctx: Context) -> str:
    return KIND_WORDS.get(ctx.candidate.kind, f"a document of kind {ctx.candidate.kind!r}")


def _classes(group: str, row: Mapping[str, float], ctx: Context) -> str:
    scheme, level_name = group.split("_", 1)
    if scheme == "ipc":
        level = IPC_LEVELS.index(level_name)
        shared = shared_prefix(ctx.query.cpc + ctx.query.ipc,
                               ctx.candidate.cpc + ctx.candidate.ipc, level, "ipc")
        label = f"CPC/IPC {IPC_WORDS[level_name]}"
    else:
        level = USPC_LEVELS.index(level_name)
        shared = shared_prefix(ctx.query.uspc, ctx.candidate.uspc, level, "uspc")
        label = f"USPC {level_name}"
    if shared is None:
        return f"{label} of the candidate unknown"
    return f"shares {label} {shared}" if shared else f"no {label} in common"


def _claims(group: str, row: Mapping[str, float], ctx: Context) -> str:
    targeted = ctx.candidate.claims_targeted
    if targeted is None:
        return "claims targeted unknown"
    if not targeted:
        return "targets no specific claim"
    independent = sorted(set(targeted) & independent_claims(ctx.query))
    if group == "targets_independent":
        if independent:
            return f"targets independent claim{'s' if len(independent) > 1 else ''} " + \
                ", ".join(map(str, independent))
        return "targets only dependent claims"
    return f"targets {len(set(targeted))} claim{'s' if len(set(targeted)) > 1 else ''}"


def _community(group: str, row: Mapping[str, float], ctx: Context) -> str:
    c = ctx.candidate
    if group == "net_votes":
        if np.isnan(row[group]):
            return "no community votes recorded"
        return f"community votes {c.votes_up} up, {c.votes_down} down (net {row[group]:+.0f})"
    if group == "endorsements":
        return "endorsements unknown" if np.isnan(row[group]) else \
            f"{row[group]:.0f} endorsement{'s' if row[group] != 1 else ''} by reviewers"
    return "claim marks unknown" if np.isnan(row[group]) else \
        f"{row[group]:.0f} claim mark{'s' if row[group] != 1 else ''} by reviewers"


def _track_record(group: str, row: Mapping[str, float], ctx: Context) -> str:
    if np.isnan(row[group]):
        return "submitter has no examiner verdicts yet"
    c = ctx.candidate
    return (f"submitter's examiner-used rate {row[group]:.0%} "
            f"(smoothed, {c.submitter_used or 0} of {c.submitter_judged} verdicts)")


def _kind_code(group: str, row: Mapping[str, float], ctx: Context) -> str:
    code = ctx.candidate.kind_code
    return f"kind code {code}" if code else "kind code unknown"


def _who(group: str, row: Mapping[str, float], ctx: Context) -> str:
    if np.isnan(row[group]):
        return "office or the applicants' countries unknown"
    country = ctx.candidate.country or "US"
    return (f"from the applicants' own office ({country})" if row[group]
            else f"from another office ({country}) than the applicants'")


def _library(group: str, row: Mapping[str, float], ctx: Context) -> str:
    c = ctx.candidate
    if group == "bm25":
        if c.bm25_best_claim is None:
            return "full text not in the library"
        return (f"library full-text match to the claims: best claim {c.bm25_best_claim:.1f}, "
                f"independent claims {c.bm25_independent or 0:.1f} (BM25)")
    if group == "cocited":
        return "co-citations unknown" if c.cocited is None else \
            f"cited with this application's other art by {c.cocited} library grant(s)"
    if c.cited_by is None:
        return "citations in the library unknown"
    return (f"cited by {c.cited_by} library grant(s), by the examiner in "
            f"{c.examiner_cited or 0}")


def _in_list(group: str, row: Mapping[str, float], ctx: Context) -> str:
    value = row[group]
    if group == "name_repeats":
        if np.isnan(value):
            return "patentee unknown"
        others = int(np.expm1(value) + 0.5)
        return (f"{others} other candidate(s) of this application name the same patentee"
                if others else "the only candidate naming its patentee")
    if group == "same_day_repeats":
        if np.isnan(value):
            return "publication date unknown"
        others = int(np.expm1(value) + 0.5)
        return (f"published the same day as {others} other candidate(s) (a family?)"
                if others else "the only candidate published that day")
    if np.isnan(value):
        return "whether the application's own text cites it is unknown"
    return "cited in the application's own text (known to the applicant)" if value \
        else "not cited in the application's own text"


_PHRASES: tuple[tuple[str, Callable[[str, Mapping[str, float], Context], str]], ...] = (
    ("sim_", _similarity),
    ("date", _dates),
    ("kind_code", _kind_code),
    ("kind", _kind),
    ("ipc_", _classes),
    ("uspc_", _classes),
    ("n_claims_targeted", _claims),
    ("targets_independent", _claims),
    ("net_votes", _community),
    ("endorsements", _community),
    ("claim_marks", _community),
    ("submitter_track_record", _track_record),
    ("same_country", _who),
    ("bm25", _library),
    ("cited_by", _library),
    ("examiner_cited", _library),
    ("cocited", _library),
    ("name_repeats", _in_list),
    ("same_day_repeats", _in_list),
    ("mentioned_in_text", _in_list),
)
