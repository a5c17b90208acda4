"""The partials other pages include: the application panel and per-submission controls."""
from __future__ import annotations

from flask import render_template_string
from flask_login import login_user

from reviewapp.community.discussion import application_panel, post_comment
from reviewapp.community.tags import add_tag
from reviewapp.community.votes import cast_vote, set_claim_mark, submission_controls
from tests.factories import make_submission

# How the application page is expected to use the partials.
APPLICATION_PAGE = """
{% include "community/_application_panel.html" ignore missing %}
{% for submission in submissions %}
  <div id="submission-{{ submission.id }}">
  {% with controls = community_controls.get(submission.id) %}{% include "community/_submission_controls.html" %}{% endwith %}
  </div>
{% endfor %}
"""


def render_as(app, user, **context) -> str:
    with app.test_request_context("/applications/x"):
        if user is not None:
            login_user(user)
        return render_template_string(APPLICATION_PAGE, **context)


def test_panel_and_controls_render_for_a_volunteer(app, db, people, application, submission):
    mine = make_submission(application, people.voter, title="Voter's own find")
    post_comment(db.session, application, people.other, "A **bold** remark")
    add_tag(db.session, application, "battery", people.other)
    add_tag(db.session, submission, "needs-npl", people.other)
    cast_vote(db.session, submission, people.voter, 1)
    cast_vote(db.session, submission, people.other, -1)
    cast_vote(db.session, submission, people.admin, 1)
    claim_1 = application.document.claims[0]
    set_claim_mark(db.session, submission, people.voter, claim_1.id, True)

    html = render_as(app, people.voter, application=application,
                     community_panel=application_panel(db.session, application, people.voter),
                     submissions=[submission, mine],
                     community_controls=submission_controls(db.session, [submission, mine], people.voter))

    assert "A <strong>bold</strong> remark" in html
    assert '/tags/battery' in html and '/tags/needs-npl' in html
    assert 'name="body"' in html and 'name="csrf_token"' in html
    voted, own = html.split(f'id="submission-{mine.id}"')
    assert "<strong" in voted and "+1</strong>" in voted and "2 up, 1 down" in voted
    assert 'value="up" aria-pressed="true"' in voted and "Remove my vote" in voted
    assert "claim 1 (1) &#10003;" in voted
    assert "You can&#39;t vote on your own submission." in own and 'value="up"' not in own
    assert "Hide" not in html  # volunteers do not moderate


def test_panel_for_visitors_and_admins(app, db, people, application, submission):
    post_comment(db.session, application, people.other, "Visible remark")
    visitor = render_as(app, None, application=application,
                        community_panel=application_panel(db.session, application, None),
                        submissions=[submission],
                        community_controls=submission_controls(db.session, [submission], None))
    assert "Log in to join the discussion." in visitor and 'name="body"' not in visitor
    assert "Log in to vote." in visitor and "Flag" not in visitor

    admin = render_as(app, people.admin, application=application,
                      community_panel=application_panel(db.session, application, people.admin),
                      submissions=[submission],
                      community_controls=submission_controls(db.session, [submission], people.admin))
    assert "/moderation/submission/" in admin and "/moderation/comment/" in admin


def test_panel_degrades_to_a_link_without_data(app, db, application):
    with app.test_request_context("/"):
        html = render_template_string('{% include "community/_application_panel.html" %}', application=application)
    assert f"/applications/{application.number}/discussion" in html


def test_submission_controls_of_nothing_is_empty(db, people):
    assert submission_controls(db.session, [], people.voter) == {}


def test_the_application_page_shows_the_panel_and_controls(client, auth, db, people, application, submission):
    post_comment(db.session, application, people.other, "Remark on the *page*")
    auth.login(people.voter)
    page = client.get(f"/applications/{application.number}").get_data(as_text=True)
    assert "Remark on the <em>page</em>" in page
    assert f'action="/submissions/{submission.id}/vote"' in page
    assert f'action="/applications/{application.number}/comments"' in page
