"""The demo data set: complete, well-formed, deterministic, idempotent, resettable."""
from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from reviewapp import create_app
from reviewapp import demo
from reviewapp.extensions import db as _db
from reviewapp.models import Application, Claim, Classification, Document, User
from reviewapp.models.application import CLOSED, OPEN, PENDING
from reviewapp.models.base import utcnow

NOW = utcnow().replace(microsecond=0)  # the services check windows against the clock


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Hash the demo passwords cheaply: scrypt costs a quarter second per account."""
    fast = functools.partial(generate_password_hash, method="pbkdf2:sha256:1000")
    monkeypatch.setattr("reviewapp.models.user.generate_password_hash", fast)


def fresh_app(path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "INSTANCE_PATH": str(path),
        "SECRET_KEY": "test-secret-key-not-for-production",
    })
    with app.app_context():
        _db.create_all()
    return app


@pytest.fixture
def session(tmp_path):
    """A session on an empty in-memory database with the whole schema."""
    app = fresh_app(tmp_path)
    with app.app_context():
        yield _db.session
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def loaded(session):
    """The session after one `load_demo`, and its result."""
    result = demo.load_demo(session, now=NOW)
    session.commit()
    return session, result


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def demo_documents(session) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.source == demo.SOURCE)))


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


def test_the_same_data_set_every_time():
    first, second = demo.build_dataset(), demo.build_dataset()
    assert first == second
    assert demo.build_dataset(seed=1) != first


# --- loading --------------------------------------------------------------------------------


def test_load_creates_everything(loaded):
    session, result = loaded
    data = demo.dataset()
    assert result.applications == len(data.applications) == count(session, Application)
    assert result.library == len(data.library)
    from reviewapp.models import Submission

    assert result.submissions == count(session, Submission) > 50
    assert count(session, Document) == len(data.applications) + len(data.library)
    assert sorted(result.document_ids) == sorted(d.id for d in demo_documents(session))
    assert count(session, User) == len(demo.DEMO_ACCOUNTS)
    for email, password, role, name in demo.DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == email))
        assert user.role == role and user.display_name == name and user.check_password(password)
    # Library documents have no review.
    library = session.scalars(select(Document).where(Document.publication_number.in_(
        [d.publication_number for d in data.library]))).all()
    assert all(doc.application is None for doc in library)
    doc = session.scalar(select(Document).where(
        Document.publication_number == data.applications[0].document.publication_number))
    assert [c.number for c in doc.claims] == list(range(1, len(doc.claims) + 1))
    assert doc.cpc == data.applications[0].document.cpc and doc.ipc
    assert count(session, Classification, Classification.scheme == "cpc") > 200


def test_windows_are_placed_around_now(loaded):
    session, _result = loaded
    applications = session.scalars(select(Application)).all()
    by_status = {s: [a for a in applications if a.status == s] for s in (OPEN, CLOSED, PENDING)}
    assert len(by_status[OPEN]) > len(applications) / 2
    assert by_status[CLOSED] and by_status[PENDING]
    for application in by_status[OPEN]:
        assert application.is_open(NOW)
        left = application.time_left(NOW)
        assert dt.timedelta(0) < left <= dt.timedelta(days=85)
        assert application.closes_at - application.opens_at == dt.timedelta(days=90)
    assert sum(a.time_left(NOW) < dt.timedelta(days=7) for a in by_status[OPEN]) >= 3
    for application in by_status[CLOSED]:
        assert not application.is_open(NOW)
    for application in by_status[PENDING]:
        assert application.opens_at is None and not application.is_open(NOW)


def test_loading_twice_changes_nothing(loaded):
    session, first = loaded
    before = {model: count(session, model) for model in (Document, Claim, Classification,
                                                          Application, User)}
    windows = {a.id: (a.opens_at, a.closes_at) for a in session.scalars(select(Application))}
    second = demo.load_demo(session, now=utcnow())
    session.commit()
    assert {model: count(session, model) for model in before} == before
    after = {a.id: (a.opens_at, a.closes_at) for a in session.scalars(select(Application))}
    assert after == windows
    assert second == first


def test_load_skips_a_number_held_by_a_real_document(session):
    number = demo.dataset().library[0].publication_number
    session.add(Document(publication_number=number, doc_type="grant", doc_number="1",
                         kind="B2", title="A real document", source="ipg.xml"))
    session.flush()
    result = demo.load_demo(session, now=NOW)
    assert result.library == len(demo.dataset().library) - 1
    real = session.scalar(select(Document).where(Document.publication_number == number))
    assert real.title == "A real document" and real.source == "ipg.xml"


def test_reset_deletes_only_the_demo(loaded):
    session, first = loaded
    other = User(email="someone@example.net", display_name="Someone", role="volunteer")
    real = Document(publication_number="US7000001B2", doc_type="grant", doc_number="07000001",
                    kind="B2", title="Not a demo document", source="ipg.xml")
    session.add_all([other, real])
    session.commit()
    # A demo account changed by hand comes back as it was.
    session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0])).display_name = "X"
    session.commit()
    second = demo.load_demo(session, reset=True, now=NOW)
    session.commit()
    assert second.applications == first.applications and second.library == first.library
    assert set(first.document_ids) <= set(second.document_ids)  # the removed ones, to unindex
    assert count(session, Document) == len(demo_documents(session)) + 1
    assert count(session, User) == len(demo.DEMO_ACCOUNTS) + 1
    assert session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0])).display_name != "X"
    assert session.get(Document, real.id).title == "Not a demo document"
    demo_ids = [d.id for d in demo_documents(session)]
    assert count(session, Claim, Claim.document_id.not_in(demo_ids)) == 0


def test_reset_removes_rows_that_depend_on_the_demo(loaded):
    session, _result = loaded
    from reviewapp.models import Submission

    application = session.scalars(select(Application)).first()
    volunteer = session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0]))
    library = session.scalar(select(Document).where(Document.application == None))  # noqa: E711
    session.add(Submission(application_id=application.id, submitter_id=volunteer.id, kind="us",
                           identifier=library.publication_number,
                           library_document_id=library.id))
    session.commit()
    number = library.publication_number
    result = demo.load_demo(session, reset=True, now=NOW)
    session.commit()
    # The hand-made submission is gone (demo identifiers carry no kind code); the demo's are back.
    assert count(session, Submission, Submission.identifier == number) == 0
    assert count(session, Submission) == result.submissions
    assert count(session, Application) == len(demo.dataset().applications)


def test_two_fresh_databases_hold_the_same_documents(tmp_path):
    seen = []
    for name in ("one", "two"):
        app = fresh_app(tmp_path / name)
        with app.app_context():
            demo.load_demo(_db.session, now=NOW)
            _db.session.commit()
            seen.append(sorted(_db.session.execute(
                select(Document.publication_number, Document.title, Document.abstract)).all()))
            _db.session.remove()
            _db.engine.dispose()
    assert seen[0] == seen[1] and len(seen[0]) > 90


def test_demo_prior_art_votes_verdicts_and_scores(loaded):
    from reviewapp.models import (ClaimMark, ConflictDeclaration, Endorsement, Feedback, Score,
                                  Submission, Vote)

    session, result = loaded
    submissions = session.scalars(select(Submission)).all()
    applications = {a.id: a for a in session.scalars(select(Application))}
    hints = {(h.application, h.document): h for h in demo.dataset().prior_art}
    assert len(submissions) == result.submissions
    assert all(applications[s.application_id].status != PENDING for s in submissions)
    for submission in submissions:
        number = applications[submission.application_id].number
        hint = hints.get((number, submission.identifier_raw))
        if hint is not None:
            assert hint.relation != demo.TOO_LATE and hint.before_priority
            assert submission.explanation == hint.explanation
            assert [c.number for c in submission.claims] == sorted(hint.claims)
        else:  # the weak document added to a closed review
            assert applications[submission.application_id].status == CLOSED
        assert submission.library_document_id and submission.publication_date
        priority = applications[submission.application_id].document.priority_date
        assert submission.publication_date < priority
    # The too-late documents stay available to show the date check in a browser.
    late = [h for h in demo.dataset().prior_art if h.relation == demo.TOO_LATE]
    assert late and not {(h.application, h.document) for h in late} & {
        (applications[s.application_id].number, s.identifier_raw) for s in submissions}
    assert count(session, Endorsement) and count(session, ClaimMark)
    assert count(session, Vote) > len(submissions)
    for vote in session.scalars(select(Vote)):
        assert vote.user_id != vote.submission.submitter_id
    declared = set(session.execute(select(ConflictDeclaration.user_id,
                                          ConflictDeclaration.application_id)).all())
    assert {(s.submitter_id, s.application_id) for s in submissions} <= declared

    # Verdicts on every closed review, of both signs, and none elsewhere.
    feedback = session.scalars(select(Feedback)).all()
    closed = {a.id for a in applications.values() if a.status == CLOSED}
    assert {f.submission.application_id for f in feedback} == closed
    assert {f.verdict for f in feedback} == {"used", "relevant", "not_relevant"}
    for application_id in closed:
        verdicts = {f.verdict for f in feedback if f.submission.application_id == application_id}
        assert "not_relevant" in verdicts and verdicts & {"used", "relevant"}
    for user in session.scalars(select(User)):
        mine = [f for f in feedback if f.submission.submitter_id == user.id]
        positive = sum(f.verdict in ("used", "relevant") for f in mine)
        assert (user.verdicts_total, user.verdicts_positive) == (len(mine), positive)
        if mine:
            assert user.reputation == pytest.approx((positive + 1) / (len(mine) + 2))

    # Every submission is scored, ranks 1..n per application.
    scores = {s.submission_id: s for s in session.scalars(select(Score))}
    assert set(scores) == {s.id for s in submissions}
    for application_id in {s.application_id for s in submissions}:
        ranks = sorted(scores[s.id].rank for s in submissions if s.application_id == application_id)
        assert ranks == list(range(1, len(ranks) + 1))
    assert {s.model_version for s in scores.values()} == {"heuristic"}


def test_demo_has_a_discussion_once(session, loaded):
    """Open applications get threaded comments, one about claim 1; a second load adds none."""
    from sqlalchemy import func, select

    from reviewapp.models import Comment

    count = session.scalar(select(func.count(Comment.id)))
    assert count > 0
    assert session.scalar(select(func.count(Comment.id)).where(Comment.parent_id.is_not(None))) > 0
    assert session.scalar(select(func.count(Comment.id)).where(Comment.claim_id.is_not(None))) > 0
    demo.load_demo(session, now=NOW)
    session.flush()
    assert session.scalar(select(func.count(Comment.id))) == count
