"""Tags on applications and submissions, and browsing by tag."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from reviewapp.community.tags import (
    TAG_RULE,
    TagError,
    add_tag,
    application_tag_names,
    normalise_tag,
    remove_tag,
    submission_tag_names,
)
from reviewapp.models import Tag
from reviewapp.models.base import utcnow
from tests.factories import make_application, make_submission


@pytest.mark.parametrize("raw, stored", [
    ("Battery", "battery"), ("  battery cooling ", "battery-cooling"), ("Needs  NPL", "needs-npl"),
    ("h01m-10", "h01m-10"), ("ab", "ab"), ("x" * 40, "x" * 40),
])
def test_tags_are_normalised(raw, stored):
    assert normalise_tag(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "a", "x" * 41, "café", "c++", "no_underscore", "--", "a/b"])
def test_malformed_tags_are_refused_with_the_rule(raw):
    with pytest.raises(TagError) as caught:
        normalise_tag(raw)
    assert str(caught.value) == TAG_RULE and caught.value.field == "name"


def test_add_and_remove_tags_on_applications_and_submissions(db, people, application, submission):
    add_tag(db.session, application, "Battery Cooling", people.voter)
    add_tag(db.session, application, "battery-cooling", people.other)  # the same tag: no change
    add_tag(db.session, application, "glycol", people.other)
    add_tag(db.session, submission, "needs npl", people.voter)
    assert application_tag_names(db.session, application) == ["battery-cooling", "glycol"]
    assert submission_tag_names(db.session, [submission.id]) == {submission.id: ["needs-npl"]}
    assert db.session.scalars(select(Tag.name).order_by(Tag.name)).all() == ["battery-cooling", "glycol", "needs-npl"]

    assert remove_tag(db.session, application, "glycol", people.other) is True
    assert remove_tag(db.session, application, "glycol", people.other) is False
    assert remove_tag(db.session, application, "never-there", people.other) is False
    assert application_tag_names(db.session, application) == ["battery-cooling"]


def test_tagging_needs_a_member_and_a_visible_submission(db, people, application, submission):
    with pytest.raises(TagError, match="Log in"):
        add_tag(db.session, application, "battery", None)
    submission.status = "hidden"
    with pytest.raises(TagError, match="hidden"):
        add_tag(db.session, submission, "battery", people.voter)
    add_tag(db.session, submission, "spam", people.admin)
    assert submission_tag_names(db.session, [submission.id]) == {submission.id: ["spam"]}


def test_tag_view_on_application_and_its_errors(client, auth, db, people, application):
    auth.login(people.voter)
    response = client.post(f"/applications/{application.number}/tags", data={"name": "Thermal Management"})
    assert response.status_code == 302
    assert application_tag_names(db.session, application) == ["thermal-management"]

    response = client.post(f"/applications/{application.number}/tags", data={"name": "c++ stuff!"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert TAG_RULE in page and 'value="c++ stuff!"' in page
    assert application_tag_names(db.session, application) == ["thermal-management"]

    response = client.post(f"/applications/{application.number}/tags/thermal-management/remove",
                           data={"next": f"/applications/{application.number}/discussion"})
    assert response.status_code == 302
    assert application_tag_names(db.session, application) == []


def test_tag_view_on_submission(client, auth, db, people, submission):
    auth.login(people.voter)
    url = f"/submissions/{submission.id}/tags"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"name": "Needs NPL"}).status_code == 302
    response = client.post(url, data={"name": "x"})
    assert TAG_RULE in response.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "needs-npl" in page
    client.post(f"{url}/needs-npl/remove")
    assert submission_tag_names(db.session, [submission.id]) == {}


def test_anonymous_users_cannot_tag(client, db, application):
    response = client.post(f"/applications/{application.number}/tags", data={"name": "battery"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert application_tag_names(db.session, application) == []


def test_tags_index_lists_tags_with_counts(client, db, people, application, submission):
    other = make_application()
    add_tag(db.session, application, "battery", people.voter)
    add_tag(db.session, other, "battery", people.voter)
    add_tag(db.session, submission, "battery", people.voter)
    add_tag(db.session, submission, "glycol", people.voter)
    hidden = make_submission(application, people.other)
    add_tag(db.session, hidden, "secret", people.voter)
    hidden.status = "hidden"
    add_tag(db.session, application, "orphan", people.voter)
    remove_tag(db.session, application, "orphan", people.voter)

    page = client.get("/tags").get_data(as_text=True)
    rows = [row for row in page.split("<tr>") if "/tags/" in row]
    assert len(rows) == 2  # neither the orphan nor the tag only on hidden prior art
    assert "battery</a></td><td>2</td><td>1</td>" in rows[0]
    assert "glycol</a></td><td>0</td><td>1</td>" in rows[1]


def test_tag_page_lists_applications_and_visible_submissions(client, db, people, application, submission):
    add_tag(db.session, application, "battery", people.voter)
    add_tag(db.session, submission, "battery", people.voter)
    hidden = make_submission(application, people.other, title="Hidden spam document")
    add_tag(db.session, hidden, "battery", people.voter)
    hidden.status = "hidden"

    page = client.get("/tags/battery").get_data(as_text=True)
    assert application.number in page and "Coolant loop patent" in page
    assert "Hidden spam document" not in page
    assert client.get("/tags/no-such-tag").status_code == 404


def test_tag_page_paginates_both_lists(app, client, db, people):
    app.config["ITEMS_PER_PAGE"] = 2
    applications = [make_application() for _ in range(3)]
    for application in applications:
        add_tag(db.session, application, "battery", people.voter)
    page_1 = client.get("/tags/battery").get_data(as_text=True)
    page_2 = client.get("/tags/battery?page=2").get_data(as_text=True)
    numbers = sorted(a.number for a in applications)
    assert numbers[0] in page_1 and numbers[2] not in page_1
    assert numbers[2] in page_2 and numbers[0] not in page_2
    assert "page 1 of 2" in page_1


def test_tag_changes_show_in_the_relationship_and_reindex_the_application(db, people, application, submission):
    from reviewapp.tasks import pending_jobs

    assert application.tags == []
    add_tag(db.session, submission, "glycol", people.voter)
    assert pending_jobs(db.session)["index"] == set()  # prior-art tags are not in the search index
    add_tag(db.session, application, "battery", people.voter)
    assert pending_jobs(db.session)["index"] == {application.document_id}  # its tags are searchable
    assert [t.name for t in application.tags] == ["battery"]
    assert [t.name for t in submission.tags] == ["glycol"]
    remove_tag(db.session, application, "battery", people.voter)
    assert application.tags == []


# --- who may remove a tag ------------------------------------------------------------------------

def untag_entries(db) -> list[tuple]:
    from reviewapp.models import AuditEntry

    return [(e.action, e.actor_id, e.target_type, e.detail["tag"])
            for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "untag"))]


def test_only_the_adder_or_a_moderator_removes_a_tag_and_each_removal_is_audited(db, people, application,
                                                                                 submission):
    add_tag(db.session, application, "glycol", people.voter)
    add_tag(db.session, submission, "needs-npl", people.voter)
    with pytest.raises(TagError, match="Only the volunteer who added this tag, or a moderator"):
        remove_tag(db.session, application, "glycol", people.other)
    with pytest.raises(TagError, match="Only the volunteer who added this tag"):
        remove_tag(db.session, submission, "needs-npl", people.submitter)  # even its item's submitter
    assert application_tag_names(db.session, application) == ["glycol"]
    assert untag_entries(db) == []
    assert remove_tag(db.session, application, "glycol", people.voter) is True
    assert remove_tag(db.session, submission, "needs-npl", people.admin) is True
    assert untag_entries(db) == [("untag", people.voter.id, "application", "glycol"),
                                 ("untag", people.admin.id, "submission", "needs-npl")]


def close_review(db, application, how: str) -> None:
    """End the review: closed by the job, or only past its window's end (still "open")."""
    if how == "closed":
        application.status = "closed"
    application.closes_at = utcnow() - dt.timedelta(days=1)
    db.session.flush()


@pytest.mark.parametrize("how", ["closed", "ended"])
def test_a_closed_review_takes_no_new_tag(db, people, application, submission, how):
    """Adding follows removing: a tag added after the close could never come off."""
    close_review(db, application, how)
    for target in (application, submission):
        for who in (people.voter, people.admin):
            with pytest.raises(TagError, match="This review is closed: its tags stay as they are."):
                add_tag(db.session, target, "applicant-is-a-fraud", who)
    assert application_tag_names(db.session, application) == []
    assert submission_tag_names(db.session, [submission.id]) == {}
    assert db.session.scalar(select(Tag.id)) is None


@pytest.mark.parametrize("how", ["closed", "ended"])
def test_once_closed_only_a_moderator_removes_a_tag_and_it_is_audited(db, people, application,
                                                                     submission, how):
    add_tag(db.session, application, "battery", people.voter)
    add_tag(db.session, submission, "junk-art", people.voter)
    close_review(db, application, how)
    for target in (application, submission):
        with pytest.raises(TagError, match="review is closed"):
            remove_tag(db.session, target, target is application and "battery" or "junk-art",
                       people.voter)  # not even its adder: the record stays
    assert untag_entries(db) == []
    assert remove_tag(db.session, application, "battery", people.admin) is True
    assert remove_tag(db.session, submission, "junk-art", people.admin) is True  # abuse cleaned up
    assert application_tag_names(db.session, application) == []
    assert submission_tag_names(db.session, [submission.id]) == {}
    assert untag_entries(db) == [("untag", people.admin.id, "application", "battery"),
                                 ("untag", people.admin.id, "submission", "junk-art")]


def test_a_closed_review_offers_no_tag_form_and_its_moderator_removes(client, auth, db, people,
                                                                      application, submission):
    add_tag(db.session, application, "battery", people.voter)
    add_tag(db.session, submission, "junk-art", people.voter)
    close_review(db, application, "closed")
    db.session.commit()
    tag_form = f'action="/applications/{application.number}/tags"'
    for who in (people.voter, people.admin):
        auth.login(who)
        for path in (f"/applications/{application.number}",
                     f"/applications/{application.number}/discussion"):
            assert tag_form not in client.get(path).get_data(as_text=True)
        edit_tags = f'href="/submissions/{submission.id}/tags">Edit tags'  # the way to remove one
        page = client.get(f"/applications/{application.number}").get_data(as_text=True)
        assert (edit_tags in page) is (who is people.admin)
        page = client.get(f"/submissions/{submission.id}/tags").get_data(as_text=True)
        assert "Add tag" not in page and "This review is closed: its tags stay as they are." in page
        assert remove_buttons(page) == ({"junk-art"} if who is people.admin else set())
        response = client.post(f"/applications/{application.number}/tags", data={"name": "late"},
                               follow_redirects=True)
        assert "This review is closed: its tags stay as they are." in response.get_data(as_text=True)
        auth.logout()
    auth.login(people.admin)
    assert client.post(f"/submissions/{submission.id}/tags/junk-art/remove").status_code == 302
    assert submission_tag_names(db.session, [submission.id]) == {}
    assert application_tag_names(db.session, application) == ["battery"]


def test_the_remove_button_of_someone_elses_tag_says_why_and_keeps_it(client, auth, db, people, application):
    add_tag(db.session, application, "glycol", people.voter)
    db.session.commit()
    auth.login(people.other)
    response = client.post(f"/applications/{application.number}/tags/glycol/remove", follow_redirects=True)
    assert "Only the volunteer who added this tag" in response.get_data(as_text=True)
    assert application_tag_names(db.session, application) == ["glycol"]


def remove_buttons(html: str) -> set[str]:
    """Return the tags the page offers a remove button for."""
    import re

    return set(re.findall(r'aria-label="Remove tag ([^"]+)"', html))


def test_the_application_page_offers_remove_only_where_the_viewer_may_remove(client, auth, db, people):
    open_one, closed = make_application(), make_application()
    for application in (open_one, closed):
        add_tag(db.session, application, "glycol", people.voter)
        add_tag(db.session, application, "pump", people.other)
    close_review(db, closed, "closed")
    db.session.commit()
    pages = {}
    for who in (people.voter, people.other, people.admin):
        auth.login(who)
        pages[who.id] = [client.get(f"/applications/{a.number}").get_data(as_text=True)
                         for a in (open_one, closed)]
        auth.logout()
    assert remove_buttons(pages[people.voter.id][0]) == {"glycol"}
    assert remove_buttons(pages[people.other.id][0]) == {"pump"}
    assert remove_buttons(pages[people.admin.id][0]) == {"glycol", "pump"}
    # A closed review's tags stay, but a moderator may still take abuse off.
    assert remove_buttons(pages[people.voter.id][1]) == remove_buttons(pages[people.other.id][1]) == set()
    assert remove_buttons(pages[people.admin.id][1]) == {"glycol", "pump"}
    assert remove_buttons(client.get(f"/applications/{open_one.number}").get_data(as_text=True)) == set()
