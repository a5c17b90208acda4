"""Hand-made applications, candidates and grants for the scoring tests."""
from __future__ import annotations

import datetime as dt
from typing import Any

from reviewapp.ingest.records import ClaimRecord, PatentRecord, ReferenceRecord
from scoring.inputs import Candidate, QueryDoc

CLAIM_1 = ("A method of encrypting a message comprising generating a session key, "
           "encrypting the message with the session key and signing the encrypted message.")
CLAIM_2 = "The method of claim 1 wherein the session key is generated from a random seed."
CLAIM_3 = ("A device comprising a processor configured to verify a signature of an "
           "encrypted message with a public key.")
OFF_TOPIC = "A garden hose reel with a crank handle and a wheeled frame for lawn watering."


def query(**changes: Any) -> QueryDoc:
    """Return a small application about signed encrypted messages."""
    base = {
        "id": "US20180000016A1",
        "claims": [(1, CLAIM_1, True), (2, CLAIM_2, False), (3, CLAIM_3, True)],
        "priority_date": dt.date(2016, 6, 1),
        "cpc": ["H04L 9/32", "H04L 9/08"], "ipc": ["H04L 9/32"], "uspc": ["713/168"],
        "title": "Signed message encryption",
        "abstract": "Messages are encrypted with a session key and signed.",
    }
    return QueryDoc(**{**base, **changes})


def candidate(**changes: Any) -> Candidate:
    """Return a candidate with nothing known but its id and kind, unless told otherwise."""
    return Candidate(**{"id": "US1234567B2", "kind": "us", **changes})


def reference(category: str, number: str, **changes: Any) -> ReferenceRecord:
    """Return a US patent reference with the given category."""
    base = {"kind": "patent", "country": "US", "number": number, "kind_code": "B2",
            "date": dt.date(2010, 1, 1), "name": "Smith", "us_class": "713/168",
            "category": category}
    return ReferenceRecord(**{**base, **changes})


def grant(number: str, references: list[ReferenceRecord], **changes: Any) -> PatentRecord:
    """Return a grant with three claims and the given references."""
    base = {
        "doc_type": "grant", "country": "US", "doc_number": number, "kind": "B2",
        "publication_number": f"US{number}B2", "publication_date": dt.date(2019, 1, 1),
        "title": "Signed message encryption", "filing_date": dt.date(2016, 6, 1),
        "priority_date": dt.date(2016, 6, 1),
        "abstract": "Messages are encrypted with a session key and signed.",
        "claims": [ClaimRecord(1, CLAIM_1), ClaimRecord(2, CLAIM_2, [1]), ClaimRecord(3, CLAIM_3)],
        "cpc": ["H04L 9/32"], "ipc": ["H04L 9/32"], "uspc": ["713/168"], "references": references,
    }
    return PatentRecord(**{**base, **changes})


def mixed_references(seed: int) -> list[ReferenceRecord]:
    """Return examiner citations (recent US) and applicant ones (old, foreign, NPL)."""
    return [
        reference("cited by examiner", f"9{seed:03d}001", date=dt.date(2014, 3, 1)),
        reference("cited by examiner", f"9{seed:03d}002", date=dt.date(2015, 8, 1)),
        reference("cited by examiner", f"9{seed:03d}003", date=dt.date(2017, 2, 1)),
        reference("cited by applicant", f"5{seed:03d}001", date=dt.date(1995, 5, 1)),
        reference("cited by applicant", f"6{seed:03d}002", date=dt.date(2001, 5, 1)),
        reference("cited by applicant", f"{seed:03d}0001", country="JP", kind_code="A",
                  date=dt.date(2012, 5, 1)),
        ReferenceRecord("npl", text=f"Smith, Session keys, J. Crypto {seed} (2003)",
                        category="cited by applicant"),
        reference("cited by other", f"4{seed:03d}001", date=dt.date(1988, 5, 1)),
    ]
