"""Examiner verdicts: recorded once per examiner, counted in the track record, refused with reasons."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from reviewapp.examiner.verdicts import FeedbackError, record_feedback
from reviewapp.models import (
    Feedback,
    Submission,
    User,
)
from reviewapp.priorart.editing import withdraw_submission
from reviewapp.priorart.submitting import submit_prior_art
from tests.factories import make_application, make_submission, make_user
from tests.priorart.helpers import data


def test_feedback_updates_reputation_at_once_and_a_changed_verdict_counts_once(db, rescores):
    application, submitter, examiner = make_application(), make_user(), make_user("examiner")
    first, second = make_submission(application, submitter), make_submission(application, submitter)
    record_feedback(db.session, first, examiner, "used")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 1)
    assert submitter.reputation == pytest.approx(2 / 3)
    record_feedback(db.session, first, examiner, "not_relevant", "seen it")  # changed: no double count
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 0)
    assert submitter.reputation == pytest.approx(1 / 3)
    record_feedback(db.session, first, examiner, "not_relevant", "same verdict, new note")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (1, 0)
    record_feedback(db.session, second, examiner, "relevant")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (2, 1)
    assert submitter.reputation == pytest.approx(2 / 4)
    rows = db.session.scalars(select(Feedback).where(Feedback.submission_id == first.id)).all()
    assert [(f.verdict, f.note) for f in rows] == [("not_relevant", "same verdict, new note")]
    # The count is in the database, not only on the object.
    db.session.expire_all()
    stored = db.session.get(User, submitter.id)
    assert (stored.verdicts_total, stored.verdicts_positive) == (2, 1)


def test_simultaneous_changes_of_one_verdict_leave_the_counters_equal_to_the_feedback(app, db, rescores):
    """Two connections change one verdict at once (a double click): the counters say what the rows say."""
    application, submitter, examiner = make_application(), make_user(), make_user("examiner")
    items = [make_submission(application, submitter) for _ in range(3)]
    for item in items:
        record_feedback(db.session, item, examiner, "known")
    db.session.commit()  # the other connections must see the rows
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (3, 0)
    item_id, examiner_id, engine = items[0].id, examiner.id, db.engine
    # On SQLite the submission's lock is the database's write lock: the second change waits
    # for the first to commit, so the two never meet at the barrier.
    sqlite = engine.dialect.name == "sqlite"
    barrier = threading.Barrier(2, timeout=1 if sqlite else 20)
    errors: list[BaseException] = []

    def change_now() -> None:
        with Session(engine) as session:
            waited = []

            @event.listens_for(session, "before_flush")
            def write_together(*_args) -> None:
                # Both have read the old verdict ("known"): now both write "used".
                if not waited:
                    waited.append(True)
                    try:
                        barrier.wait()
                    except threading.BrokenBarrierError:
                        if not sqlite:
                            raise

            try:
                record_feedback(session, session.get(Submission, item_id), session.get(User, examiner_id), "used")
                session.commit()
            except BaseException as error:  # noqa: BLE001 - reported by the assertions below
                errors.append(error)
                session.rollback()

    threads = [threading.Thread(target=change_now) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    stored = db.session.get(User, submitter.id)
    assert (stored.verdicts_total, stored.verdicts_positive) == (3, 1)  # not 3 total / 2 positive
    assert stored.reputation == pytest.approx(2 / 5)


def test_two_examiners_each_count(db, rescores):
    application, submitter = make_application(), make_user()
    item = make_submission(application, submitter)
    record_feedback(db.session, item, make_user("examiner"), "used")
    record_feedback(db.session, item, make_user("admin"), "known")
    assert (submitter.verdicts_total, submitter.verdicts_positive) == (2, 1)


def test_rescore_is_enqueued_only_after_commit(db, rescores):
    application, examiner = make_application(), make_user("examiner")
    item = make_submission(application, make_user())
    db.session.commit()
    record_feedback(db.session, item, examiner, "relevant")
    assert rescores == []
    db.session.rollback()
    db.session.commit()
    assert rescores == []  # rolled back: nothing to rescore
    record_feedback(db.session, item, examiner, "relevant")
    db.session.commit()
    assert rescores == [application.id]


@pytest.mark.parametrize("verdict, note, field", [("maybe", "", "verdict"), ("used", "x" * 2001, "note")])
def test_bad_feedback_is_refused_with_the_field(db, verdict, note, field):
    application = make_application()
    item = make_submission(application, make_user())
    with pytest.raises(FeedbackError) as error:
        record_feedback(db.session, item, make_user("examiner"), verdict, note)
    assert error.value.field == field


def test_feedback_refused_on_own_or_withdrawn_items_and_from_volunteers(db):
    application, examiner = make_application(), make_user("examiner")
    own = make_submission(application, examiner)
    withdrawn = make_submission(application, make_user())
    withdrawn.status = "withdrawn"
    for submission, judge in ((own, examiner), (withdrawn, examiner), (make_submission(application, make_user()), make_user())):
        with pytest.raises(FeedbackError):
            record_feedback(db.session, submission, judge, "used")
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_feedback_refused_from_examiners_who_put_the_document_forward(db):
    """Erin endorsed it, Eve handed it over: neither judges it, and no track record moves."""
    application, alice = make_application(), make_user(name="Alice")
    erin, eve = make_user("examiner", name="Erin"), make_user("examiner", name="Eve")
    endorsed = submit_prior_art(db.session, application, alice, data()).submission
    submit_prior_art(db.session, application, erin, data(explanation="Erin endorses."))
    handed = submit_prior_art(db.session, application, eve, data(identifier="US 7,222,333 B2")).submission
    submit_prior_art(db.session, application, alice, data(identifier="US 7,222,333 B2"))
    assert withdraw_submission(db.session, handed, eve) == alice
    with pytest.raises(FeedbackError, match="You endorsed this document"):
        record_feedback(db.session, endorsed, erin, "used")
    with pytest.raises(FeedbackError, match="You submitted this document earlier"):
        record_feedback(db.session, handed, eve, "relevant")
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    db.session.refresh(alice)
    assert (alice.verdicts_total, alice.verdicts_positive) == (0, 0)


def test_a_verdict_brings_the_examiner_back_to_the_page_of_the_item(client, auth, db, app):
    app.config["ITEMS_PER_PAGE"] = 2
    application, volunteer, examiner = make_application(), make_user(), make_user("examiner")
    items = [make_submission(application, volunteer, identifier=f"US{7000001 + i}B1") for i in range(3)]
    db.session.commit()
    auth.login(examiner)
    for item, page in ((items[2], "?page=2"), (items[0], "")):
        response = client.post(f"/examiner/submissions/{item.id}/feedback",
                               data={f"s{item.id}-verdict": "relevant"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(
            f"/examiner/applications/{application.number}{page}#submission-{item.id}")
        assert f'id="submission-{item.id}"' in client.get(response.headers["Location"]).get_data(
            as_text=True)


def test_a_hidden_items_verdict_page_is_only_for_moderators(client, auth, db):
    application, volunteer = make_application(), make_user()
    hidden = make_submission(application, volunteer, title="Abusive text", status="hidden")
    examiner, admin = make_user("examiner"), make_user("admin")
    db.session.commit()
    auth.login(examiner)
    assert client.get(f"/examiner/submissions/{hidden.id}/feedback").status_code == 404
    assert client.post(f"/examiner/submissions/{hidden.id}/feedback",
                       data={f"s{hidden.id}-verdict": "relevant"}).status_code == 404
    auth.login(admin)
    response = client.get(f"/examiner/submissions/{hidden.id}/feedback")
    assert response.status_code == 200 and "Abusive text" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
