"""Permissions on the models: each `can_x(user)` agrees with its `x_refusal(user)`, and says why."""
from __future__ import annotations

import pytest

from reviewapp.models import Comment, Endorsement, Notification, SubmissionRevision
from reviewapp.models.application import TAGS_CLOSED
from reviewapp.models.base import utcnow
from reviewapp.models.comment import HIDDEN as COMMENT_HIDDEN
from reviewapp.models.submission import ALREADY_ENDORSED, HIDDEN, WITHDRAWN
from tests.factories import make_application, make_submission, make_user

SUBMISSION_RULES = ("view", "edit", "vote", "mark", "tag", "endorse", "judge", "flag", "moderation")
CAN = {"moderation": "can_moderate"}  # the other rules are can_<rule>


class Anonymous:
    """What Flask-Login gives views for a visitor."""

    is_authenticated = False
    is_active = False
    is_admin = False
    is_examiner = False
    id = None


@pytest.fixture
def cast(db):
    """Return the people of one review: submitter, volunteer, examiner, admin, banned, anonymous."""
    return {
        "submitter": make_user(), "volunteer": make_user(), "examiner": make_user("examiner"),
        "admin": make_user("admin"), "banned": make_user(banned_at=utcnow()), "anonymous": Anonymous(),
    }


def refusal(target, rule: str, user):
    return getattr(target, f"{rule}_refusal")(user)


def allowed(target, rule: str, user) -> bool:
    return getattr(target, CAN.get(rule, f"can_{rule}"))(user)


@pytest.mark.parametrize("status", ["active", WITHDRAWN, HIDDEN])
def test_every_can_agrees_with_its_refusal(db, cast, status):
    """Answer can_x True exactly when x_refusal gives no reason, for everyone and every status."""
    submission = make_submission(make_application(), cast["submitter"], status=status)
    for who, user in cast.items():
        for rule in SUBMISSION_RULES:
            reason = refusal(submission, rule, user)
            assert allowed(submission, rule, user) == (reason is None), (status, who, rule)
            assert reason is None or (isinstance(reason, str) and reason.endswith(".")), (who, rule)


def test_who_sees_a_hidden_submission(db, cast):
    submission = make_submission(make_application(), cast["submitter"], status=HIDDEN)
    seeing = {who for who, user in cast.items() if submission.can_view(user)}
    assert seeing == {"submitter", "admin"}
    assert submission.view_refusal(cast["volunteer"]) == "This submission was removed by the moderators."


def test_the_submitter_edits_and_nobody_else(db, cast):
    submission = make_submission(make_application(), cast["submitter"])
    assert [who for who, user in cast.items() if submission.can_edit(user)] == ["submitter"]
    assert submission.edit_refusal(cast["admin"]) == \
        "Only the volunteer who submitted this prior art may change it."
    submission.status = WITHDRAWN
    assert submission.edit_refusal(cast["submitter"]) == \
        "This submission is withdrawn; it can no longer be changed."


def test_votes_marks_and_endorsements_are_for_others(db, cast):
    submission = make_submission(make_application(), cast["submitter"])
    assert submission.vote_refusal(cast["submitter"]) == "You can't vote on your own submission."
    assert submission.mark_refusal(cast["submitter"]) == "You can't mark claims on your own submission."
    assert submission.vote_refusal(cast["anonymous"]) == "Log in to vote."
    assert submission.vote_refusal(cast["banned"]) == "Your account is suspended."
    assert submission.can_vote(cast["volunteer"]) and submission.can_mark(cast["volunteer"])
    assert submission.endorse_refusal(cast["submitter"]).startswith("You already submitted this document")
    assert submission.can_endorse(cast["volunteer"])


def test_an_endorser_cannot_vote_or_endorse_again(db, cast):
    from reviewapp.models import Endorsement

    submission = make_submission(make_application(), cast["submitter"])
    db.session.add(Endorsement(submission_id=submission.id, user_id=cast["volunteer"].id, explanation="Me too."))
    db.session.flush()
    db.session.expire(submission, ["endorsements"])
    assert submission.endorse_refusal(cast["volunteer"]) == ALREADY_ENDORSED
    assert submission.vote_refusal(cast["volunteer"]) == "You endorsed this document: you can't vote on it."
    assert submission.can_mark(cast["volunteer"])  # an endorser says which claims it reads on


def test_only_examiners_judge_and_never_their_own(db, cast):
    examiner = cast["examiner"]
    theirs = make_submission(make_application(), cast["submitter"])
    own = make_submission(make_application(), examiner)
    assert {who for who, user in cast.items() if theirs.can_judge(user)} == {"examiner", "admin"}
    assert theirs.judge_refusal(cast["volunteer"]) == "Only examiners give verdicts."
    assert own.judge_refusal(examiner) == "You cannot judge your own submission."
    theirs.status = WITHDRAWN
    assert theirs.judge_refusal(examiner) == "This submission is withdrawn: it cannot be judged."


def test_examiners_do_not_judge_what_they_endorsed_or_once_submitted(db, cast):
    """As with votes: putting the document forward, now or before, rules out judging it."""
    examiner, admin = cast["examiner"], cast["admin"]
    submission = make_submission(make_application(), cast["submitter"])
    db.session.add(Endorsement(submission_id=submission.id, user_id=examiner.id, explanation="Mine too."))
    db.session.add(SubmissionRevision(submission_id=submission.id, editor_id=admin.id, version=1,
                                      action="handover", data={"submitter_id": admin.id},
                                      created_at=utcnow()))
    db.session.flush()
    db.session.expire(submission, ["endorsements", "revisions"])
    assert submission.judge_refusal(examiner) == "You endorsed this document: you cannot judge it."
    assert submission.judge_refusal(admin) == "You submitted this document earlier: you cannot judge it."
    assert not submission.can_judge(examiner) and not submission.can_judge(admin)
    assert submission.can_judge(make_user("examiner"))


def test_an_examiner_who_judged_it_cannot_put_it_forward(db, cast):
    """The other way round: a verdict rules out endorsing it, or resubmitting it once withdrawn."""
    from reviewapp.models import Feedback

    examiner = cast["examiner"]
    submission = make_submission(make_application(), cast["submitter"])
    assert submission.can_endorse(examiner)
    db.session.add(Feedback(submission_id=submission.id, examiner_id=examiner.id, verdict="used"))
    db.session.flush()
    judged = "You judged this document as an examiner: you cannot put it forward."
    assert submission.endorse_refusal(examiner) == judged
    submission.status = WITHDRAWN
    assert submission.endorse_refusal(examiner) == judged and not submission.can_endorse(examiner)
    assert submission.can_endorse(cast["volunteer"]) and submission.can_endorse(make_user("examiner"))


def test_tags_on_hidden_submissions_are_for_moderators(db, cast):
    submission = make_submission(make_application(), cast["submitter"], status=HIDDEN)
    assert submission.tag_refusal(cast["submitter"]) == "This submission is hidden."
    assert submission.can_tag(cast["admin"])
    assert submission.tag_refusal(cast["anonymous"]) == "Log in to tag."


def test_a_closed_reviews_tags_take_no_addition_and_come_off_by_a_moderator_only(db, cast):
    closed = make_application(status="closed", days_left=-1)
    ended = make_application(days_left=0)  # still "open", but its window has ended
    for application in (closed, ended):
        submission = make_submission(application, cast["submitter"])
        for target in (application, submission):
            for who in ("volunteer", "admin"):
                assert target.tag_refusal(cast[who]) == TAGS_CLOSED
                assert not target.can_tag(cast[who])
            assert target.tag_removal_refusal(cast["volunteer"], cast["volunteer"].id) == TAGS_CLOSED
            assert target.can_remove_tag(cast["admin"], cast["volunteer"].id)
            assert target.can_remove_tag(cast["admin"], None)
            assert target.tag_removal_refusal(cast["anonymous"], None) == "Log in to remove tags."


def test_application_rules(db, cast):
    application = make_application()
    closed = make_application(status="closed", days_left=-1)
    assert application.can_submit(cast["volunteer"]) and application.can_comment(cast["volunteer"])
    assert application.submit_refusal(cast["anonymous"]) == "Log in to submit prior art."
    assert closed.submit_refusal(cast["volunteer"]) == (
        f"The review window of {closed.number} is closed: prior art can be submitted or changed "
        "only while it is open.")
    assert closed.comment_refusal(cast["volunteer"]) == \
        "The review window is closed: the discussion is read-only."
    assert application.tag_refusal(cast["anonymous"]) == "Log in to tag."
    assert application.can_remove_tag(cast["volunteer"], cast["volunteer"].id)
    assert not application.can_remove_tag(cast["volunteer"], cast["admin"].id)
    assert application.can_remove_tag(cast["admin"], cast["volunteer"].id)
    assert {who for who, user in cast.items() if application.can_moderate(user)} == {"admin"}


def test_comments_notifications_and_accounts(db, cast):
    application = make_application()
    comment = Comment(application_id=application.id, author_id=cast["volunteer"].id, body="Hm.")
    db.session.add(comment)
    db.session.flush()
    assert comment.flag_refusal(cast["volunteer"]) == "You cannot flag your own comment."
    assert comment.can_flag(cast["submitter"]) and not comment.can_flag(cast["anonymous"])
    comment.status = COMMENT_HIDDEN
    assert {who for who, user in cast.items() if comment.can_view(user)} == {"admin"}
    assert comment.can_moderate(cast["admin"]) and not comment.can_moderate(cast["examiner"])
    notification = Notification(user_id=cast["volunteer"].id, kind="comment", message="m",
                                dedupe_key="k")
    assert {who for who, user in cast.items() if notification.can_view(user)} == {"volunteer"}
    assert notification.view_refusal(cast["admin"]) == "This notification is not yours."
    assert cast["volunteer"].flag_refusal(cast["volunteer"]) == "You cannot flag yourself."
    assert cast["volunteer"].can_flag(cast["submitter"])
