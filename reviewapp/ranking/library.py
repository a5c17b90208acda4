"""The ranker's library signals: citation network, full-text match, joins by document number.

Everything here reads the library (documents, their cited references, the search index) and
hands plain numbers to `scoring`. Document keys are kind-free ("US7123456", "EP1234567"),
as `scoring.bootstrap.document_key` makes them, so a reference printed "07123456 B2" and a
submission typed "US 7,123,456" meet. The citations printed by the application being ranked
are never counted, in any of its library documents (`OwnDocuments`): its grant prints the
examiner's citations, which are the label.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring import QueryDoc
from scoring.bootstrap import CitationNetwork, LibraryDoc, document_key, document_keys
from scoring.inputs import Candidate, independent_claims

from ..indexing import library_index
from ..models import Claim, Classification, Document, Reference

log = logging.getLogger(__name__)

EXAMINER = "cited by examiner"
# How deep like-claim search looks per claim: a candidate below it scores 0 on that claim.
CONTENT_DEPTH = 100
MAX_CLAIMS = 3  # independent claims searched per application (the first ones)
_IDENTIFIER = re.compile(r"^([A-Z]{2})((?:RE|PP|D|H|T)?\d+)([A-Z]\d?)?$")


def split_identifier(identifier: str) -> tuple[str, str, str]:
    """Return (country, number, kind code) of a normalised patent identifier, else blanks."""
    match = _IDENTIFIER.match((identifier or "").replace(" ", "").upper())
    if not match:
        return "", "", ""
    return match[1], match[2], match[3] or ""


def number_variants(key: str) -> set[str]:
    """Return the ways a cited reference may print the number of a kind-free key."""
    number = key[2:]
    out = {number, number.zfill(8)}
    if len(number) == 11 and number.isdigit():  # a US publication: 2005/0001234
        out |= {f"{number[:4]}/{number[4:]}", f"{number[:4]}{number[5:]}"}
    return out


def application_key(country: str, application_number: str) -> str:
    """Return an application number comparable across sources ("09/812,345", "09812345")."""
    number = re.sub(r"[^0-9A-Za-z]", "", application_number or "").upper().lstrip("0")
    return f"{(country or '').upper()}{number}" if number else ""


@dataclass(frozen=True, slots=True)
class OwnDocuments:
    """The library documents of the application being ranked: its publications and its grant.

    Its grant prints which documents the examiner cited, the very label: none of them may
    be counted, at training or at serving, so the two compute the same features.
    """

    ids: frozenset[int] = frozenset()
    number_keys: frozenset[str] = frozenset()  # the publication, whatever its kind code
    applications: frozenset[str] = frozenset()  # application_key: every publication of it

    @classmethod
    def of(cls, document: Document) -> OwnDocuments:
        """Return the documents of `document`'s own application."""
        application = application_key(document.country, document.application_number)
        return cls(frozenset({document.id}),
                   frozenset({document.number_key} if document.number_key else ()),
                   frozenset({application} if application else ()))

    def holds(self, document_id: int, number_key: str, country: str,
              application_number: str) -> bool:
        """Tell whether the library document so described is one of them."""
        return (document_id in self.ids or number_key in self.number_keys
                or application_key(country, application_number) in self.applications)


def citation_network(session: Session, keys: Iterable[str],
                     own: OwnDocuments = OwnDocuments()) -> CitationNetwork:
    """Return the network of library references citing any of `keys` (kind-free).

    The references printed in `own` documents are left out.
    """
    keys = {k for k in keys if k}
    if not keys:
        return CitationNetwork([])
    variants = sorted({v for key in keys for v in number_variants(key)})
    rows: list[Any] = []
    for start in range(0, len(variants), 500):  # bounded IN lists
        rows += session.execute(
            select(Reference.country, Reference.number, Reference.category, Document.id,
                   Document.publication_number, Document.number_key,
                   Document.country.label("document_country"), Document.application_number)
            .join(Document, Document.id == Reference.document_id)
            .where(Reference.kind == "patent", Reference.number.in_(variants[start:start + 500]))
        ).all()
    return CitationNetwork(
        (row.publication_number, key, row.category == EXAMINER) for row in rows
        if not own.holds(row.id, row.number_key, row.document_country, row.application_number)
        and (key := document_key(row.country, row.number)) in keys)


def content_scores(query: QueryDoc, publication_numbers: Mapping[str, str]
                   ) -> dict[str, tuple[float, float]]:
    """Return BM25 of library documents against the query's claims, through the search seam.

    publication_numbers maps a document key to its library publication number. Per key:
    (best score over the claims searched, mean over the independent claims); a document
    like-claim search does not reach scores 0. Empty when there is no index.
    """
    if not publication_numbers:
        return {}
    index = library_index()
    claims: list[tuple[int | None, str]] = [
        (n, t) for n, t, _ in query.claims if n in independent_claims(query) and t.strip()]
    claims = claims[:MAX_CLAIMS] or [(None, t) for _, t, _ in query.claims[:1] if t.strip()]
    if not claims:
        return {}
    wanted = {number: key for key, number in publication_numbers.items()}
    per_claim = np.zeros((len(claims), len(publication_numbers)))
    column = {key: i for i, key in enumerate(publication_numbers)}
    try:
        if not index.exists():
            return {}
        for row, (_, text) in enumerate(claims):
            hits = index.like_claim(text, before=query.priority_date, limit=CONTENT_DEPTH,
                                    exclude_id=query.id).hits
            for hit in hits:
                if hit.id in wanted:
                    per_claim[row, column[wanted[hit.id]]] = hit.score
    except Exception:
        log.exception("ranker: like-claim search failed; content scores left unknown")
        return {}
    return {key: (float(per_claim[:, i].max()), float(per_claim[:, i].mean()))
            for key, i in column.items()}


def add_library_signals(session: Session, query: QueryDoc, candidates: Sequence[Candidate],
                        keys: Sequence[str | None], publication_numbers: Mapping[str, str],
                        own: OwnDocuments = OwnDocuments()) -> None:
    """Fill the candidates' network and content signals from the library, in place."""
    known = [k for k in keys if k]
    network = citation_network(session, known, own)
    scores = content_scores(query, publication_numbers)
    for candidate, key in zip(candidates, keys):
        if not key:
            continue
        candidate.cited_by, candidate.examiner_cited = network.counts(key, query.id)
        candidate.cocited = network.cocited(key, known, query.id)
        if key in scores:
            candidate.bm25_best_claim, candidate.bm25_independent = scores[key]


# --- the bootstrap's view of the library ------------------------------------------------

def library_for(session: Session, references: Iterable[Any]) -> dict[str, LibraryDoc]:
    """Return the library's documents for cited references, by kind-free and kinded key."""
    keys = {document_keys(r)[-1] for r in references if r.kind != "npl"}
    if not keys:
        return {}
    numbers = sorted({v for key in keys for v in number_variants(key)})
    heads: list[Any] = []
    for start in range(0, len(numbers), 500):
        heads += session.execute(
            select(Document.id, Document.country, Document.doc_number, Document.kind,
                   Document.abstract, Document.applicants, Document.inventors)
            .where(Document.doc_number.in_(numbers[start:start + 500]))).all()
    heads = [h for h in heads if document_key(h.country, h.doc_number) in keys]
    if not heads:
        return {}
    ids = [h.id for h in heads]
    claims: dict[int, list[str]] = {}
    classes: dict[tuple[int, str], list[str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for doc_id, text in session.execute(select(Claim.document_id, Claim.text)
                                            .where(Claim.document_id.in_(chunk))
                                            .order_by(Claim.document_id, Claim.number)):
            claims.setdefault(doc_id, []).append(text)
        for doc_id, scheme, symbol in session.execute(
                select(Classification.document_id, Classification.scheme, Classification.symbol)
                .where(Classification.document_id.in_(chunk))
                .order_by(Classification.document_id, Classification.position)):
            classes.setdefault((doc_id, scheme), []).append(symbol)
    out: dict[str, LibraryDoc] = {}
    for h in heads:
        entry = LibraryDoc(
            text="\n".join(t for t in (h.abstract, *claims.get(h.id, ())) if t),
            cpc=tuple(classes.get((h.id, "cpc"), ())), ipc=tuple(classes.get((h.id, "ipc"), ())),
            uspc=tuple(classes.get((h.id, "uspc"), ())),
            names=(*(h.applicants or []), *(h.inventors or [])))
        key = document_key(h.country, h.doc_number)
        out[key] = entry
        out[key + h.kind] = entry
    return out


def library_network(session: Session, grants: Sequence[Any]) -> CitationNetwork:
    """Return the library's citation network over the references of `grants`."""
    keys = {document_keys(r)[-1] for g in grants for r in g.references if r.kind != "npl"}
    return citation_network(session, keys)


def grant_content_scorer(session: Session, library: Mapping[str, LibraryDoc]):
    """Return a scoring.bootstrap ContentScorer over the library's copies of cited documents."""
    keys = [k for k in library if not _has_kind(k)]
    numbers = _publication_numbers(session, keys)

    def content(query: QueryDoc, wanted: Sequence[str]) -> dict[str, tuple[float, float]]:
        return content_scores(query, {k: numbers[k] for k in wanted if k in numbers})

    return content


def _has_kind(key: str) -> bool:
    return bool(re.search(r"[A-Z]\d?$", key[2:])) and not key[2:].isdigit()


def _publication_numbers(session: Session, keys: Sequence[str]) -> dict[str, str]:
    numbers = sorted({v for key in keys for v in number_variants(key)})
    wanted, out = set(keys), {}
    for start in range(0, len(numbers), 500):
        for country, doc_number, publication in session.execute(
                select(Document.country, Document.doc_number, Document.publication_number)
                .where(Document.doc_number.in_(numbers[start:start + 500]))):
            key = document_key(country, doc_number)
            if key in wanted:
                out[key] = publication
    return out
