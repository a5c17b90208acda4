"""Read ICE documents (us-patent-application and us-patent-grant, v4.0 onward)."""
from __future__ import annotations

from lxml import etree

from .entities import Prolog
from .fields import (
    DocumentError,
    category,
    dates,
    earliest,
    ipc_text,
    parse_date,
    person_name,
    publication_number,
    read_claims,
    schema_version,
    symbol,
    unique,
    uspc_text,
)
from .records import DocType, PatentRecord, ReferenceRecord
from .xmltext import block_text, inline_text

# Dates an application can rely on besides its filing date: priority claims, the PCT filing
# of a national stage, parents of continuations/divisions/reissues and provisionals.
# Not related-publication (a publication date) nor parent-grant-document (a grant date).
_PRIORITY_DATES = etree.XPath("""
      priority-claims/priority-claim/date
    | pct-or-regional-filing-data/document-id/date
    | (us-related-documents | related-documents)//parent-doc/document-id/date
    | (us-related-documents | related-documents)//parent-pct-document/document-id/date
    | (us-related-documents | related-documents)//us-provisional-application/document-id/date
    | (us-related-documents | related-documents)//provisional-application/document-id/date
""")
_CPC = etree.XPath("classifications-cpc/main-cpc/classification-cpc"
                   " | classifications-cpc/further-cpc/classification-cpc")
_IPC = etree.XPath("classification-ipc/main-classification"
                   " | classification-ipc/further-classification")
_USPC = etree.XPath("classification-national/main-classification"
                    " | classification-national/further-classification")
_APPLICANTS = etree.XPath("parties/applicants/applicant | us-parties/us-applicants/us-applicant")
_INVENTORS = etree.XPath("parties/inventors/inventor | us-parties/inventors/inventor")
# Where the parties live: applicants, inventors and assignees, old and new element names.
_PARTY_COUNTRIES = etree.XPath(
    "(parties/applicants/applicant | us-parties/us-applicants/us-applicant"
    " | parties/inventors/inventor | us-parties/inventors/inventor"
    " | assignees/assignee)//address/country")
_CITATIONS = etree.XPath("us-references-cited/us-citation | references-cited/citation")


def _bibliographic(root: etree._Element) -> etree._Element:
    """Return the us-bibliographic-data-grant/-application element."""
    for child in root:
        if child.tag in ("us-bibliographic-data-grant", "us-bibliographic-data-application"):
            return child
    raise DocumentError(f"<{root.tag}> has no us-bibliographic-data element")


def _parties(bib: etree._Element) -> tuple[list[str], list[str]]:
    """Return (applicants, inventors); before 2012 inventors are the applicant-inventors."""
    applicants = _APPLICANTS(bib)
    inventors = _INVENTORS(bib) or [
        el for el in applicants if el.get("app-type") == "applicant-inventor"]
    names = [person_name(el.find("addressbook")) for el in applicants]
    return unique(names), unique(person_name(el.find("addressbook")) for el in inventors)


def _countries(bib: etree._Element) -> list[str]:
    """Return the distinct countries of the applicants', inventors' and assignees' addresses."""
    found = ((el.text or "").strip().upper() for el in _PARTY_COUNTRIES(bib))
    return unique(code for code in found if len(code) == 2 and code.isalpha())


def _first_children(el: etree._Element) -> dict[object, etree._Element]:
    """Return el's children by tag, the first of each, as find(tag) would (one pass)."""
    found: dict[object, etree._Element] = {}
    for child in el:
        found.setdefault(child.tag, child)
    return found


def _text(el: etree._Element | None) -> str:
    """Return an element's own text stripped, "" for None (findtext's value, stripped)."""
    return "" if el is None else (el.text or "").strip()


def _reference(citation: etree._Element, sequence: int) -> ReferenceRecord | None:
    """Return one cited patent or non-patent document."""
    # Children looked up by one pass, not by find(): a grant cites 25 documents on average.
    parts = _first_children(citation)
    label = category(_text(parts.get("category")))
    patent = parts.get("patcit")
    if patent is not None:
        doc = patent.find("document-id")
        fields = _first_children(patent if doc is None else doc)
        return ReferenceRecord(
            kind="patent",
            country=_text(fields.get("country")),
            number=_text(fields.get("doc-number")),
            kind_code=_text(fields.get("kind")),
            date=parse_date(_text(fields.get("date"))),
            name=inline_text(fields.get("name")),
            us_class=uspc_text(citation.findtext("classification-national/main-classification")
                               if "classification-national" in parts else None),
            category=label,
            sequence=sequence,
        )
    other = parts.get("nplcit")
    if other is not None:
        return ReferenceRecord(kind="npl", text=inline_text(other), category=label,
                               sequence=sequence)
    return None


def _references(bib: etree._Element) -> list[ReferenceRecord]:
    """Return the cited references in document order."""
    found = (_reference(citation, n) for n, citation in enumerate(_CITATIONS(bib), 1))
    return [reference for reference in found if reference is not None]


def read_ice(root: etree._Element, prolog: Prolog) -> PatentRecord:
    """Return the record of an ICE application or grant."""
    bib = _bibliographic(root)
    publication = bib.find("publication-reference/document-id")
    number = (publication.findtext("doc-number") or "").strip() if publication is not None else ""
    if publication is None or not number:
        raise DocumentError(f"<{root.tag}> has no publication number")
    doc_type: DocType = "grant" if root.tag == "us-patent-grant" else "application"
    country = (publication.findtext("country") or "US").strip()
    kind = (publication.findtext("kind") or "").strip()
    application = bib.find("application-reference/document-id")
    filing_date = parse_date(application.findtext("date")) if application is not None else None
    applicants, inventors = _parties(bib)
    return PatentRecord(
        doc_type=doc_type,
        country=country,
        doc_number=number,
        kind=kind,
        publication_number=publication_number(country, number, kind, doc_type),
        publication_date=parse_date(publication.findtext("date")),
        title=inline_text(bib.find("invention-title")),
        application_number=(application.findtext("doc-number") or "").strip()
        if application is not None else "",
        filing_date=filing_date,
        priority_date=earliest([filing_date, *dates(_PRIORITY_DATES(bib))]),
        abstract=block_text(root.find("abstract")),
        description=block_text(root.find("description"), numbered=True),
        claims=read_claims(root.find("claims")),
        cpc=unique(map(symbol, _CPC(bib))),
        ipc=unique([*map(symbol, bib.iterfind("classifications-ipcr/classification-ipcr")),
                    *(ipc_text(el.text) for el in _IPC(bib))]),
        uspc=unique(uspc_text(el.text) for el in _USPC(bib)),
        applicants=applicants,
        inventors=inventors,
        countries=_countries(bib),
        references=_references(bib),
        schema=f"{root.tag} {schema_version(root.get('dtd-version'), prolog.system_id)}".strip(),
    )
