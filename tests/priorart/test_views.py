"""Prior-art pages: the submission form, the submission page, editing and withdrawing."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from reviewapp.models import ConflictDeclaration, Endorsement, Submission, SubmissionRevision
from reviewapp.priorart.checks import SubmissionData
from reviewapp.priorart.submitting import submit_prior_art
from tests.factories import make_application, make_submission, make_user

# Rows are committed before requests: a refused request rolls the shared session back.

@pytest.fixture
def application(db):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    db.session.commit()
    return application


@pytest.fixture
def alice(db):
    user = make_user(name="Alice")
    db.session.commit()
    return user


@pytest.fixture
def bob(db):
    user = make_user(name="Bob")
    db.session.commit()
    return user


def form(**fields) -> dict:
    """Return a valid posted submission form."""
    values = {"kind": "us", "identifier": "US 7,123,456 B2", "title": "Battery cooler",
              "publication_date": "2012-04-03", "pinpoint": "col. 3, l. 15-40", "claims": ["1"],
              "explanation": "Discloses the coolant loop of claim 1.", "conflict": "none"}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def submit_url(application) -> str:
    return f"/applications/{application.number}/submit"


def error_next_to(html: str, field: str) -> str:
    """Return the error shown under `field`, or fail."""
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error under {field}"
    return match[1]


def test_anonymous_is_sent_to_login(client, application):
    response = client.get(submit_url(application))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post(submit_url(application), data=form())
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_form_lists_the_claims_and_asks_about_conflicts(client, auth, application, alice):
    auth.login(alice)
    html = client.get(submit_url(application)).get_data(as_text=True)
    assert 'type="checkbox"' in html and "Claim 1 (independent): A method of cooling a battery" in html
    assert "Claim 2 (dependent)" in html
    assert "I have no conflict of interest with the applicant" in html and "I declare a conflict:" in html
    assert "before <strong>2019-06-01</strong>" in html
    assert 'placeholder="col. 3, l. 15-40' in html


def test_submit_creates_and_shows_the_submission(client, auth, db, application, alice):
    auth.login(alice)
    response = client.post(submit_url(application), data=form(claims=["1", "2"]))
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    assert (submission.identifier, [c.number for c in submission.claims]) == ("US7123456", [1, 2])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your prior art was submitted" in page and "US7123456B2" in page
    assert "col. 3, l. 15-40" in page and "Discloses the coolant loop of claim 1." in page
    assert db.session.scalars(select(ConflictDeclaration)).one().has_conflict is False


def test_date_after_priority_is_refused_next_to_the_date_keeping_input(client, auth, db, application, alice):
    auth.login(alice)
    response = client.post(submit_url(application), data=form(
        publication_date="2020-05-01", explanation="My careful <explanation>", claims=["1", "3"]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_next_to(html, "publication_date") == (
        "Published 2020-05-01, on or after this application&#39;s earliest priority date 2019-06-01: "
        "it cannot be prior art against these claims.")
    assert 'value="2020-05-01"' in html and 'value="US 7,123,456 B2"' in html
    assert "My careful &lt;explanation&gt;</textarea>" in html
    assert re.search(r'value="3" checked|checked[^>]*value="3"', html)
    assert count(db, Submission) == 0 and count(db, ConflictDeclaration) == 0


def test_closed_window_post_is_refused_and_nothing_saved(client, auth, db, alice):
    closed = make_application(status="closed")
    db.session.commit()
    auth.login(alice)
    response = client.post(submit_url(closed), data=form())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "is closed: prior art can be submitted or changed only while it is open" in html
    assert count(db, Submission) == 0 and count(db, ConflictDeclaration) == 0


def test_closed_window_get_goes_back_to_the_application(client, auth, db, alice):
    closed = make_application(status="closed")
    db.session.commit()
    auth.login(alice)
    response = client.get(submit_url(closed), follow_redirects=True)
    assert response.request.path == f"/applications/{closed.number}"
    assert "is closed: prior art can be submitted or changed only while it is open" in \
        response.get_data(as_text=True)


def test_unknown_application_is_404(client, auth, alice):
    auth.login(alice)
    assert client.get("/applications/US99999999999A1/submit").status_code == 404


@pytest.mark.parametrize("fields, field, message", [
    ({"identifier": "banana"}, "identifier", "is not a US patent or publication number"),
    ({"identifier": ""}, "identifier", "Enter the patent or publication number"),
    ({"kind": "trademark"}, "kind", "Choose the kind of document."),
    ({"url": "javascript:alert(1)"}, "url", "Only http:// and https:// links are accepted"),
    ({"url": "ftp://example.org/a.pdf"}, "url", "Only http:// and https:// links are accepted"),
    ({"claims": None}, "claims", "Choose at least one claim this document bears on."),
    ({"claims": ["9"]}, "claims", "Choose claims of this application."),
    ({"claims": ["x"]}, "claims", "Choose claims of this application."),
    ({"explanation": ""}, "explanation", "Explain concisely how this document is relevant"),
    ({"explanation": "y" * 1001}, "explanation", "1,001 characters: shorten the explanation to at most"),
    ({"publication_date": "2015-13-45"}, "publication_date", "Enter the date as YYYY-MM-DD"),
    ({"publication_date": ""}, "publication_date", "Give the publication date"),
    ({"conflict": None}, "conflict", "Confirm you have no conflict of interest"),
    ({"conflict": "declare", "conflict_statement": ""}, "conflict_statement", "Describe your conflict"),
    ({"pinpoint": "p" * 256}, "pinpoint", "Field cannot be longer than 255 characters."),
])
def test_bad_input_gets_a_message_next_to_the_field(client, auth, db, application, alice,
                                                     fields, field, message):
    auth.login(alice)
    response = client.post(submit_url(application), data=form(title="Typed title", **fields))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in error_next_to(html, field)
    assert 'value="Typed title"' in html  # what the user typed is kept
    assert count(db, Submission) == 0


def test_explanation_of_exactly_1000_characters_with_crlf_is_accepted(client, auth, db, application, alice):
    auth.login(alice)
    text = "\r\n".join(["z" * 99] * 10) + "z"  # 1,009 sent, 1,000 once line endings count once
    assert client.post(submit_url(application), data=form(explanation=text)).status_code == 302
    assert len(db.session.scalars(select(Submission)).one().explanation) == 1000


def test_conflict_question_is_asked_only_once(client, auth, db, application, alice):
    auth.login(alice)
    client.post(submit_url(application), data=form(conflict="declare",
                                                   conflict_statement="I used to work for the applicant."))
    declaration = db.session.scalars(select(ConflictDeclaration)).one()
    assert declaration.has_conflict and declaration.statement == "I used to work for the applicant."
    html = client.get(submit_url(application)).get_data(as_text=True)
    assert "I have no conflict of interest" not in html
    response = client.post(submit_url(application), data=form(identifier="US 6,000,001", conflict=None))
    assert response.status_code == 302 and count(db, Submission) == 2


def test_declared_conflicts_are_not_shown_to_other_volunteers(client, auth, db, application, alice, bob):
    auth.login(alice)
    client.post(submit_url(application), data=form(conflict="declare", conflict_statement="Secret tie."))
    submission = db.session.scalars(select(Submission)).one()
    auth.login(bob)
    assert "Secret tie." not in client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Secret tie." not in client.get(f"/applications/{application.number}").get_data(as_text=True)


def test_duplicate_becomes_an_endorsement_and_says_so(client, auth, db, application, alice, bob):
    auth.login(alice)
    client.post(submit_url(application), data=form())
    auth.login(bob)
    response = client.post(submit_url(application), data=form(
        identifier="7123456", pinpoint="Fig. 4", explanation="Fig. 4 shows the glycol loop."),
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "This document was already submitted; your explanation was added as an endorsement" in html
    assert "Endorsed by 1 other" in html and "Fig. 4 shows the glycol loop." in html and "Bob" in html
    assert count(db, Submission) == 1 and count(db, Endorsement) == 1


def test_own_duplicate_is_refused_next_to_the_identifier(client, auth, db, application, alice):
    auth.login(alice)
    client.post(submit_url(application), data=form())
    response = client.post(submit_url(application), data=form(identifier="US7123456"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You already submitted this document" in error_next_to(html, "identifier")
    assert count(db, Submission) == 1 and count(db, Endorsement) == 0


# --- the submission page, editing and withdrawing -------------------------------------------

@pytest.fixture
def submission(db, application, alice):
    data = SubmissionData(kind="us", identifier="US 7,123,456 B2", title="Battery cooler",
                          publication_date=dt.date(2012, 4, 3), pinpoint="col. 3", claim_numbers=[1],
                          explanation="Original explanation.", has_conflict=False)
    submission = submit_prior_art(db.session, application, alice, data).submission
    db.session.commit()
    return submission


def edit_form(**fields) -> dict:
    values = {"title": "Battery cooler", "publication_date": "2012-04-03", "pinpoint": "col. 5, l. 2-8",
              "claims": ["1", "3"], "explanation": "Edited explanation."}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def test_edit_form_is_prefilled_for_the_submitter(client, auth, submission, alice):
    auth.login(alice)
    html = client.get(f"/submissions/{submission.id}/edit").get_data(as_text=True)
    assert 'value="col. 3"' in html and "Original explanation.</textarea>" in html
    assert re.search(r'checked[^>]*value="1"|value="1"[^>]*checked', html)
    assert 'value="2012-04-03"' in html


def test_edit_stores_history_shown_on_the_page(client, auth, db, submission, alice):
    auth.login(alice)
    response = client.post(f"/submissions/{submission.id}/edit", data=edit_form(), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your submission was updated." in html
    assert "Edited explanation." in html and "History" in html and "Original explanation." in html
    db.session.refresh(submission)
    assert submission.version == 2 and [c.number for c in submission.claims] == [1, 3]
    assert db.session.scalars(select(SubmissionRevision)).one().data["explanation"] == "Original explanation."


def test_edit_errors_are_shown_and_nothing_changes(client, auth, db, submission, alice):
    auth.login(alice)
    response = client.post(f"/submissions/{submission.id}/edit",
                           data=edit_form(publication_date="2019-06-02", explanation="Kept text"))
    html = response.get_data(as_text=True)
    assert "on or after this application" in error_next_to(html, "publication_date")
    assert "Kept text</textarea>" in html
    db.session.refresh(submission)
    assert submission.version == 1 and submission.explanation == "Original explanation."


def test_another_user_cannot_edit_or_withdraw(client, auth, db, submission, bob):
    auth.login(bob)
    assert client.get(f"/submissions/{submission.id}/edit").status_code == 403
    assert client.post(f"/submissions/{submission.id}/edit", data=edit_form()).status_code == 403
    assert client.post(f"/submissions/{submission.id}/withdraw").status_code == 403
    db.session.refresh(submission)
    assert submission.status == "active" and submission.version == 1
    assert "Edit</a>" not in client.get(f"/submissions/{submission.id}").get_data(as_text=True)


def test_anonymous_cannot_edit_or_withdraw(client, submission):
    for response in (client.get(f"/submissions/{submission.id}/edit"),
                     client.post(f"/submissions/{submission.id}/withdraw")):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_submitter_cannot_edit_after_the_window_closes(client, auth, db, submission, application, alice):
    application.status = "closed"
    db.session.commit()
    auth.login(alice)
    response = client.get(f"/submissions/{submission.id}/edit")
    assert response.status_code == 403
    assert "The review window is closed" in response.get_data(as_text=True)


def test_withdraw_asks_first_and_acts_only_when_confirmed(client, auth, db, submission, alice):
    auth.login(alice)
    detail = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f'href="/submissions/{submission.id}/withdraw"' in detail  # a link to the question
    for response in (client.get(f"/submissions/{submission.id}/withdraw"),
                     client.post(f"/submissions/{submission.id}/withdraw")):
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Withdraw this submission?" in html
        assert 'name="confirm" value="yes"' in html and f'href="/submissions/{submission.id}"' in html
    db.session.refresh(submission)
    assert submission.status == "active" and submission.version == 1


def test_withdraw_keeps_the_page_and_its_history(client, auth, db, submission, application, alice):
    auth.login(alice)
    response = client.post(f"/submissions/{submission.id}/withdraw", data={"confirm": "yes"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your submission was withdrawn" in html and "This submission is withdrawn." in html
    assert "before withdrawal" in html
    db.session.refresh(submission)
    assert submission.status == "withdrawn" and submission.version == 2
    assert "Battery cooler" not in client.get(f"/applications/{application.number}").get_data(as_text=True)


def test_hidden_submission_is_404_for_others(client, auth, db, application, alice, bob):
    hidden = make_submission(application, alice, status="hidden")
    db.session.commit()
    assert client.get(f"/submissions/{hidden.id}").status_code == 404
    auth.login(bob)
    assert client.get(f"/submissions/{hidden.id}").status_code == 404
    auth.login(alice)
    assert client.get(f"/submissions/{hidden.id}").status_code == 200
    assert client.get("/submissions/999999").status_code == 404


def test_forms_carry_csrf_tokens_that_are_enforced(app, client, auth, db, application, alice):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(alice)
    assert client.post(submit_url(application), data=form()).status_code == 400
    html = client.get(submit_url(application)).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]
    response = client.post(submit_url(application), data=form(csrf_token=token))
    assert response.status_code == 302
    submission_id = db.session.scalars(select(Submission.id)).one()
    page = client.get(f"/submissions/{submission_id}/withdraw").get_data(as_text=True)
    withdraw = re.search(r'action="/submissions/\d+/withdraw" class="form">\s*'
                         r'<input type="hidden" name="csrf_token" value="([^"]+)"', page)
    assert withdraw, "the withdraw confirmation carries a CSRF token"
    response = client.post(f"/submissions/{submission_id}/withdraw",
                           data={"csrf_token": withdraw[1], "confirm": "yes"})
    assert response.status_code == 302
    assert db.session.get(Submission, submission_id).status == "withdrawn"


def test_every_refusal_is_shown_in_one_round(client, auth, db, application, alice):
    auth.login(alice)
    response = client.post(submit_url(application), data=form(
        identifier="no number here", publication_date="2020-01-01", explanation="", claims=None))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "is not a US patent or publication number" in error_next_to(html, "identifier")
    assert "earliest priority date" in error_next_to(html, "publication_date")
    assert "Explain concisely" in error_next_to(html, "explanation")
    assert "Choose at least one claim" in error_next_to(html, "claims")
    assert "4 problems to fix" in html and '<a href="#identifier">' in html
    assert count(db, Submission) == 0


def group(html: str, field: str) -> str:
    """Return the fieldset around the choices of `field` (through its list's id), or fail."""
    match = re.search(rf'<fieldset([^>]*)>\s*<legend>([^<]*)</legend>\s*<ul id="{field}"(.*?)</fieldset>',
                      html, re.DOTALL)
    assert match, f"{field} is not a fieldset with a legend"
    return match[0]


def test_choice_lists_are_groups_named_by_a_legend(client, auth, application, alice):
    auth.login(alice)
    html = client.get(submit_url(application)).get_data(as_text=True)
    for field, name in (("kind", "Kind of document"), ("claims", "Claims it bears on"),
                        ("conflict", "Conflict of interest")):
        assert f"<legend>{name}</legend>" in group(html, field)
        assert f'for="{field}"' not in html  # a label cannot name a list
    assert "aria-invalid" not in group(html, "claims") and "aria-describedby" not in group(html, "claims")


def test_a_choice_lists_error_is_tied_to_its_group(client, auth, db, application, alice):
    auth.login(alice)
    html = client.post(submit_url(application), data=form(claims=None)).get_data(as_text=True)
    claims = group(html, "claims")
    assert re.match(r'<fieldset class="field choices has-error" aria-describedby="claims-error">', claims)
    assert 'id="claims-error">Choose at least one claim this document bears on.</p>' in claims
    checkboxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', claims)
    assert len(checkboxes) == 3 and all('aria-invalid="true"' in box for box in checkboxes)
    assert "aria-invalid" not in group(html, "kind")  # only the field in error
    assert count(db, Submission) == 0


def test_a_mistyped_date_stays_as_typed_in_a_text_field(client, auth, db, application, alice):
    auth.login(alice)
    html = unescape(client.post(submit_url(application), data=form(publication_date="2015-13-45"))
                    .get_data(as_text=True))
    assert "Enter the date as YYYY-MM-DD" in error_next_to(html, "publication_date")
    field = re.search(r'<input[^>]*id="publication_date"[^>]*>', html)[0]
    assert 'value="2015-13-45"' in field and 'type="text"' in field and 'placeholder="YYYY-MM-DD"' in field
    assert 'aria-invalid="true"' in field
    assert count(db, Submission) == 0


def test_history_tells_a_moderators_restore_from_a_resubmission(client, auth, db, application, alice, bob):
    from reviewapp.community.moderation import hide_submission, restore_submission
    from reviewapp.priorart.editing import withdraw_submission

    moderator = make_user("admin", name="Mod")
    details = {"identifier": "US7123456", "title": "Battery cooler", "claim_numbers": [1],
               "publication_date": dt.date(2001, 1, 1), "has_conflict": False}
    submission = submit_prior_art(db.session, application, alice, SubmissionData(
        pinpoint="col. 3", explanation="Alice's reading.", **details)).submission
    hide_submission(db.session, submission, moderator, "spam?")
    restore_submission(db.session, submission, moderator, "not spam")
    withdraw_submission(db.session, submission, alice)
    submit_prior_art(db.session, application, bob, SubmissionData(
        pinpoint="col. 4", explanation="Bob's reading.", **details))
    db.session.commit()
    html = unescape(client.get(f"/submissions/{submission.id}").get_data(as_text=True))
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr>(.*?)</tr>", html, re.DOTALL) if "before" in row]
    assert [row.split(" by ")[0] for row in rows] == [
        "2 before resubmission", "1 before withdrawal", "1 before restoring", "1 before hiding"]
    assert "Bob" in rows[0] and "Alice's reading." in rows[1]
    assert all("(the content did not change)" in row for row in rows[2:])


def test_a_double_clicked_withdraw_is_refused_with_a_message_not_an_error(
        client, auth, db, submission, alice, monkeypatch):
    from reviewapp.priorart import views
    from reviewapp.priorart.editing import withdraw_submission

    checked = views.own_submission_or_abort

    def first_click_lands_between(submission_id):
        # The second request passed its first check while the item was active; the first
        # click's withdrawal then lands before it takes the lock and reads the row again.
        found = checked(submission_id)
        withdraw_submission(db.session, found, alice)
        return found

    monkeypatch.setattr(views, "own_submission_or_abort", first_click_lands_between)
    auth.login(alice)
    response = client.post(f"/submissions/{submission.id}/withdraw", data={"confirm": "yes"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "This submission is withdrawn; it can no longer be changed." in html


def test_the_edit_form_shows_a_small_year_as_it_accepts_it(client, auth, db, application, alice):
    # Stored before dates earlier than 1790 were refused: the form must still show it as YYYY-MM-DD.
    old = make_submission(application, alice, publication_date=dt.date(215, 3, 1))
    db.session.commit()
    auth.login(alice)
    html = client.get(f"/submissions/{old.id}/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="publication_date"[^>]*>', html)[0]
    assert 'value="0215-03-01"' in field


def test_a_date_before_1790_is_refused_next_to_the_date(client, auth, db, application, alice):
    auth.login(alice)
    response = client.post(submit_url(application), data=form(publication_date="0215-03-01"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert error_next_to(html, "publication_date") == (
        "0215-03-01 is before 1790, the year of the first US patent: check the year of the "
        "publication date.")
    assert count(db, Submission) == 0


def test_history_shows_the_document_each_version_was_about(client, auth, db, application, alice):
    auth.login(alice)
    npl = {"kind": "npl", "identifier": "", "title": "Paper A", "url": "https://example.org/a",
           "excerpt": "The old quote."}
    client.post(submit_url(application), data=form(**npl))
    submission = db.session.scalars(select(Submission)).one()
    edited = edit_form(title="Paper B", url="https://other.example/b", excerpt="The new quote.")
    assert client.post(f"/submissions/{submission.id}/edit", data=edited).status_code == 302
    html = unescape(client.get(f"/submissions/{submission.id}").get_data(as_text=True))
    row = re.search(r"<tr>\s*<td>1</td>(.*?)</tr>", html, re.DOTALL)[1]
    assert "Paper A" in row and "The old quote." in row
    assert '<a href="https://example.org/a" rel="nofollow noopener noreferrer ugc">' in row
    assert "https://example.org/a" not in html.replace(row, "")  # only the history has it now


def test_history_links_only_http_addresses(client, auth, db, submission, alice):
    from reviewapp.models import SubmissionRevision as Revision

    revision = Revision(submission=submission, editor_id=alice.id, version=1, action="edit",
                        data={"identifier": "X", "url": "javascript:alert(1)", "claims": [1],
                              "explanation": "Old."}, created_at=submission.created_at)
    db.session.add(revision)
    db.session.commit()
    html = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in html and 'href="javascript:' not in html
