"""The real USPTO files of ../shared/data/uspto: counts per file, spot checks of named documents."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from reviewapp.ingest import PatentRecord, read_documents, total_bytes
from reviewapp.ingest.records import ParseError, SkippedDocument

# (applications, grants, skipped sequence listings) per file, counted with grep on the root
# elements of the files themselves (see ../shared/data/README.md for the totals).
EXPECTED_COUNTS = {
    "applications/go-uspto-v1-5-A1_1.xml": (1, 0, 0),
    "applications/go-uspto-v1-5-A1_2.xml": (1, 0, 0),
    "applications/go-uspto-v4-0-A1.xml": (1, 0, 0),  # no XML declaration at all
    "applications/go-uspto-v4-0-A2_1.xml": (1, 0, 0),
    "applications/go-uspto-v4-4-A1.xml": (1, 0, 0),
    "applications/go-uspto-v4-4-A2.xml": (1, 0, 0),
    "applications/go-uspto-v4-5-A1.xml": (1, 0, 0),
    "applications/go-uspto-v4-5-A2.xml": (1, 0, 0),
    "applications/ipa061228.one.xml": (1, 0, 0),
    "applications/ipa130117.one.xml": (2, 0, 0),
    "applications/pa040101.two.xml": (1, 0, 0),
    "grants/go-uspto-v4-0-B2.xml": (0, 1, 0),
    "grants/go-uspto-v4-5-B1.xml": (0, 1, 0),
    "grants/go-uspto-v4-5-B2.xml": (0, 1, 0),
    "grants/ipg050104.small.xml": (0, 25, 0),
    "grants/ipg060103.small.xml": (0, 25, 2),
    "grants/ipg070102.small.xml": (0, 25, 1),
    "grants/ipg080101.small.xml": (0, 25, 0),
    "grants/ipg090106.small.xml": (0, 25, 0),
    "grants/ipg100105.small.xml": (0, 25, 0),
    "grants/ipg110104.small.xml": (0, 25, 0),
    "grants/ipg120103.small.xml": (0, 25, 0),
    "grants/ipg130416.small.xml": (0, 25, 2),
}


def _counts(items: list) -> tuple[int, int, int]:
    kinds = Counter(item.doc_type if isinstance(item, PatentRecord) else type(item).__name__
                    for item in items)
    return kinds["application"], kinds["grant"], kinds["SkippedDocument"]


def test_the_expected_files_are_there(uspto_dir: Path) -> None:
    found = {path.relative_to(uspto_dir).as_posix() for path in uspto_dir.rglob("*.xml")}
    assert found == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_every_file_parses_with_exact_counts(uspto_dir: Path, name: str) -> None:
    items = list(read_documents([uspto_dir / name]))
    assert [item for item in items if isinstance(item, ParseError)] == []
    assert _counts(items) == EXPECTED_COUNTS[name]
    # Documents are numbered 1, 2, ... in file order, records and skips alike.
    positions = [item.position if isinstance(item, PatentRecord) else item.document
                 for item in items]
    assert positions == list(range(1, len(items) + 1))
    assert {item.source if isinstance(item, PatentRecord) else item.file
            for item in items} == {str(uspto_dir / name)}


def test_folder_totals_match_the_readme(uspto_items: list) -> None:
    assert _counts(uspto_items) == (12, 228, 5)
    reasons = {item.reason for item in uspto_items if isinstance(item, SkippedDocument)}
    assert all("sequence-cwu" in reason for reason in reasons)


def test_progress_adds_up_to_total_bytes(uspto_dir: Path) -> None:
    calls: list[int] = []
    list(read_documents([uspto_dir], progress=calls.append))
    assert sum(calls) == total_bytes([uspto_dir]) == sum(
        path.stat().st_size for path in uspto_dir.rglob("*.xml"))
    assert all(call > 0 for call in calls) and len(calls) > 200


def test_every_record_has_its_bibliographic_core(records: dict[str, PatentRecord]) -> None:
    for record in records.values():
        assert record.country == "US"
        assert record.title and record.publication_date and record.filing_date, record
        assert record.priority_date <= record.filing_date <= record.publication_date
        assert record.inventors, record.publication_number
        assert record.schema.split()[0] in ("us-patent-grant", "us-patent-application",
                                            "patent-application-publication")


def test_canonical_numbers_of_every_kind(records: dict[str, PatentRecord]) -> None:
    kinds = Counter(record.kind for record in records.values())
    assert kinds == {"B2": 171, "B1": 31, "S1": 24, "A1": 9, "A2": 3, "H1": 1, "P2": 1}
    assert records["USD513425S1"].doc_number == "D0513425"
    assert records["USPP18398P2"].doc_number == "PP018398"
    assert records["USH2140H1"].doc_number == "H0002140"
    assert records["US6857133B2"].doc_number == "06857133"
    assert records["US20010000002A1"].doc_number == "20010000002"


def test_grant_references_by_category(records: dict[str, PatentRecord]) -> None:
    counts = Counter((ref.kind, ref.category) for record in records.values()
                     for ref in record.references)
    assert counts == {
        ("patent", "cited by other"): 2802, ("npl", "cited by other"): 607,
        ("patent", "cited by examiner"): 1554, ("npl", "cited by examiner"): 62,
        ("patent", "cited by applicant"): 839, ("npl", "cited by applicant"): 305,
    }
    assert all(record.references == [] for record in records.values()
               if record.doc_type == "application")


def test_pap_v15_publication(records: dict[str, PatentRecord]) -> None:
    record = records["US20010000002A1"]
    assert record.schema == "patent-application-publication v1.5"
    assert record.title == ("Process for detecting and correcting a fiber orientation cross "
                            "direction profile change")
    assert record.application_number == "09726341"
    assert record.filing_date == dt.date(2000, 12, 1)
    assert record.priority_date == dt.date(1997, 8, 2)  # the German priority
    assert record.ipc == ["D21C 11/12"] and record.uspc == ["162/259"] and record.cpc == []
    assert record.inventors == ["Wolfgang Ruf", "Hans Loser", "Ulrich Begemann",
                                "Klaus Lehleiter"]
    assert len(record.claims) == 33
    by_number = {claim.number: claim for claim in record.claims}
    assert by_number[3].depends_on == [2] and by_number[8].depends_on == [3]
    assert by_number[3].text.startswith("3. The process of claim 2, further comprising:\n  ")
    assert "0.5 g/m² per minute" in by_number[9].text
    # &lgr; and &Dgr; are ISO 8879 Greek entities, absent from HTML5.
    assert "the wavelength(s) λ of the change(s)" in record.description
    assert "change speed ΔFG/Δt" in record.description
    assert "\n\n[0024] repeatedly determining" in record.description
    assert record.abstract.startswith("Process and a device for detecting a change")


def test_pap_v16_publication_with_continuation(records: dict[str, PatentRecord]) -> None:
    record = records["US20040000002A1"]
    assert record.schema == "patent-application-publication v1.6"
    assert record.priority_date == dt.date(2001, 7, 30)  # its parent's filing date
    assert record.filing_date == dt.date(2002, 6, 27)
    assert [claim.number for claim in record.claims] == [1]
    assert record.claims[0].text.splitlines()[1].startswith("  an upper portion adapted")


def test_v45_grant_with_cpc_and_references(records: dict[str, PatentRecord]) -> None:
    record = records["US11147202B2"]
    assert (record.title, record.schema) == ("Wheeled hand truck", "us-patent-grant v4.5")
    assert record.cpc == ["A01B 1/243", "B62B 1/12", "B62B 5/06", "B62B 2202/70",
                          "B62B 2206/006"]
    assert record.ipc == ["A01B 1/24", "B62B 1/12", "B62B 5/06"]
    assert len(record.claims) == 9
    assert Counter(ref.category for ref in record.references) == {
        "cited by applicant": 27, "cited by examiner": 14}
    first = record.references[0]
    assert (first.kind, first.country, first.number, first.kind_code, first.name, first.date,
            first.sequence) == ("patent", "US", "554139", "A", "Ober", dt.date(1896, 2, 1), 1)
    malley = next(ref for ref in record.references if ref.name == "Malley")
    assert (malley.category, malley.us_class) == ("cited by examiner", "171/126")


def test_v40_grant_with_fixed_width_classes(records: dict[str, PatentRecord]) -> None:
    record = records["US6857133B2"]
    assert record.schema == "us-patent-grant v4.0"
    assert record.ipc == ["A41D 13/00"]  # "A41D013/00"
    assert record.uspc == ["2/16", "602/62"]  # "  2 16", "602 62"
    assert [(claim.number, claim.depends_on) for claim in record.claims] == [
        (1, []), (2, []), (3, [2]), (4, [3]), (5, [4]), (6, [])]
    assert [ref.category for ref in record.references] == ["cited by examiner"] * 8
    assert record.references[0].us_class == "24/30.5S"  # " 24 305 S"
    assert record.priority_date == record.filing_date == dt.date(2002, 5, 7)


def test_table_sub_and_degree_rendering(records: dict[str, PatentRecord]) -> None:
    text = records["US6838526B1"].description
    assert "vulcanized under pressure at 145° C. for an optimum time" in text
    row = "Example 1 | Nd(ver)₃ | MAO | AliBu₂H | DEAC | 2,3-dichloro-1,4-naphthoquinone"
    assert f"\n{row}\n" in text
    assert "\n[chem image]\n" in text


def test_mathml_rendering(records: dict[str, PatentRecord]) -> None:
    text = records["US7861515B2"].description
    assert "\nQ_{exh}=(m^{.}_{air}+m^{.}_{fuel})*289*(T/p) (2)\n" in text


def test_application_with_provisional_and_assignee_applicant(
        records: dict[str, PatentRecord]) -> None:
    record = records["US20220160114A2"]
    assert record.applicants == ["BEVIS GEAR INC."] and record.inventors == ["Matthew Bevis"]
    assert record.filing_date == dt.date(2019, 11, 5)
    assert record.priority_date == dt.date(2018, 11, 5)  # US provisional 62/756,069
    assert record.cpc == ["A45F 3/047", "A45F 3/02"]


def test_front_page_stubs_and_designs(records: dict[str, PatentRecord]) -> None:
    for number in ("US20050000001A1", "US20050004655A2", "US20010000001A1"):
        assert records[number].claims == [] and records[number].description == ""
    design = records["USD513425S1"]
    assert design.abstract == ""
    assert [claim.text for claim in design.claims] == [
        "The ornamental design for a skateboard, as shown and described."]


def test_list_items_keep_their_paragraph_numbers(records: dict[str, PatentRecord]) -> None:
    text = records["US20130014308A1"].description
    assert ("[0001] This application claims priority to this provisional application:\n"
            "[0002] Name: TYPING-MATE\n  [0003] Appl. No.: 61/362,086\n"
            "[0004] Filed: Jul. 7, 2010\n") in text


def test_party_countries_in_document_order(records: dict[str, PatentRecord]) -> None:
    # Applicants', inventors' and assignees' address countries, each once: the ranker's
    # same-office feature compares cited documents with them.
    assert records["US11147202B2"].countries == ["US"]
    assert records["US8420530B2"].countries == ["SG", "FR", "IN"]
    assert records["USD584392S1"].countries == ["JP"]
