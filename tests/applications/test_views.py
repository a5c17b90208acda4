"""Application pages: the home page's lists, the application page, watching."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import func, insert, select

from reviewapp.models import Endorsement, Tag, Vote, Watch, application_tags
from tests.factories import make_application, make_submission, make_user


def listed(html: str) -> list[str]:
    """Return the publication numbers linked in the page's application tables, in order."""
    return re.findall(r'<td class="card-head"><a href="/applications/(US\w+)">', html)


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def add_tag(db, application, name: str) -> None:
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
        db.session.flush()
    db.session.execute(insert(application_tags).values(application_id=application.id, tag_id=tag.id))


def test_home_lists_open_applications_soonest_closing_first(client, db):
    late, soon = make_application(days_left=60), make_application(days_left=3)
    closed, pending = make_application(status="closed"), make_application(status="pending")
    db.session.commit()
    html = page_of(client, "/")
    assert listed(html) == [soon.number, late.number]
    assert re.search(r"2 days, 23 h left|3 days, 0 h left", html)
    assert listed(page_of(client, "/?status=closed")) == [closed.number]
    everything = {late.number, soon.number, closed.number, pending.number}
    assert set(listed(page_of(client, "/?status="))) == everything


def test_bad_status_gets_a_message_and_the_default_list(client, db):
    open_one = make_application()
    db.session.commit()
    html = page_of(client, "/?status=bogus")
    assert "Choose a status from the list." in html
    assert listed(html) == [open_one.number]


def test_a_bad_status_is_not_echoed_into_the_heading_or_the_links(client, db):
    make_application()
    db.session.commit()
    html = page_of(client, "/?status=Site+closed.+Go+to+evil.example&view=closing-soon")
    assert "evil.example" not in html.replace('value="Site closed. Go to evil.example"', "")
    assert "Applications closing soon" in html or "<h1>Applications (open)</h1>" in html
    html = page_of(client, "/?status=Site+closed.+Go+to+evil.example")
    assert "<h1>Applications (open)</h1>" in html and "evil.example" not in html


@pytest.mark.parametrize("prefix, expected", [("H04", {"a", "b"}), ("H04L", {"a", "b"}), ("H04L 9/", {"a"}),
                                              ("H04L+9%2F32", {"a"}), ("H01M", {"c"})])
def test_class_filter_at_any_level(client, db, prefix, expected):
    apps = {"a": make_application(cpc=["H04L 9/32"]), "b": make_application(cpc=["H04L 12/40"]),
            "c": make_application(cpc=["H01M 10/613"])}
    db.session.commit()
    assert set(listed(page_of(client, f"/?cpc={prefix}"))) == {apps[k].number for k in expected}


def test_bad_class_gets_a_message_next_to_the_field_and_keeps_it(client, db):
    make_application()
    db.session.commit()
    html = page_of(client, "/?cpc=batteries%3Cb%3E")
    assert re.search(r'id="cpc-error">&#34;batteries&lt;b&gt;&#34; is not a CPC class', html)
    assert 'value="batteries&lt;b&gt;"' in html
    assert len(listed(html)) == 1  # the bad filter is ignored, not a 500


def test_tag_filter(client, db):
    tagged, other = make_application(), make_application()
    add_tag(db, tagged, "batteries")
    db.session.commit()
    html = page_of(client, "/?tag=batteries")
    assert listed(html) == [tagged.number]
    assert other.number not in html
    assert 'href="/?tag=batteries&amp;status=open"' in page_of(client, "/")


@pytest.mark.parametrize("typed", ["battery-cooling", "Battery+Cooling", "battery++cooling", "%20BATTERY%09cooling"])
def test_the_tag_filter_reads_a_tag_as_tags_are_stored(client, db, typed):
    tagged, _other = make_application(), make_application()
    add_tag(db, tagged, "battery-cooling")  # what "Battery Cooling" is stored as
    db.session.commit()
    html = page_of(client, f"/?tag={typed}")
    assert listed(html) == [tagged.number]
    assert 'value="battery-cooling"' in html  # the field, and so the page links, say the stored name


def test_the_list_shows_a_window_past_its_end_as_closed(client, db):
    expired = make_application(days_left=-1)  # status still "open": the closing job has not run yet
    db.session.commit()
    for url in ("/?status=closed", "/?status="):
        html = page_of(client, url)
        assert listed(html) == [expired.number]
        cell = re.search(r'<td data-label="Review window">(.*?)</td>', html, re.DOTALL)[1]
        assert "closed" in cell and "open" not in cell


def test_tag_links_on_a_closed_review_list_every_status(client, db):
    closed = make_application(status="closed")
    add_tag(db, closed, "battery-cooling")
    db.session.commit()
    html = page_of(client, f"/applications/{closed.number}")
    link = re.search(r'<a class="tag" href="([^"]+)">battery-cooling</a>', html)[1]
    assert listed(page_of(client, link.replace("&amp;", "&"))) == [closed.number]


def test_closing_soon_view(client, db):
    in_9, in_2 = make_application(days_left=9), make_application(days_left=2)
    make_application(days_left=30)
    db.session.commit()
    html = page_of(client, "/?view=closing-soon")
    assert listed(html) == [in_2.number, in_9.number]
    assert '<strong aria-current="page">Closing soon</strong>' in html


def test_needs_reviewers_view(client, db):
    busy, quiet = make_application(days_left=5), make_application(days_left=50)
    author = make_user()
    make_submission(busy, author)
    make_submission(busy, author)
    db.session.commit()
    assert listed(page_of(client, "/?view=needs-reviewers")) == [quiet.number, busy.number]


def test_expertise_section_for_a_logged_in_volunteer(client, auth, db):
    crypto = make_application(cpc=["H04L 9/3247"], days_left=40)
    make_application(cpc=["A61K 31/00"], days_left=10)
    volunteer = make_user(expertise=["H04L 9/08"])
    db.session.commit()
    anonymous = page_of(client, "/")
    assert "Matching your expertise" not in anonymous
    auth.login(volunteer)
    html = page_of(client, "/")
    section = html.split("<h2>Matching your expertise</h2>")[1].split("<h2>")[0]
    assert listed(section) == [crypto.number]
    assert listed(page_of(client, "/?view=expertise")) == [crypto.number]


def test_expertise_section_links_to_the_full_list(client, auth, db):
    for _ in range(7):
        make_application(cpc=["H04L 9/32"])
    volunteer = make_user(expertise=["H04L"])
    db.session.commit()
    auth.login(volunteer)
    html = page_of(client, "/")
    section = html.split("<h2>Matching your expertise</h2>")[1].split("<h2>")[0]
    assert len(listed(section)) == 5
    assert "All 7 applications matching your expertise" in section


def test_home_paginates_and_keeps_filters(app, client, db):
    app.config["ITEMS_PER_PAGE"] = 2
    apps = [make_application(days_left=10 + i, cpc=["H04L 9/32"]) for i in range(5)]
    make_application(cpc=["H01M 10/00"])
    db.session.commit()
    first = page_of(client, "/?cpc=H04L")
    assert listed(first) == [apps[0].number, apps[1].number]
    assert "page 1 of 3" in first
    next_link = re.search(r'href="([^"]+)">next', first)[1].replace("&amp;", "&")
    assert "cpc=H04L" in next_link and "status=open" in next_link
    assert listed(page_of(client, next_link)) == [apps[2].number, apps[3].number]
    assert listed(page_of(client, "/?cpc=H04L&page=3")) == [apps[4].number]
    assert listed(page_of(client, "/?cpc=H04L&page=99")) == []


# --- the application page -------------------------------------------------------------------

def test_application_page_shows_text_claim_tree_window_and_prior_art(client, db):
    application = make_application(days_left=12, abstract="Cooling cells with glycol.",
                                   description="DETAILED DESCRIPTION of the loop.")
    alice, bob, carol = make_user(name="Alice"), make_user(name="Bob"), make_user(name="Carol")
    submission = make_submission(application, alice, identifier="US7123456", identifier_raw="US7123456B2",
                                 title="Coolant loop", pinpoint="col. 3, l. 15-40", claim_numbers=(1, 2),
                                 explanation="Shows the loop of claim 1 <em>exactly</em>.",
                                 url="https://example.org/p.pdf")
    db.session.add(Endorsement(submission_id=submission.id, user_id=bob.id, explanation="Fig. 2 too.",
                               pinpoint="Fig. 2"))
    db.session.add_all([Vote(submission_id=submission.id, user_id=bob.id, value=1),
                        Vote(submission_id=submission.id, user_id=carol.id, value=1)])
    make_submission(application, alice, title="Withdrawn thing", status="withdrawn")
    db.session.commit()
    html = page_of(client, f"/applications/{application.number}")
    assert "Cooling cells with glycol." in html and "DETAILED DESCRIPTION of the loop." in html
    # Claim 2 depends on claim 1: it is nested in claim 1's list item.
    claim_1 = html.split('id="claim-1"')[1].split('id="claim-3"')[0]
    assert 'id="claim-2"' in claim_1
    assert re.search(r'data-closes-at="[^"]+">1[12] days, \d+ h left', html)
    assert "US7123456B2" in html and "Coolant loop" in html and "col. 3, l. 15-40" in html
    assert "Shows the loop of claim 1 &lt;em&gt;exactly&lt;/em&gt;." in html
    assert 'href="https://example.org/p.pdf" rel="nofollow noopener noreferrer ugc"' in html
    assert "Alice" in html and "Bob" in html and "Fig. 2 too." in html
    assert '<dd class="net-votes">+2</dd>' in html
    assert "Withdrawn thing" not in html
    assert "Prior art (1)" in html
    assert 'src="/static/applications.js"' in html and "<script>" not in html


def test_application_page_of_a_closed_review(client, db):
    application = make_application(status="closed")
    db.session.commit()
    html = page_of(client, f"/applications/{application.number}")
    assert "Closed" in html and "Submit prior art" not in html and "data-closes-at" not in html


def test_a_window_past_its_end_reads_as_closed_before_the_closing_job_runs(client, db):
    expired = make_application(days_left=-1)  # status still "open": the closing job has not run yet
    db.session.commit()
    html = page_of(client, f"/applications/{expired.number}")
    assert "Closed</span> on" in html and "being forwarded to the examiner" in html
    assert "Not yet open" not in html and "Submit prior art" not in html
    assert listed(page_of(client, "/?status=closed")) == [expired.number]
    assert listed(page_of(client, "/")) == []


def test_unknown_application_is_404(client):
    assert client.get("/applications/US0000000000A1").status_code == 404


def test_application_page_offers_submit_and_watch_to_volunteers(client, auth, db):
    application = make_application()
    user = make_user()
    db.session.commit()
    html = page_of(client, f"/applications/{application.number}")
    assert "Log in</a> to watch" in html
    auth.login(user)
    html = page_of(client, f"/applications/{application.number}")
    assert f'href="/applications/{application.number}/submit"' in html
    assert f'action="/applications/{application.number}/watch"' in html and 'name="csrf_token"' in html


def test_watch_and_unwatch(client, auth, db):
    application = make_application()
    user = make_user()
    db.session.commit()
    auth.login(user)
    response = client.post(f"/applications/{application.number}/watch", follow_redirects=True)
    assert "You are watching this application." in response.get_data(as_text=True)
    assert f'action="/applications/{application.number}/unwatch"' in response.get_data(as_text=True)
    client.post(f"/applications/{application.number}/watch")  # twice: still one watch
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 1
    response = client.post(f"/applications/{application.number}/unwatch", follow_redirects=True)
    assert "You are no longer watching" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 0


def test_watch_needs_login_and_post(client, db):
    application = make_application()
    db.session.commit()
    response = client.post(f"/applications/{application.number}/watch")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get(f"/applications/{application.number}/watch").status_code == 405
    assert db.session.scalar(select(func.count()).select_from(Watch)) == 0


def test_community_panel_is_included_with_the_application(app, client, db):
    application = make_application()
    db.session.commit()
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"community/_application_panel.html":
                    "<aside>PANEL for {{ application.number }}</aside>"}),
        app.jinja_env.loader,
    ])
    html = page_of(client, f"/applications/{application.number}")
    assert f"<aside>PANEL for {application.number}</aside>" in html


def test_priority_date_hint_on_empty_application(client, db):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    db.session.commit()
    assert "published before 2019-06-01" in page_of(client, f"/applications/{application.number}")
