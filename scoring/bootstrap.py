"""Training examples from real examiner behaviour: the citations printed in US grants.

Each grant is one query (its own claims, classes and priority date); its cited references
are the candidates, labelled 1 when "cited by examiner" and 0 when cited by the applicant
or anyone else. The category is only ever the label: a candidate is built from what a
volunteer's submission of the same document would also carry, never from the reference's
position, sequence number, list of origin or category.

Why reference US classes are dropped by default: in grant XML the examiner's citations
carry the cited patent's US class far more often than the applicant's (about 99% against
15% in the shared 2005-2013 sample), so the mere presence of a class would stand for the
label. Pass `reference_classes=True` only with data where that is not so.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .features import Candidate, Pair, QueryDoc

POSITIVE = "cited by examiner"
# Any other known category is a reference the examiner did not rely on.
NEGATIVE = frozenset({"cited by applicant", "cited by other", "cited by third party"})


def query_from_grant(grant: Any) -> QueryDoc:
    """Return the QueryDoc of a PatentRecord-shaped grant."""
    return QueryDoc(
        id=grant.publication_number,
        claims=[(c.number, c.text, not c.depends_on) for c in grant.claims],
        priority_date=grant.priority_date or grant.filing_date,
        cpc=list(grant.cpc), ipc=list(grant.ipc), uspc=list(grant.uspc),
        title=grant.title or "", abstract=grant.abstract or "",
    )


def reference_id(reference: Any) -> str:
    """Return a stable id naming the document itself: "US5117378A" or "npl:<digest>"."""
    if reference.kind == "npl":
        digest = hashlib.sha256(" ".join(reference.text.split()).encode()).hexdigest()
        return f"npl:{digest[:16]}"
    return f"{reference.country}{reference.number}{reference.kind_code}".replace(" ", "")


def _library_text(reference: Any, library: Mapping[str, str] | None) -> str:
    """Return the library's text of a patent reference, tried with and without kind code."""
    if not library or reference.kind == "npl":
        return ""
    with_kind = reference_id(reference)
    without_kind = f"{reference.country}{reference.number}".replace(" ", "")
    return library.get(with_kind) or library.get(without_kind) or ""


def candidate_from_reference(reference: Any, library: Mapping[str, str] | None = None,
                             reference_classes: bool = False) -> Candidate:
    """Return the Candidate a volunteer submitting this reference would produce."""
    if reference.kind == "npl":
        kind, text = "npl", reference.text
    else:
        kind = "us" if reference.country.upper() == "US" else "foreign"
        text = _library_text(reference, library)
    return Candidate(
        id=reference_id(reference), kind=kind, publication_date=reference.date, text=text,
        uspc=[reference.us_class] if reference_classes and reference.us_class else [],
    )


def label_of(reference: Any) -> int | None:
    """Return 1 for an examiner citation, 0 for any other known category, None if unknown."""
    category = (reference.category or "").strip().lower()
    if category == POSITIVE:
        return 1
    return 0 if category in NEGATIVE else None


def examples_from_grants(grants: Iterable[Any], library: Mapping[str, str] | None = None,
                         reference_classes: bool = False
                         ) -> tuple[list[Pair], np.ndarray, np.ndarray]:
    """Return (pairs, labels, groups) from grants, one group per grant's publication number.

    References with no category are left out; grants keep every labelled reference, even
    when all share one label (evaluation skips those, training can still use them).
    """
    pairs: list[Pair] = []
    labels: list[int] = []
    groups: list[str] = []
    for grant in grants:
        if getattr(grant, "doc_type", "grant") != "grant":
            continue
        query = query_from_grant(grant)
        for reference in grant.references:
            label = label_of(reference)
            if label is None:
                continue
            pairs.append((query, candidate_from_reference(reference, library, reference_classes)))
            labels.append(label)
            groups.append(query.id)
    return pairs, np.asarray(labels, dtype=int), np.asarray(groups, dtype=object)
