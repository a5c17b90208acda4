"""Storing parsed records: idempotent upserts, updates, one bad document never half-written."""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select

from reviewapp.ingest.loader import ImportSummary, import_records, record_hash
from reviewapp.ingest.records import (
    ClaimRecord,
    ParseError,
    PatentRecord,
    ReferenceRecord,
    SkippedDocument,
)
from reviewapp.models import Application, Claim, Classification, Document, Reference


def grant(number: str = "US8000001B2", **changes) -> PatentRecord:
    """Return a small grant record with claims, classes and references."""
    record = PatentRecord(
        doc_type="grant", country="US", doc_number=number[2:-2], kind=number[-2:],
        publication_number=number, publication_date=dt.date(2011, 8, 16),
        title="Heat exchanger", application_number="12/345,678",
        filing_date=dt.date(2009, 1, 2), priority_date=dt.date(2008, 1, 2),
        abstract="A heat exchanger.", description="Background.\n\nSummary.",
        claims=[ClaimRecord(1, "1. A heat exchanger comprising fins."),
                ClaimRecord(2, "2. The heat exchanger of claim 1, wherein the fins are copper.", [1])],
        cpc=["F28F 1/12"], ipc=["F28F 1/12"], uspc=["165/185"],
        applicants=["Acme Corp."], inventors=["Ada Lovelace"],
        references=[
            ReferenceRecord(kind="patent", country="US", number="5000000", kind_code="A",
                            date=dt.date(1991, 3, 19), name="Smith", category="cited by examiner"),
            ReferenceRecord(kind="npl", text="J. Heat Transfer 12 (1990)", category="cited by other"),
        ],
        schema="us-patent-grant v4.2", source="ipg110816.xml", position=1,
    )
    return dataclasses.replace(record, **changes)


def application(number: str = "US20110000001A1") -> PatentRecord:
    """Return a small published application record."""
    return dataclasses.replace(grant(number), doc_type="application", references=[],
                               title="Cooling plate", source="ipa110106.xml")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_stores_every_part_of_a_grant(db):
    summary = import_records(db.session, [grant()])
    assert (summary.grants, summary.applications, summary.created) == (1, 0, 1)
    document = db.session.scalar(select(Document))
    assert document.publication_number == "US8000001B2"
    assert document.priority_date == dt.date(2008, 1, 2)
    assert [(c.number, c.independent, c.depends_on) for c in document.claims] == [
        (1, True, []), (2, False, [1])]
    assert document.cpc == ["F28F 1/12"] and document.uspc == ["165/185"]
    assert [r.category for r in document.references] == ["cited by examiner", "cited by other"]
    assert document.application is None


def test_an_application_gets_a_pending_review(db):
    import_records(db.session, [application()])
    review = db.session.scalar(select(Application))
    assert review.status == "pending" and review.document.title == "Cooling plate"


def test_the_same_records_twice_change_nothing(db):
    import_records(db.session, [grant(), application()])
    stamp = db.session.scalar(select(Document.updated_at).where(Document.doc_type == "grant"))
    again = import_records(db.session, [grant(), application()])
    assert (again.unchanged, again.created, again.updated) == (2, 0, 0)
    assert count(db, Document) == 2 and count(db, Claim) == 4 and count(db, Reference) == 2
    assert db.session.scalar(select(Document.updated_at).where(Document.doc_type == "grant")) == stamp


def test_a_later_version_updates_the_document(db):
    import_records(db.session, [grant()])
    newer = grant(title="Improved heat exchanger",
                  claims=[ClaimRecord(1, "1. A heat exchanger comprising aluminium fins.")],
                  cpc=["F28F 1/14"])
    summary = import_records(db.session, [newer])
    assert summary.updated == 1
    document = db.session.scalar(select(Document))
    assert document.title == "Improved heat exchanger"
    assert [c.text for c in document.claims] == ["1. A heat exchanger comprising aluminium fins."]
    assert count(db, Claim) == 1
    assert document.cpc == ["F28F 1/14"] and document.ipc == ["F28F 1/12"]


def test_the_source_file_is_not_part_of_the_content():
    assert record_hash(grant(source="a.xml", position=1)) == record_hash(grant(source="b.zip:b.xml", position=9))
    assert record_hash(grant()) != record_hash(grant(title="Other"))


def test_errors_and_skips_are_reported_and_the_rest_imports(db):
    items = [
        grant("US8000001B2"),
        ParseError(file="ipg.xml", document=2, line=120, error="mismatched tag"),
        SkippedDocument(file="ipg.xml", document=3, reason="sequence-cwu"),
        grant("US8000004B2", position=4),
    ]
    summary = import_records(db.session, items)
    assert (summary.grants, summary.skipped) == (2, 1)
    assert summary.errors == [{"file": "ipg.xml", "document": 2, "line": 120, "error": "mismatched tag"}]
    assert count(db, Document) == 2


def test_a_document_the_database_refuses_is_rolled_back_alone(db):
    # Both databases refuse a date that is not a date, at flush time.
    bad = grant("US8000002B2", position=2, filing_date="not a date")
    summary = import_records(db.session, [grant("US8000001B2"), bad, grant("US8000003B2", position=3)])
    assert summary.grants == 2
    assert len(summary.errors) == 1
    assert summary.errors[0]["document"] == 2 and "US8000002B2" in summary.errors[0]["error"]
    numbers = db.session.scalars(select(Document.publication_number).order_by(Document.id)).all()
    assert numbers == ["US8000001B2", "US8000003B2"]
    # Nothing of the refused document was left behind: no orphan claims or classes.
    assert count(db, Claim) == 4 and count(db, Classification) == 6


def test_batches_commit_and_call_back_with_changed_ids(db):
    seen: list[list[int]] = []
    records = [grant(f"US80000{n:02d}B2", position=n) for n in range(1, 6)]
    import_records(db.session, records, batch_size=2, on_batch=seen.append)
    assert [len(batch) for batch in seen] == [2, 2, 1]
    seen.clear()
    import_records(db.session, records, batch_size=2, on_batch=seen.append)
    assert seen == []  # nothing changed, nothing to re-index


def test_the_headline_groups_the_thousands_of_a_weekly_file():
    summary = ImportSummary(grants=10_000, applications=1, created=9_998, updated=2, unchanged=1,
                            skipped=1_200, skipped_kinds={"sequence listing": 1_200})
    assert summary.headline() == (
        "Imported 10,000 grants and 1 application (9,998 new, 2 updated, 1 unchanged); "
        "skipped 1,200 (1,200 sequence listings); 0 errors.")
