"""A volunteer's public page."""
from __future__ import annotations

import re

from reviewapp.community.reviewers import reviewer_page
from reviewapp.community.votes import cast_vote
from reviewapp.models import Endorsement, Feedback
from tests.factories import make_application, make_submission, make_user


def test_reviewer_page_shows_record_verdicts_and_never_notes_or_email(client, db, people, application, submission):
    examiner = make_user("examiner")
    other_examiner = make_user("examiner")
    db.session.add_all([
        Feedback(submission_id=submission.id, examiner_id=examiner.id, verdict="used",
                 note="SECRET-EXAMINER-NOTE about the rejection"),
        Feedback(submission_id=submission.id, examiner_id=other_examiner.id, verdict="relevant", note=""),
    ])
    second = make_submission(make_application(), people.submitter, title="Second find")
    cast_vote(db.session, submission, people.voter, 1)
    cast_vote(db.session, submission, people.other, 1)
    cast_vote(db.session, second, people.voter, -1)
    endorsed = make_submission(make_application(), people.voter, title="Endorsed find")
    db.session.add(Endorsement(submission_id=endorsed.id, user_id=people.submitter.id, pinpoint="col. 3, l. 4"))
    people.submitter.reputation, people.submitter.verdicts_total, people.submitter.verdicts_positive = 0.75, 4, 3
    db.session.flush()

    page = client.get(f"/reviewers/{people.submitter.id}").get_data(as_text=True)
    assert "Sam Submitter" in page
    assert people.submitter.email not in page and "@example.test" not in page
    assert "used in a rejection, relevant" in page
    assert "SECRET-EXAMINER-NOTE" not in page
    assert "Coolant loop patent" in page and "Second find" in page
    assert "Endorsed find" in page and "col. 3, l. 4" in page
    assert "<dt>Net votes received</dt><dd>1</dd>" in page
    assert "<dd>0.75</dd>" in page and "3 positive of 4" in page


def test_reviewer_page_service_counts_and_paginates(db, people, application):
    for n in range(3):
        make_submission(application, people.submitter, title=f"Find {n}")
    profile = reviewer_page(db.session, people.submitter, None, page=2, per_page=2)
    assert profile.submissions.pages == 2 and [s.title for s in profile.submissions.items] == ["Find 0"]
    assert profile.net_votes_received == 0 and profile.verdicts == {}


def test_withdrawn_items_show_hidden_ones_do_not(client, db, people, application):
    make_submission(application, people.submitter, title="Withdrawn find", status="withdrawn")
    make_submission(application, people.submitter, title="Hidden find", status="hidden")
    page = client.get(f"/reviewers/{people.submitter.id}").get_data(as_text=True)
    assert "Withdrawn find" in page and "Hidden find" not in page


def test_net_votes_received_is_the_sum_of_the_rows_each_viewer_is_shown(client, auth, db, people,
                                                                         application):
    """A hidden item is listed (with its votes) to its owner and moderators only: so is its count."""
    shown = make_submission(application, people.submitter, title="Shown find")
    hidden = make_submission(application, people.submitter, title="Hidden find")
    cast_vote(db.session, shown, people.voter, 1)
    cast_vote(db.session, hidden, people.voter, 1)
    cast_vote(db.session, hidden, people.other, 1)
    hidden.status = "hidden"
    db.session.commit()
    totals = {}
    for who in (None, people.voter, people.submitter, people.admin):
        if who is not None:
            auth.login(who)
        page = client.get(f"/reviewers/{people.submitter.id}").get_data(as_text=True)
        rows = [int(n) for n in re.findall(r'data-label="Net votes">(-?\d+)<', page)]
        total = int(re.search(r"<dt>Net votes received</dt><dd>(-?\d+)</dd>", page).group(1))
        assert total == sum(rows)
        totals[who.id if who else None] = total
        auth.logout()
    assert totals == {None: 1, people.voter.id: 1, people.submitter.id: 3, people.admin.id: 3}


def test_me_redirects_to_ones_own_page(client, auth, people):
    auth.login(people.voter)
    response = client.get("/me")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/reviewers/{people.voter.id}")


def test_me_needs_login_and_unknown_reviewer_is_404(client):
    assert "/auth/login" in client.get("/me").headers["Location"]
    assert client.get("/reviewers/987654").status_code == 404


def test_ids_too_large_for_the_database_are_404(client, auth, people):
    auth.login(people.voter)
    assert client.get("/reviewers/99999999999").status_code == 404
    assert client.post("/submissions/99999999999/vote", data={"value": "up"}).status_code == 404
    assert client.get("/flag/user/99999999999").status_code == 404
