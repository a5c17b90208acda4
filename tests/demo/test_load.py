"""Loading the demo: complete, placed around now, idempotent, resettable, on either database."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from html import unescape

import pytest
from sqlalchemy import select

from reviewapp import create_app, demo
from reviewapp.extensions import db as _db
from reviewapp.models import Application, Claim, Classification, Document, User
from reviewapp.models.application import CLOSED, OPEN, PENDING

from .conftest import count, demo_documents


def fresh_app(path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "INSTANCE_PATH": str(path),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        _db.create_all()
    return app


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


def test_windows_are_placed_around_now(loaded, now):
    session, _result = loaded
    applications = session.scalars(select(Application)).all()
    by_status = {s: [a for a in applications if a.status == s] for s in (OPEN, CLOSED, PENDING)}
    assert len(by_status[OPEN]) > len(applications) / 2
    assert by_status[CLOSED] and by_status[PENDING]
    for application in by_status[OPEN]:
        assert application.is_open(now)
        left = application.time_left(now)
        assert dt.timedelta(0) < left <= dt.timedelta(days=85)
        assert application.closes_at - application.opens_at == dt.timedelta(days=90)
    assert sum(a.time_left(now) < dt.timedelta(days=7) for a in by_status[OPEN]) >= 3
    for application in by_status[CLOSED]:
        assert not application.is_open(now)
    for application in by_status[PENDING]:
        assert application.opens_at is None and not application.is_open(now)


def test_loading_twice_changes_nothing(loaded, now):
    session, first = loaded
    from reviewapp.models import (
        ClaimMark,
        Comment,
        Endorsement,
        Feedback,
        Flag,
        ForwardedReport,
        Notification,
        Submission,
        Tag,
        Vote,
        Watch,
    )

    before = {model: count(session, model) for model in (
        Document, Claim, Classification, Application, User, Submission, Endorsement, Vote,
        ClaimMark, Feedback, Comment, Notification, Watch, Flag, Tag, ForwardedReport)}
    assert all(before.values()), before
    windows = {a.id: (a.opens_at, a.closes_at) for a in session.scalars(select(Application))}
    second = demo.load_demo(session, now=now + dt.timedelta(hours=1))
    session.commit()
    assert {model: count(session, model) for model in before} == before
    after = {a.id: (a.opens_at, a.closes_at) for a in session.scalars(select(Application))}
    assert after == windows
    assert second == first


def test_load_skips_a_number_held_by_a_real_document(session, now):
    number = demo.dataset().library[0].publication_number
    session.add(Document(publication_number=number, doc_type="grant", doc_number="1",
                         kind="B2", title="A real document", source="ipg.xml"))
    session.flush()
    result = demo.load_demo(session, now=now)
    assert result.library == len(demo.dataset().library) - 1
    real = session.scalar(select(Document).where(Document.publication_number == number))
    assert real.title == "A real document" and real.source == "ipg.xml"


def test_reset_deletes_only_the_demo(loaded, now):
    session, first = loaded
    other = User(email="someone@example.net", display_name="Someone", role="volunteer")
    real = Document(publication_number="US7000001B2", doc_type="grant", doc_number="07000001",
                    kind="B2", title="Not a demo document", source="ipg.xml")
    session.add_all([other, real])
    session.commit()
    # A demo account changed by hand comes back as it was.
    session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0])).display_name = "X"
    session.commit()
    second = demo.load_demo(session, reset=True, now=now)
    session.commit()
    assert second.applications == first.applications and second.library == first.library
    assert set(first.document_ids) <= set(second.document_ids)  # the removed ones, to unindex
    assert count(session, Document) == len(demo_documents(session)) + 1
    assert count(session, User) == len(demo.DEMO_ACCOUNTS) + 1
    assert session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0])).display_name != "X"
    assert session.get(Document, real.id).title == "Not a demo document"
    demo_ids = [d.id for d in demo_documents(session)]
    assert count(session, Claim, Claim.document_id.not_in(demo_ids)) == 0


def test_reset_removes_rows_that_depend_on_the_demo(loaded, now):
    session, _result = loaded
    from reviewapp.models import Submission

    application = session.scalars(select(Application)).first()
    volunteer = session.scalar(select(User).where(User.email == demo.DEMO_EMAILS[0]))
    library = session.scalar(select(Document).where(Document.application == None))
    session.add(Submission(application_id=application.id, submitter_id=volunteer.id, kind="us",
                           identifier=library.publication_number,
                           library_document_id=library.id))
    session.commit()
    number = library.publication_number
    result = demo.load_demo(session, reset=True, now=now)
    session.commit()
    # The hand-made submission is gone (demo identifiers carry no kind code); the demo's are back.
    assert count(session, Submission, Submission.identifier == number) == 0
    assert count(session, Submission) == result.submissions
    assert count(session, Application) == len(demo.dataset().applications)


def test_two_fresh_databases_hold_the_same_documents(tmp_path, now):
    seen = []
    for name in ("one", "two"):
        app = fresh_app(tmp_path / name)
        with app.app_context():
            demo.load_demo(_db.session, now=now)
            _db.session.commit()
            seen.append(sorted(_db.session.execute(
                select(Document.publication_number, Document.title, Document.abstract)).all()))
            _db.session.remove()
            _db.engine.dispose()
    assert seen[0] == seen[1] and len(seen[0]) > 90


def test_demo_prior_art_votes_verdicts_and_scores(loaded):
    from reviewapp.models import (
        ClaimMark,
        ConflictDeclaration,
        Endorsement,
        Feedback,
        Score,
        Submission,
        Vote,
    )

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


def test_demo_has_a_discussion_once(session, loaded, now):
    """Open applications get threaded comments, one about claim 1; a second load adds none."""
    from sqlalchemy import func, select

    from reviewapp.models import Comment

    count = session.scalar(select(func.count(Comment.id)))
    assert count > 0
    assert session.scalar(select(func.count(Comment.id)).where(Comment.parent_id.is_not(None))) > 0
    assert session.scalar(select(func.count(Comment.id)).where(Comment.claim_id.is_not(None))) > 0
    demo.load_demo(session, now=now)
    session.flush()
    assert session.scalar(select(func.count(Comment.id))) == count


def test_the_demo_library_shows_its_citation_network(loaded, client):
    data = demo.dataset()
    library = {doc.doc_number: doc for doc in data.library}
    citations = [(doc, citation) for doc in data.library for citation in doc.cites]
    counts = Counter(citation.number for _doc, citation in citations if citation.number in library)
    number, times = counts.most_common(1)[0]
    by_examiners = sum(citation.category == "cited by examiner"
                       for _doc, citation in citations if citation.number == number)
    cited = library[number]
    page = unescape(client.get(f"/documents/{cited.publication_number}").get_data(as_text=True))
    assert f"Cited by {times} documents in the library, {by_examiners} of them by examiners." in page
    citing = next(doc for doc, citation in citations if citation.number == number)
    assert f'href="/documents/{citing.publication_number}"' in page
    # The citing grant links what it cites in the library, and lists the older patent too.
    page = unescape(client.get(f"/documents/{citing.publication_number}").get_data(as_text=True))
    assert f'href="/documents/{cited.publication_number}"' in page
    outside = next(c for c in citing.cites if c.number not in library)
    assert outside.name in page
