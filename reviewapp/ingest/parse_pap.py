"""Read pre-2005 application publications (patent-application-publication, PAP v1.5/v1.6)."""
from __future__ import annotations

from lxml import etree

from .entities import Prolog
from .fields import (
    DocumentError,
    dates,
    earliest,
    ipc_text,
    parse_date,
    person_name,
    publication_number,
    read_claims,
    schema_version,
    unique,
    uspc_text,
)
from .records import PatentRecord
from .xmltext import block_text, inline_text

# Besides the filing date: foreign priorities and every date of the continuity data (parents
# of continuations and divisions, provisionals, the PCT application of a national stage).
_PRIORITY_DATES = etree.XPath("foreign-priority-data/filing-date | continuity-data//document-date")
_IPC = etree.XPath("technical-information/classification-ipc/*/ipc")
_USPC = etree.XPath("technical-information/classification-us/*/uspc")
_INVENTORS = etree.XPath("inventors/first-named-inventor | inventors/inventor")


def _uspc(el: etree._Element) -> str:
    """Return "162/259" from <uspc><class>162</class><subclass>259000</subclass></uspc>."""
    main_class = (el.findtext("class") or "").strip()
    return uspc_text(main_class.rjust(3) + (el.findtext("subclass") or "").strip())


def read_pap(root: etree._Element, prolog: Prolog) -> PatentRecord:
    """Return the record of a PAP application publication."""
    bib = root.find("subdoc-bibliographic-information")
    if bib is None:
        raise DocumentError(f"<{root.tag}> has no subdoc-bibliographic-information")
    number = (bib.findtext("document-id/doc-number") or "").strip()
    if not number:
        raise DocumentError(f"<{root.tag}> has no publication number")
    kind = (bib.findtext("document-id/kind-code") or "").strip()
    filing_date = parse_date(bib.findtext("domestic-filing-data/filing-date"))
    inventors = _INVENTORS(bib)
    # PAP has no applicant list: inventors marked as the applying authority are the applicants.
    applicants = [el for el in inventors if (el.findtext("authority-applicant") or "").strip()]
    return PatentRecord(
        doc_type="application",
        country="US",
        doc_number=number,
        kind=kind,
        publication_number=publication_number("US", number, kind, "application"),
        publication_date=parse_date(bib.findtext("document-id/document-date")),
        title=inline_text(bib.find("technical-information/title-of-invention")),
        application_number=(bib.findtext("domestic-filing-data/application-number/doc-number")
                            or "").strip(),
        filing_date=filing_date,
        priority_date=earliest([filing_date, *dates(_PRIORITY_DATES(bib))]),
        abstract=block_text(root.find("subdoc-abstract")),
        description=block_text(root.find("subdoc-description"), numbered=True),
        claims=read_claims(root.find("subdoc-claims")),
        ipc=unique(ipc_text(el.text) for el in _IPC(bib)),
        uspc=unique(_uspc(el) for el in _USPC(bib)),
        applicants=unique(person_name(el.find("name")) for el in applicants),
        inventors=unique(person_name(el.find("name")) for el in inventors),
        schema=f"{root.tag} {schema_version(prolog.system_id)}".strip(),
    )
