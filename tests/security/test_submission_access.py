"""One submission, every page and API route of it: the same answer per viewer, from one rule.

`Submission.can_view` decides; the detail page, the tag page, the flag form, every action posted
to it, the lists that name it and the JSON API must all agree with it, for an active, a withdrawn
and a hidden submission, seen by its submitter, another volunteer, an examiner, a moderator and
an anonymous visitor.
"""
from __future__ import annotations

import pytest

from reviewapp.api.services import create_token
from reviewapp.models import Submission, User
from reviewapp.models.submission import ACTIVE, HIDDEN, WITHDRAWN

from .routes import LOGIN, MOVED, assert_answer, describe, path_of

TITLE = "Coolant manifold"  # the world's submission by `other`, tagged by the volunteer
VIEWERS = ("anonymous", "submitter", "volunteer", "examiner", "moderator")
ROLE_OF = {"anonymous": "anonymous", "submitter": "other", "volunteer": "volunteer",
           "examiner": "examiner", "moderator": "admin"}
# Who may see the submission, by its status: the matrix the one rule must produce.
SEES = {
    ACTIVE: set(VIEWERS),
    WITHDRAWN: set(VIEWERS),
    HIDDEN: {"submitter", "moderator"},
}


def pages(world) -> dict[str, tuple[str, dict]]:
    """Return the GET pages of the submission: (endpoint, URL values) by label."""
    sub = {"submission_id": world.submission_id}
    return {
        "detail": ("priorart.detail", sub),
        "tags": ("community.submission_tags", sub),
        "flag form": ("community.flag", {"target_type": "submission", "target_id": world.submission_id}),
    }


def actions(world) -> dict[str, tuple[str, dict, dict]]:
    """Return the POST routes acting on the submission: (endpoint, URL values, form) by label."""
    sub = {"submission_id": world.submission_id}
    return {
        "vote": ("community.vote", sub, {"value": "up"}),
        "mark": ("community.mark_claim", sub, {"claim_id": str(world.claim_id), "action": "mark"}),
        "tag": ("community.submission_tags", sub, {"name": "thermal"}),
        "untag": ("community.untag_submission", {**sub, "name": world.tag}, {}),
        "flag": ("community.flag", {"target_type": "submission", "target_id": world.submission_id},
                 {"reason": "Off-topic."}),
    }


def listings(world) -> dict[str, tuple[str, dict]]:
    """Return the pages listing the submission among others: the tag's page, the submitter's record."""
    return {"tag page": ("community.tag", {"name": world.tag}),
            "submitter's record": ("community.reviewer", {"user_id": world.other.id})}


def log_in_as(auth, world, viewer: str) -> User | None:
    auth.logout()
    user = world.user(ROLE_OF[viewer])
    if user is not None:
        auth.login(user)
    return user


def set_status(db, world, status: str) -> None:
    db.session.get(Submission, world.submission_id).status = status
    db.session.commit()


@pytest.mark.parametrize("status", [ACTIVE, WITHDRAWN, HIDDEN])
def test_every_page_of_a_submission_answers_as_can_view_says(app, client, auth, db, new_world,
                                                              fresh_login_per_request, status):
    """Answer each viewer alike on every page, list and action of one submission; 404 when not allowed."""
    world = new_world()
    set_status(db, world, status)
    wrong = []
    for viewer in VIEWERS:  # reading first: the actions below change the tags and flags
        user = log_in_as(auth, world, viewer)
        allowed = viewer in SEES[status]
        model_says = db.session.get(Submission, world.submission_id).can_view(
            db.session.get(User, user.id) if user else None)
        if model_says != allowed:
            wrong.append(f"{status} as {viewer}: Submission.can_view says {model_says}")
        for label, (endpoint, values) in pages(world).items():
            response = client.get(path_of(app, endpoint, values))
            response.close()
            login_page = endpoint != "priorart.detail" and user is None
            expected = LOGIN if login_page else 200 if allowed else 404
            try:
                assert_answer(response, expected, f"{status} {label} as {viewer}")
            except AssertionError as error:
                wrong.append(str(error).splitlines()[0])
        for label, (endpoint, values) in listings(world).items():
            response = client.get(path_of(app, endpoint, values))
            listed = TITLE in response.get_data(as_text=True)
            if response.status_code != 200 or listed != allowed:
                wrong.append(f"{status} {label} as {viewer}: {response.status_code}, listed={listed}")
    for viewer in VIEWERS:
        user = log_in_as(auth, world, viewer)
        allowed = viewer in SEES[status]
        for label, (endpoint, values, form) in actions(world).items():
            # Sent from a page of the site: logged out, login returns there (LOGIN has `next`).
            response = client.post(path_of(app, endpoint, values), data=form,
                                   headers={"Referer": "http://localhost.test/"})
            response.close()
            # Allowed viewers get the page back or a redirect with the outcome; never a 404.
            expected = LOGIN if user is None else MOVED if allowed else 404
            if allowed and user is not None and response.status_code == 200:
                continue  # a refused form shown again (e.g. tagging a hidden submission)
            try:
                assert_answer(response, expected, f"{status} POST {label} as {viewer}")
            except AssertionError as error:
                wrong.append(str(error).splitlines()[0])
    assert wrong == []


@pytest.mark.parametrize("status", [ACTIVE, WITHDRAWN, HIDDEN])
def test_the_api_answers_as_can_view_says_for_the_token_holder(app, client, auth, db, new_world,
                                                                fresh_login_per_request, status):
    """Identify the API caller by the token only: a session is anonymous there, a token its holder."""
    world = new_world()
    set_status(db, world, status)
    _token, moderator_secret = create_token(db.session, db.session.get(User, world.admin.id), "moderation")
    db.session.commit()
    path = path_of(app, "api.submission", {"submission_id": world.submission_id})
    expected_anonymous = 200 if "anonymous" in SEES[status] else 404
    for viewer in VIEWERS:  # a session cookie never raises the API's level
        log_in_as(auth, world, viewer)
        response = client.get(path)
        assert response.status_code == expected_anonymous, f"{status} as {viewer}: {describe(response)}"
        if response.status_code == 200:
            assert response.get_json()["status"] == status and TITLE in response.get_data(as_text=True)
    auth.logout()
    for viewer, secret in (("examiner", world.token_secret), ("moderator", moderator_secret)):
        response = client.get(path, headers={"Authorization": f"Bearer {secret}"})
        expected = 200 if viewer in SEES[status] else 404
        assert response.status_code == expected, f"{status} with the {viewer}'s token: {describe(response)}"
        if expected == 404:
            assert set(response.get_json()) == {"error"}


def test_an_unknown_submission_is_404_everywhere(app, client, auth, world, fresh_login_per_request):
    """Answer an id no submission has like a hidden one: 404, JSON under the API."""
    auth.login(world.admin)
    missing = world.submission_id + 1000
    for endpoint, values in [("priorart.detail", {"submission_id": missing}),
                             ("community.submission_tags", {"submission_id": missing}),
                             ("api.submission", {"submission_id": missing})]:
        response = client.get(path_of(app, endpoint, values))
        assert response.status_code == 404, endpoint
    assert client.get(path_of(app, "api.submission", {"submission_id": missing})).is_json
