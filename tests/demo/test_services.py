"""The demo is built through the site's services: their rules hold and their side rows exist."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reviewapp import demo
from reviewapp.demo.specs import WINDOW_DAYS
from reviewapp.models import (
    Application,
    ConflictDeclaration,
    Endorsement,
    Flag,
    ForwardedReport,
    Notification,
    Submission,
    User,
    Vote,
    Watch,
)
from reviewapp.models.application import CLOSED, OPEN
from reviewapp.priorart import checks, submitting

from .conftest import count


def applications_by_number(session) -> dict[str, Application]:
    return {a.number: a for a in session.scalars(select(Application))}


def test_submissions_notify_the_watchers_and_declare_conflicts(loaded):
    session, _result = loaded
    submissions = session.scalars(select(Submission)).all()
    notified = set(session.execute(select(Notification.user_id, Notification.dedupe_key)).all())
    for submission in submissions:
        watchers = set(session.scalars(select(Watch.user_id).where(
            Watch.application_id == submission.application_id)))
        assert submission.submitter_id in watchers
        for user_id in watchers - {submission.submitter_id}:
            assert (user_id, f"submission:{submission.id}") in notified
        assert (submission.submitter_id, f"submission:{submission.id}") not in notified
    declared = set(session.execute(select(ConflictDeclaration.user_id,
                                          ConflictDeclaration.application_id)).all())
    endorsers = set(session.execute(select(Endorsement.user_id, Submission.application_id)
                                    .join(Submission)).all())
    assert endorsers and endorsers <= declared


def test_nobody_votes_on_what_they_put_forward(loaded):
    session, _result = loaded
    votes = session.scalars(select(Vote)).all()
    assert votes
    for vote in votes:
        assert vote.user_id != vote.submission.submitter_id
        assert vote.user_id not in vote.submission.endorser_ids()


def test_closed_reviews_have_frozen_reports_and_open_ones_none(loaded):
    session, _result = loaded
    applications = applications_by_number(session).values()
    reports = {r.application_id: r for r in session.scalars(select(ForwardedReport))}
    closed = {a.id for a in applications if a.status == CLOSED}
    assert closed and set(reports) == closed
    for application in applications:
        if application.id in closed:
            assert application.closes_at - application.opens_at == dt.timedelta(days=WINDOW_DAYS)
            assert reports[application.id].items  # the ranked submissions, copied


def test_submissions_are_dated_within_their_windows(loaded):
    session, _result = loaded
    for submission in session.scalars(select(Submission)):
        application = submission.application
        created = submission.created_at.replace(tzinfo=dt.UTC)
        assert application.opens_at.replace(tzinfo=dt.UTC) <= created
        assert created < application.closes_at.replace(tzinfo=dt.UTC)


def test_off_topic_submissions_on_open_reviews_are_flagged(loaded):
    session, _result = loaded
    flags = session.scalars(select(Flag)).all()
    assert flags and all(f.resolved_at is None and f.target_type == "submission" for f in flags)
    for flag in flags:
        submission = session.get(Submission, flag.target_id)
        assert submission.application.status == OPEN and flag.reporter_id != submission.submitter_id


def test_reviews_are_tagged_by_their_area(loaded):
    session, _result = loaded
    tagged = [a for a in applications_by_number(session).values() if a.tags]
    assert tagged and all(a.status in (OPEN, CLOSED) for a in tagged)
    assert all(len(a.tags) == 1 for a in tagged)


def test_the_too_late_documents_are_refused_by_the_date_check(loaded):
    session, _result = loaded
    applications = applications_by_number(session)
    users = {u.email: u for u in session.scalars(select(User))}
    late = [h for h in demo.dataset().prior_art if h.relation == demo.TOO_LATE
            and applications[h.application].status == OPEN]
    assert late
    for hint in late:
        data = checks.SubmissionData(kind="us", identifier=hint.document, claim_numbers=[1],
                                       explanation=hint.explanation, has_conflict=False)
        with pytest.raises(checks.SubmissionError, match="on or after this application"):
            submitting.submit_prior_art(session, applications[hint.application],
                                      users[hint.reviewer], data)
    assert count(session, Submission, Submission.identifier_raw.in_(
        [h.document for h in late])) == 0


def test_a_moment_far_from_the_clock_is_refused(session, now):
    with pytest.raises(ValueError, match="present moment"):
        demo.load_demo(session, now=now - dt.timedelta(days=30))
    assert count(session, Application) == 0
