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
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .inputs import Candidate, CandidateKind, Pair, QueryDoc
from .listwise import mentioned_keys

POSITIVE = "cited by examiner"
# Any other known category is a reference the examiner did not rely on.
NEGATIVE = frozenset({"cited by applicant", "cited by other", "cited by third party"})


@dataclass(frozen=True, slots=True)
class LibraryDoc:
    """What the site's library holds of a cited document: its text, classes and names."""

    text: str = ""
    cpc: tuple[str, ...] = ()
    ipc: tuple[str, ...] = ()
    uspc: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


# A library maps document keys (see `document_keys`) to its text or a LibraryDoc.
Library = Mapping[str, str | LibraryDoc]
# Content scores of library documents against one application's claims:
# content(query, keys) -> {key: (best claim BM25, independent claims BM25)}.
ContentScorer = Callable[[QueryDoc, Sequence[str]], Mapping[str, tuple[float, float]]]

_SERIES = re.compile(r"^(RE|PP|D|H|T)?0*(\d+)$")


def query_from_grant(grant: Any) -> QueryDoc:
    """Return the QueryDoc of a PatentRecord-shaped grant."""
    return QueryDoc(
        id=grant.publication_number,
        claims=[(c.number, c.text, not c.depends_on) for c in grant.claims],
        priority_date=grant.priority_date or grant.filing_date,
        cpc=list(grant.cpc), ipc=list(grant.ipc), uspc=list(grant.uspc),
        title=grant.title or "", abstract=grant.abstract or "",
        countries=list(getattr(grant, "countries", []) or []),
        parties=[*grant.applicants, *grant.inventors],
        mentions=mentioned_keys(getattr(grant, "description", "") or ""),
    )


def reference_id(reference: Any) -> str:
    """Return a stable id naming the document itself: "US5117378A" or "npl:<digest>"."""
    if reference.kind == "npl":
        digest = hashlib.sha256(" ".join(reference.text.split()).encode()).hexdigest()
        return f"npl:{digest[:16]}"
    return f"{reference.country}{reference.number}{reference.kind_code}".replace(" ", "")


def document_key(country: str, number: str) -> str:
    """Return the kind-free key of a patent document: "US5117378", "USD512345", "EP1234567".

    Separators and a US number's leading zeros go ("US 05,117,378" and "US5117378" are one
    document), as in reviewapp.priorart.identifiers; US publications keep their 11 digits.
    """
    country = re.sub(r"[^A-Za-z]", "", country).upper()
    number = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    if country == "US" and len(number) != 11:
        match = _SERIES.match(number)
        if match:
            number = (match[1] or "") + match[2]
    return f"{country}{number}"


def document_keys(reference: Any) -> tuple[str, ...]:
    """Return the keys a library may hold a patent reference under: with its kind code first."""
    if reference.kind == "npl":
        return ()
    plain = document_key(reference.country, reference.number)
    code = re.sub(r"[^0-9A-Za-z]", "", reference.kind_code).upper()
    return (plain + code, plain) if code else (plain,)


def library_entry(reference: Any, library: Library | None) -> LibraryDoc | None:
    """Return the library's record of a patent reference, tried with and without kind code."""
    if not library:
        return None
    for key in (reference_id(reference), *document_keys(reference)):
        found = library.get(key)
        if found:
            return found if isinstance(found, LibraryDoc) else LibraryDoc(text=found)
    return None


def candidate_from_reference(reference: Any, library: Library | None = None,
                             reference_classes: bool = False) -> Candidate:
    """Return the Candidate a volunteer submitting this reference would produce.

    Read only: the document's number, country, kind code, date and first-named patentee,
    and the library's copy of it. Never the category (the label), the position or list
    the reference was printed in, nor the printed US class (a proxy of the label) unless
    `reference_classes` says the data has no such bias.
    """
    entry = library_entry(reference, library) if reference.kind != "npl" else None
    kind: CandidateKind
    if reference.kind == "npl":
        kind, text, country = "npl", reference.text, ""
    else:
        kind = "us" if reference.country.upper() == "US" else "foreign"
        text, country = (entry.text if entry else ""), reference.country.upper()
    uspc = list(entry.uspc) if entry else []
    if reference_classes and reference.us_class and not uspc:
        uspc = [reference.us_class]
    return Candidate(
        id=reference_id(reference), kind=kind, publication_date=reference.date, text=text,
        cpc=list(entry.cpc) if entry else [], ipc=list(entry.ipc) if entry else [], uspc=uspc,
        country=country, kind_code=reference.kind_code if reference.kind != "npl" else "",
        names=[reference.name] if reference.name else list(entry.names if entry else ()),
        key=(document_keys(reference) or ("",))[-1],
    )


class CitationNetwork:
    """Who cites what in the library's grants: counts by document key, one citing grant once.

    Built from (citing grant id, cited document key, cited by the examiner?) triples, the
    category read only as a fact about *other* grants: every count leaves out the grant
    being ranked (`exclude`), whose own categories are the label.
    """

    def __init__(self, citations: Iterable[tuple[str, str, bool]]) -> None:
        self._citing: dict[str, set[str]] = defaultdict(set)
        self._examiner: dict[str, set[str]] = defaultdict(set)
        for citing, key, examiner in citations:
            if not key:
                continue
            self._citing[key].add(citing)
            if examiner:
                self._examiner[key].add(citing)

    def __len__(self) -> int:
        return len(self._citing)

    def counts(self, key: str, exclude: str | None = None) -> tuple[int, int]:
        """Return (grants citing the document, grants where the examiner cited it)."""
        citing, examiner = self._citing.get(key, set()), self._examiner.get(key, set())
        return len(citing - {exclude}), len(examiner - {exclude})

    def cocited(self, key: str, others: Iterable[str], exclude: str | None = None) -> int:
        """Return how many grants cite the document together with one of `others`."""
        mine = self._citing.get(key, set()) - {exclude}
        if not mine:
            return 0
        together: set[str] = set()
        for other in others:
            if other != key:
                together |= mine & self._citing.get(other, set())
        return len(together)


def with_library_signals(query: QueryDoc, candidates: Sequence[Candidate],
                         keys: Sequence[str | None], network: CitationNetwork | None = None,
                         content: ContentScorer | None = None,
                         exclude: str | None = None) -> None:
    """Fill the candidates' citation-network and content signals in place (keys: kind-free)."""
    if network is not None:
        known = [k for k in keys if k]
        for candidate, key in zip(candidates, keys):
            if not key:
                continue
            candidate.cited_by, candidate.examiner_cited = network.counts(key, exclude)
            candidate.cocited = network.cocited(key, known, exclude)
    if content is not None:
        scores = content(query, [k for k in keys if k])
        for candidate, key in zip(candidates, keys):
            if key:
                candidate.bm25_best_claim, candidate.bm25_independent = scores.get(key, (0.0, 0.0))


def label_of(reference: Any) -> int | None:
    """Return 1 for an examiner citation, 0 for any other known category, None if unknown."""
    category = (reference.category or "").strip().lower()
    if category == POSITIVE:
        return 1
    return 0 if category in NEGATIVE else None


def examples_from_grants(grants: Iterable[Any], library: Library | None = None,
                         reference_classes: bool = False,
                         network: CitationNetwork | None = None,
                         content: ContentScorer | None = None
                         ) -> tuple[list[Pair], np.ndarray, np.ndarray]:
    """Return (pairs, labels, groups) from grants, one group per grant's publication number.

    References with no category are left out; grants keep every labelled reference, even
    when all share one label (evaluation skips those, training can still use them). With a
    citation network and a content scorer, the library signals are filled in, the grant's
    own citations left out of every count.
    """
    pairs: list[Pair] = []
    labels: list[int] = []
    groups: list[str] = []
    for grant in grants:
        if getattr(grant, "doc_type", "grant") != "grant":
            continue
        query = query_from_grant(grant)
        kept = [(r, label) for r in grant.references if (label := label_of(r)) is not None]
        candidates = [candidate_from_reference(r, library, reference_classes) for r, _ in kept]
        keys = [(document_keys(r) or (None,))[-1] for r, _ in kept]
        with_library_signals(query, candidates, keys, network, content, exclude=query.id)
        for candidate, (_, label) in zip(candidates, kept):
            pairs.append((query, candidate))
            labels.append(label)
            groups.append(query.id)
    return pairs, np.asarray(labels, dtype=int), np.asarray(groups, dtype=object)


def network_from_grants(grants: Iterable[Any]) -> CitationNetwork:
    """Return the citation network of grants (PatentRecord-shaped), keyed by document_keys."""
    return CitationNetwork(
        (grant.publication_number, document_keys(r)[-1], label_of(r) == 1)
        for grant in grants if getattr(grant, "doc_type", "grant") == "grant"
        for r in grant.references if r.kind != "npl")
