"""The forwarded report's items: frozen copies, laid out like a 35 U.S.C. 122(e) submission."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ..models import Application, ForwardedReport, Score, Submission
from ..models.application import as_utc
from ..models.submission import FOREIGN, MAX_EXPLANATION, NPL, US
from ..priorart.identifiers import GRANT, IdentifierError, parse_foreign, parse_us

HEADINGS = {
    US: "U.S. patents and published patent applications",
    FOREIGN: "Foreign patent documents",
    NPL: "Non-patent literature documents",
}
ELLIPSIS = "\u2026"


def concise_description(text: str, limit: int = MAX_EXPLANATION) -> str:
    """Return `text` trimmed to the preissuance form's limit, cut at a word with an ellipsis."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + ELLIPSIS


def first_author(submission: Submission) -> str:
    """Return the first named inventor or author: the submission's, else the library document's."""
    for name in re.split(r"[;\n]", submission.authors or ""):
        if name.strip():
            return name.strip()
    library = submission.library_document
    names = (library.inventors or library.applicants or []) if library is not None else []
    return names[0] if names else ""


def patent_number(submission: Submission) -> tuple[str, str, str]:
    """Return (country, number as printed, kind code) of a patent document; raw when unreadable."""
    raw = submission.identifier_raw or submission.identifier
    try:
        parsed = parse_us(raw) if submission.kind == US else parse_foreign(raw)
    except IdentifierError:
        return ("US" if submission.kind == US else ""), raw, ""
    number = parsed.number
    if submission.kind == US:
        if parsed.publication_type == GRANT:
            grant = re.fullmatch(r"(\D*)(\d+)", number)
            if grant is not None:  # a parsed grant number always is; keep it as is otherwise
                series, digits = grant.groups()
                number = series + f"{int(digits):,}"
        else:
            number = f"{number[:4]}/{number[4:]}"
    return parsed.country, number, parsed.kind_code


def report_item(submission: Submission, score: Score | None, rank: int) -> dict[str, Any]:
    """Return the frozen copy of a forwarded submission (plain JSON: later edits change nothing)."""
    is_patent = submission.kind != NPL
    country, number, kind_code = patent_number(submission) if is_patent else ("", "", "")
    return {
        "rank": rank,
        "submission_id": submission.id,
        "kind": submission.kind,
        "identifier": submission.identifier_raw or submission.identifier,
        "country": country,
        "number": number,
        "kind_code": kind_code,
        "title": submission.title or "",
        "authors": submission.authors or "",
        "first_author": first_author(submission),
        "date": submission.publication_date.isoformat() if submission.publication_date else "",
        "url": submission.url or "",
        "pinpoint": submission.pinpoint or "",
        "description": concise_description(submission.explanation),
        "claims": [claim.number for claim in submission.claims],
        "score": score.score if score is not None else None,
        "model_version": score.model_version if score is not None else None,
    }


def report_model_version(items: Iterable[dict[str, Any]]) -> str:
    """Return the model versions that scored the items, comma-separated ("" when none did)."""
    versions = [item["model_version"] for item in items if item.get("model_version")]
    return ", ".join(dict.fromkeys(versions))


@dataclass(frozen=True)
class Cited:
    """One document of the report with its citation number."""

    number: int
    item: dict[str, Any]


@dataclass(frozen=True)
class Section:
    """One of the three document lists of a preissuance submission."""

    kind: str
    heading: str
    documents: list[Cited]


def sections(items: Sequence[dict[str, Any]]) -> list[Section]:
    """Group items into the US, foreign and NPL lists in rank order, cited 1..n across the lists."""
    grouped = {kind: [item for item in items if item.get("kind") == kind] for kind in HEADINGS}
    # An unknown kind (never expected) is still reported, with the non-patent literature.
    grouped[NPL] += [item for item in items if item.get("kind") not in HEADINGS]
    result, number = [], 0
    for kind, heading in HEADINGS.items():
        documents = []
        for item in sorted(grouped[kind], key=lambda i: i.get("rank") or 0):
            number += 1
            documents.append(Cited(number, item))
        result.append(Section(kind, heading, documents))
    return result


def stored_report(session: Session, application: Application) -> ForwardedReport | None:
    """Return the report row of an application, if any, even one its reopened window replaced."""
    return session.scalar(
        select(ForwardedReport).where(ForwardedReport.application_id == application.id))


def get_report(session: Session, application: Application) -> ForwardedReport | None:
    """Return the frozen report in force: none while a window reopened after it froze runs."""
    report = stored_report(session, application)
    return None if report is None or reopened_since(application, report) else report


def reopened_since(application: Application, report: ForwardedReport) -> bool:
    """Tell whether the application's window opened again after `report` froze."""
    opened, frozen = as_utc(application.opens_at), as_utc(report.frozen_at)
    return opened is not None and frozen is not None and opened > frozen


def report_in_force() -> ColumnElement[bool]:
    """Return a condition on a report joined to its application: `get_report` would return it."""
    return or_(Application.opens_at.is_(None), Application.opens_at <= ForwardedReport.frozen_at)
