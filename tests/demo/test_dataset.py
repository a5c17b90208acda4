"""The generated data set: complete, well-formed, deterministic (no database)."""
from __future__ import annotations

import re
from collections import Counter

from reviewapp import demo

# --- the data set itself ------------------------------------------------------------------


def test_accounts_cover_every_role_with_long_passwords():
    roles = [role for _email, _password, role, _name in demo.DEMO_ACCOUNTS]
    assert roles.count("volunteer") >= 4 and "examiner" in roles and "admin" in roles
    assert all(len(password) >= 10 for _e, password, _r, _n in demo.DEMO_ACCOUNTS)
    assert all(email.endswith("@example.org") for email, *_ in demo.DEMO_ACCOUNTS)
    assert "prior_art_owl" in [name for *_, name in demo.DEMO_ACCOUNTS]
    assert set(demo.ACCOUNT_PROFILES) == set(demo.DEMO_EMAILS)


def test_applications_span_areas_with_canonical_numbers():
    data = demo.dataset()
    docs = [review.document for review in data.applications]
    assert 30 <= len(docs) <= 40
    assert len({d.area for d in docs}) >= 6
    assert len({d.cpc[0][:4] for d in docs}) >= 6
    assert len({d.publication_number for d in docs}) == len(docs)
    assert len({d.title for d in docs}) == len(docs)
    for doc in docs:
        assert re.fullmatch(r"US2025\d{7}A1", doc.publication_number)
        assert doc.doc_number == doc.publication_number[2:-2] and doc.kind == "A1"
        assert re.fullmatch(r"1[89]/\d{3},\d{3}", doc.application_number)
        assert 80 <= len(doc.abstract.split()) <= 150, doc.publication_number
        assert doc.description.count("\n\n[0") >= 8 and "FIG. 2" in doc.description
        assert "BACKGROUND" in doc.description and "DETAILED DESCRIPTION" in doc.description
        assert 2 <= len(doc.cpc) <= 4 and doc.ipc
        assert all(re.fullmatch(r"[A-H]\d\d[A-Z] \d{1,4}/\d{2,6}", s) for s in doc.cpc + doc.ipc)
        assert doc.applicants and doc.inventors
        assert doc.priority_date <= doc.filing_date < doc.publication_date
        assert doc.publication_date.weekday() == 3  # applications publish on Thursdays
    assert any(d.priority_date < d.filing_date for d in docs)  # some claim a provisional
    assert any("Provisional Application No. 63/" in d.description for d in docs)


def test_claims_are_well_formed():
    for review in demo.dataset().applications:
        claims = review.document.claims
        assert 8 <= len(claims) <= 20, review.document.publication_number
        assert [c.number for c in claims] == list(range(1, len(claims) + 1))
        independent = [c for c in claims if c.independent]
        assert 2 <= len(independent) <= 3
        assert claims[0].independent and claims[0].text.startswith("A method ")
        for claim in claims:
            text = claim.text
            assert text.endswith(".") and ".." not in text
            assert not re.search(r"\ban [b-df-hj-np-tv-z]|\ba (?!one)[aeio]", text), text
            if claim.independent:
                assert "of claim" not in text
                continue
            (parent,) = claim.depends_on
            assert parent < claim.number
            assert re.match(rf"The .+ of claim {parent}, (wherein|further comprising) ", text)
            if text.startswith("The method of claim"):
                assert claims[parent - 1].text.startswith(("A method", "The method"))


def test_library_is_dated_around_the_applications():
    data = demo.dataset()
    applications = {r.document.publication_number: r.document for r in data.applications}
    library = {d.publication_number: d for d in data.library}
    assert 60 <= len(library) <= 80
    assert not set(library) & set(applications)
    assert {d.doc_type for d in library.values()} == {"grant", "application"}
    for doc in library.values():
        if doc.doc_type == "grant":
            assert re.fullmatch(r"US\d{7,8}B[12]", doc.publication_number)
            assert doc.doc_number.lstrip("0") == doc.publication_number[2:-2]
            assert len(doc.doc_number) == 8 and doc.publication_date.weekday() == 1
        else:
            assert re.fullmatch(r"US20\d{9}A1", doc.publication_number)
            assert doc.publication_number[2:6] == str(doc.publication_date.year)
    relations = {hint.relation for hint in data.prior_art}
    assert relations == {demo.ANTICIPATES, demo.OBVIOUS, demo.TOO_LATE, demo.UNRELATED}
    for hint in data.prior_art:
        app, doc = applications[hint.application], library[hint.document]
        if hint.relation in (demo.ANTICIPATES, demo.OBVIOUS):
            assert doc.publication_date < app.priority_date, hint
            assert doc.area == app.area and doc.topic == app.topic
        if hint.relation == demo.TOO_LATE:
            assert doc.publication_date > app.priority_date
            assert doc.priority_date > app.priority_date
        assert hint.before_priority == (doc.publication_date < app.priority_date)
        assert len(hint.explanation) <= 1000 and hint.excerpt in doc.description
        assert re.fullmatch(r"\[\d{4}\]-\[\d{4}\]", hint.pinpoint)
        assert set(hint.claims) <= {c.number for c in app.claims}
        assert hint.reviewer in demo.DEMO_EMAILS
    # Every application has a good prior-art document sharing its vocabulary.
    for number, app in applications.items():
        good = [h for h in demo.prior_art_by_application()[number] if h.relation == demo.ANTICIPATES]
        assert good
        words = set(re.findall(r"[a-z]{6,}", app.claims[0].text))
        shared = words & set(re.findall(r"[a-z]{6,}", library[good[0].document].claims[0].text))
        assert len(shared) >= len(words) // 2
    assert sum(h.relation == demo.TOO_LATE for h in data.prior_art) >= 6


def test_library_grants_cite_earlier_documents_of_their_area_and_an_older_patent():
    data = demo.dataset()
    library = {doc.doc_number: doc for doc in data.library}
    cited: Counter[str] = Counter()
    for doc in data.library:
        if doc.doc_type != "grant":
            assert doc.cites == []
            continue
        outside = [citation for citation in doc.cites if citation.number not in library]
        assert len(outside) == 1 and outside[0].date.year < 2000 and outside[0].name
        for citation in doc.cites:
            if citation.number in library:
                source = library[citation.number]
                assert source.area == doc.area and source.publication_date < doc.filing_date
                assert (citation.kind, citation.date) == (source.kind, source.publication_date)
                assert citation.name == source.applicants[0]
                cited[citation.number] += 1
        assert [c.date for c in doc.cites] == sorted(c.date for c in doc.cites)
    assert len(cited) >= 10 and max(cited.values()) >= 2
    assert {c.category for doc in data.library for c in doc.cites} == {
        "cited by examiner", "cited by applicant"}


def test_the_same_data_set_every_time():
    first, second = demo.build_dataset(), demo.build_dataset()
    assert first == second
    assert demo.build_dataset(seed=1) != first
