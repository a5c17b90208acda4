"""Examiner pages: roles, the queue, the ranked review, verdicts, the report in HTML and PDF."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import select

from reviewapp.examiner.forwarding import close_and_freeze
from reviewapp.models import ConflictDeclaration, Feedback, ForwardedReport, Score, User, Vote
from reviewapp.models.base import utcnow
from tests.examiner.conftest import make_score
from tests.factories import make_application, make_submission, make_user


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def positions(html: str) -> list[str]:
    """Return the identifiers of the ranked items, in page order."""
    return re.findall(r'<span class="position">#\d+</span>.*?<h3><a href="[^"]+">([^<]+)</a>', html, re.DOTALL)


@pytest.fixture
def examiner(db):
    user = make_user("examiner", name="Examiner Eve")
    db.session.commit()
    return user


# --- who may see what ---------------------------------------------------------------------

def test_anonymous_users_are_sent_to_log_in(client, db):
    application = make_application()
    db.session.commit()
    for url in ("/examiner/", f"/examiner/applications/{application.number}",
                f"/examiner/applications/{application.number}/report",
                f"/examiner/applications/{application.number}/report.pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_volunteers_get_403_and_examiners_and_admins_get_in(client, auth, db):
    application = make_application()
    item = make_submission(application, make_user())
    volunteer, admin = make_user(), make_user("admin")
    db.session.commit()
    urls = ["/examiner/", f"/examiner/applications/{application.number}",
            f"/examiner/submissions/{item.id}/feedback", f"/examiner/applications/{application.number}/report"]
    auth.login(volunteer)
    for url in urls:
        get(client, url, 403)
    assert client.post(f"/examiner/submissions/{item.id}/feedback",
                       data={f"s{item.id}-verdict": "used"}).status_code == 403
    assert client.post(f"/examiner/applications/{application.number}/freeze").status_code == 403
    assert db.session.scalar(select(Feedback)) is None
    auth.login(admin)
    for url in urls:
        get(client, url)


# --- the queue ----------------------------------------------------------------------------

def test_queue_filters_sorts_and_reports_bad_input_next_to_the_field(client, auth, db, examiner):
    volunteer = make_user()
    crowded = make_application(cpc=["H04L 9/32"], days_left=40)
    quiet = make_application(cpc=["H04L 12/40"], days_left=5)
    closed = make_application(status="closed", cpc=["H01M 10/613"])
    closed.closes_at = utcnow() - dt.timedelta(days=3)
    for _ in range(3):
        make_submission(crowded, volunteer)
    db.session.commit()
    auth.login(examiner)
    listed = lambda html: re.findall(r'<td class="card-head"><a href="/examiner/applications/(US\w+)">', html)
    # Still needing verdicts first (crowded's three), then by closing date.
    assert listed(get(client, "/examiner/")) == [crowded.number, closed.number, quiet.number]
    assert listed(get(client, "/examiner/?sort=closing")) == [closed.number, quiet.number, crowded.number]
    assert listed(get(client, "/examiner/?window=open&sort=closing")) == [quiet.number, crowded.number]
    assert listed(get(client, "/examiner/?window=closed")) == [closed.number]
    assert listed(get(client, "/examiner/?cpc=H04L+9%2F")) == [crowded.number]
    assert listed(get(client, "/examiner/?min_submissions=2")) == [crowded.number]
    assert listed(get(client, "/examiner/?sort=most-submissions&window=open")) == [crowded.number, quiet.number]
    html = get(client, "/examiner/?cpc=zz9&min_submissions=lots&sort=bogus&window=maybe")
    assert re.search(r'id="cpc-error">[^<]*is not a CPC class', html)
    assert 'id="min_submissions-error"' in html and 'id="sort-error">Choose an order' in html
    assert 'id="window-error">Choose a window state' in html
    assert len(listed(html)) == 3  # bad filters are dropped, not a 500


def test_queue_paginates(client, auth, db, examiner, app):
    app.config["ITEMS_PER_PAGE"] = 2
    for days in (1, 2, 3):
        make_application(days_left=days)
    db.session.commit()
    auth.login(examiner)
    first, second = get(client, "/examiner/?window=open"), get(client, "/examiner/?window=open&page=2")
    assert first.count('<td class="card-head"><a href="/examiner/applications/') == 2 and "page 1 of 2" in first
    assert second.count('<td class="card-head"><a href="/examiner/applications/') == 1


# --- the ranked review --------------------------------------------------------------------

def test_application_page_ranks_by_stored_score_marks_the_top_n_and_puts_unscored_last(client, auth, db, app, examiner):
    app.config["FORWARDED_TOP_N"] = 2
    application, volunteer = make_application(), make_user()
    third, _unscored, first, second = (make_submission(application, volunteer, identifier=f"US{n}B1")
                                      for n in (7000003, 7000009, 7000001, 7000002))
    make_score(first, 0.9, 1, explanation=[{"feature": "cpc", "effect": 0.5, "text": "same CPC group H01M 10/"},
                                           {"feature": "date", "effect": -0.2, "text": "<b>old</b> document"}])
    make_score(second, 0.6, 2)
    make_score(third, 0.3, 3)
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}")
    assert positions(html) == ["US7000001B1", "US7000002B1", "US7000003B1", "US7000009B1"]
    assert html.count('<span class="badge forwarded-badge">') == 2
    forwarded = re.findall(r'<article class="ranked-item forwarded" id="submission-(\d+)"', html)
    assert forwarded == [str(first.id), str(second.id)]
    assert "same CPC group H01M 10/" in html and "&lt;b&gt;old&lt;/b&gt; document" in html
    assert html.index("not yet scored") > html.index("US7000003B1")
    ranked_by = html.split('class="model-version">')[1].split("</dd>")[0]
    assert "model v7" in ranked_by and "heuristic ranker" not in ranked_by
    assert "<script" not in html and "style=" not in html and "<svg" in html


def test_positions_continue_across_pages_and_a_frozen_report_decides_what_is_forwarded(
        client, auth, db, app, examiner):
    app.config.update(ITEMS_PER_PAGE=2, FORWARDED_TOP_N=3)
    application, volunteer = make_application(), make_user()
    items = [make_submission(application, volunteer, identifier=f"US{7000001 + i}B1") for i in range(4)]
    scores = [make_score(item, 1 - i / 10, i + 1) for i, item in enumerate(items)]
    db.session.commit()
    auth.login(examiner)
    url = f"/examiner/applications/{application.number}"
    html = get(client, url + "?page=2")
    assert re.findall(r'<span class="position">#(\d+)</span>', html) == ["3", "4"]
    assert re.findall(r'<article class="ranked-item forwarded" id="submission-(\d+)"', html) == [str(items[2].id)]
    close_and_freeze(db.session, application)
    scores[3].rank, scores[0].rank = 1, 4  # rescored after the freeze
    db.session.commit()
    first, second = get(client, url), get(client, url + "?page=2")
    forwarded = re.findall(r'<article class="ranked-item forwarded" id="submission-(\d+)"', first + second)
    assert sorted(map(int, forwarded)) == sorted(item.id for item in items[:3])
    assert "forwarded (frozen)" in first


def test_every_claim_chart_link_leads_to_the_page_that_shows_its_item(client, auth, db, app, examiner):
    """The chart shows the top on every page: its links go to the item's page, not a missing anchor."""
    app.config.update(ITEMS_PER_PAGE=2, FORWARDED_TOP_N=3)
    application, volunteer = make_application(), make_user()
    items = [make_submission(application, volunteer, identifier=f"US{7000001 + i}B1") for i in range(5)]
    for i, item in enumerate(items):
        make_score(item, 1 - i / 10, i + 1)
    db.session.commit()
    auth.login(examiner)
    url = f"/examiner/applications/{application.number}"
    pages = {page: get(client, f"{url}?page={page}") for page in (1, 2, 3)}
    for page, html in pages.items():
        chart = html.split('<table class="claim-chart">')[1].split("</thead>")[0]
        links = re.findall(r'<a href="([^"]*)" title="', chart)
        assert len(links) == 5, page
        for position, (link, item) in enumerate(zip(links, items)):
            target_page = position // 2 + 1
            address, anchor = link.split("#")
            assert anchor == f"submission-{item.id}"
            if target_page == page:
                assert address == "", (page, link)  # on this page: the anchor alone
            else:
                assert address == url + (f"?page={target_page}" if target_page > 1 else ""), (page, link)
            assert f'id="{anchor}"' in pages[target_page], (page, link)


def test_heuristic_scores_are_named_as_such(client, auth, db, examiner):
    application = make_application()
    make_score(make_submission(application, make_user()), 0.5, 1, version="heuristic")
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}")
    assert "heuristic ranker: documented prior weights" in html and "no training data yet" in html


def test_heuristic_scores_on_a_closed_application_name_the_trained_model_that_serves(
        client, auth, db, app, examiner, monkeypatch):
    # A trained model serves; the closed application kept its heuristic scores: the page
    # must not claim that there is no trained model.
    from reviewapp.ranking import model_store

    trained = model_store.ServedModel(model_store._heuristic(), "ranker-20261206T120000Z-1a2b3c4d")
    monkeypatch.setattr(model_store, "served_model", lambda strict=False: dataclasses.replace(
        trained, ranker=type("Trained", (), {"is_heuristic": False, "metadata": {}})()))
    application = make_application()
    make_score(make_submission(application, make_user()), 0.5, 1, version="heuristic")
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}")
    assert "no trained model" not in html and "no training data yet" not in html
    assert "scored before model ranker-20261206T120000Z-1a2b3c4d was trained" in html


def test_examiner_sees_votes_endorsements_reputation_conflicts_and_the_claim_chart(client, auth, db, examiner):
    application = make_application()
    submitter = make_user(name="Sam Submitter", verdicts_total=3, verdicts_positive=2, reputation=0.6)
    item = make_submission(application, submitter, claim_numbers=(1, 2), pinpoint="col. 3, l. 5-20",
                           excerpt="a coolant loop around the cells")
    db.session.add(Vote(submission=item, user=make_user(), value=1))
    db.session.add(ConflictDeclaration(user_id=submitter.id, application_id=application.id, has_conflict=True,
                                       statement="Employed by a competitor of the applicant."))
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}")
    assert "Sam Submitter" in html and "reputation 0.60: 2 of 3 verdicts positive" in html
    assert "Employed by a competitor of the applicant." in html
    assert "col. 3, l. 5-20" in html and "a coolant loop around the cells" in html
    assert '<span class="up">1 up</span>' in html and '<strong class="net">+1</strong>' in html
    # Claim 3 has no art: the chart and the coverage chart say so.
    assert re.search(r'<tr class="independent no-art">\s*<th scope="row">3', html)
    assert "No prior art yet on claim 3." in html
    assert 'class="bar independent none"' in html


def test_conflict_statements_never_reach_volunteers(client, auth, db):
    application = make_application()
    submitter = make_user()
    make_submission(application, submitter)
    db.session.add(ConflictDeclaration(user_id=submitter.id, application_id=application.id, has_conflict=True,
                                       statement="Secret conflict text."))
    close_and_freeze(db.session, application)
    db.session.commit()
    auth.login(make_user())
    assert "Secret conflict text." not in get(client, f"/applications/{application.number}")
    assert "Secret conflict text." not in get(client, f"/examiner/applications/{application.number}/report")
    get(client, f"/examiner/applications/{application.number}", 403)


# --- verdicts -----------------------------------------------------------------------------

def test_feedback_post_upserts_and_updates_reputation_in_the_same_request(client, auth, db, examiner, rescores):
    application, submitter = make_application(), make_user()
    item = make_submission(application, submitter)
    db.session.commit()
    auth.login(examiner)
    url = f"/examiner/submissions/{item.id}/feedback"
    response = client.post(url, data={f"s{item.id}-verdict": "used", f"s{item.id}-note": "Anticipates claim 1."})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/examiner/applications/{application.number}#submission-{item.id}")
    db.session.expire_all()
    assert (db.session.get(User, submitter.id).verdicts_positive, db.session.get(User, submitter.id).verdicts_total) == (1, 1)
    assert rescores == [application.id]
    client.post(url, data={f"s{item.id}-verdict": "known"})
    db.session.expire_all()
    stored = db.session.get(User, submitter.id)
    assert (stored.verdicts_total, stored.verdicts_positive) == (1, 0)
    assert stored.reputation == pytest.approx(1 / 3)
    assert [(f.verdict, f.note) for f in db.session.scalars(select(Feedback))] == [("known", "")]
    html = get(client, f"/examiner/applications/{application.number}")
    assert re.search(rf'<input checked id="s{item.id}-verdict-2"[^>]*value="known"', html)


def test_bad_feedback_shows_a_message_next_to_the_field(client, auth, db, examiner):
    application = make_application()
    item = make_submission(application, make_user())
    db.session.commit()
    auth.login(examiner)
    url = f"/examiner/submissions/{item.id}/feedback"
    html = client.post(url, data={f"s{item.id}-verdict": "bogus"}).get_data(as_text=True)
    assert f'id="s{item.id}-verdict-error">Not a valid choice' in html
    # The verdict group is described by its error and each choice says it is invalid.
    verdict = re.search(r"<fieldset[^>]*>\s*<legend>Verdict</legend>.*?</fieldset>", html, re.DOTALL)[0]
    assert f'aria-describedby="s{item.id}-verdict-error"' in verdict
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', verdict)
    assert len(radios) == 4 and all('aria-invalid="true"' in radio for radio in radios)
    html = client.post(url, data={f"s{item.id}-verdict": "used", f"s{item.id}-note": "n" * 2001}).get_data(as_text=True)
    assert f'id="s{item.id}-note-error">Keep the note under 2,000 characters.' in html
    html = client.post(url, data={}).get_data(as_text=True)
    assert "Choose a verdict." in html
    assert db.session.scalar(select(Feedback)) is None
    get(client, "/examiner/submissions/999999/feedback", 404)


# --- the report ---------------------------------------------------------------------------

def closed_with_report(db):
    """Return a closed application whose report holds one US, one foreign and one NPL document."""
    application, volunteer = make_application(), make_user()
    us = make_submission(application, volunteer, identifier="US7123456", identifier_raw="US7123456B2",
                         authors="Smith, John; Doe, Jane", explanation="Claim 1's coolant loop, col. 3.")
    foreign = make_submission(application, volunteer, kind="foreign", identifier="EP1234567",
                              identifier_raw="EP1234567A1", authors="Müller, Jürgen",
                              explanation="The glycol of claim 2 at [0042].")
    npl = make_submission(application, volunteer, kind="npl", identifier="npl:abc", identifier_raw="doi:10.1000/x",
                          title="Battery cooling survey", authors="Lee, K.", pinpoint="pp. 12-14",
                          url="https://example.org/survey.pdf", explanation="Surveys pumps <b>and</b> packs.")
    for rank, submission in enumerate((npl, us, foreign), 1):
        make_score(submission, 1 - rank / 10, rank)
    db.session.add(Feedback(submission=us, examiner=make_user("examiner"), verdict="used",
                            note="Private examiner note."))
    close_and_freeze(db.session, application)
    db.session.commit()
    return application, (us, foreign, npl)


def test_report_html_has_three_sections_with_concise_descriptions(client, auth, db, examiner):
    application, (_us, _foreign, _npl) = closed_with_report(db)
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}/report")
    assert f"Application {application.number}" in html
    assert "Third-party preissuance submission under 35 U.S.C. 122(e) — compiled by Open Prior Art" in html
    sections = re.split(r"<h2>", html)[1:]
    assert [s.split("</h2>")[0] for s in sections] == [
        "U.S. patents and published patent applications", "Foreign patent documents", "Non-patent literature documents"]
    assert "7,123,456" in sections[0] and "B2" in sections[0] and "Smith, John" in sections[0]
    assert "Claim 1&#39;s coolant loop, col. 3." in sections[0]
    assert "EP" in sections[1] and "1234567" in sections[1] and "Müller, Jürgen" in sections[1]
    assert "The glycol of claim 2 at [0042]." in sections[1]
    assert "Battery cooling survey" in sections[2] and "pp. 12-14" in sections[2]
    assert "Surveys pumps &lt;b&gt;and&lt;/b&gt; packs." in sections[2]
    # Cited 1..3 across the sections, each keeping its rank.
    assert re.findall(r'id="cite-(\d)"', html) == ["1", "2", "3"]
    assert "Private examiner note." not in html


def test_report_unchanged_by_later_votes_and_edits(client, auth, db, examiner):
    application, (us, foreign, _npl) = closed_with_report(db)
    us.explanation = "Rewritten after the window closed."
    db.session.add(Vote(submission=foreign, user=make_user(), value=-1))
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}/report")
    assert "Claim 1&#39;s coolant loop, col. 3." in html and "Rewritten" not in html


def test_volunteers_read_the_report_only_once_the_window_closed(client, auth, db):
    open_one = make_application()
    make_submission(open_one, make_user())
    application, _ = closed_with_report(db)
    volunteer = make_user()
    db.session.commit()
    auth.login(volunteer)
    get(client, f"/examiner/applications/{open_one.number}/report", 403)
    get(client, f"/examiner/applications/{open_one.number}/report.pdf", 403)
    html = get(client, f"/examiner/applications/{application.number}/report")
    assert "Battery cooling survey" in html and "Private examiner note." not in html
    assert "ranked review" not in html


def test_examiner_previews_an_open_report_and_freezes_a_closed_one(client, auth, db, examiner):
    application = make_application()
    make_submission(application, make_user(), title="Preview me")
    db.session.commit()
    auth.login(examiner)
    html = get(client, f"/examiner/applications/{application.number}/report")
    assert "Preview: not frozen yet." in html and "Preview me" in html and "Freeze the report now" not in html
    response = client.post(f"/examiner/applications/{application.number}/freeze")
    assert response.status_code == 302 and db.session.scalar(select(ForwardedReport)) is None
    application.status = "closed"
    db.session.commit()
    assert "Freeze the report now" in get(client, f"/examiner/applications/{application.number}/report")
    client.post(f"/examiner/applications/{application.number}/freeze")
    report = db.session.scalar(select(ForwardedReport))
    assert [item["title"] for item in report.items] == ["Preview me"]
    assert "Preview: not frozen yet." not in get(client, f"/examiner/applications/{application.number}/report")


def test_report_pdf_without_a_unicode_font_falls_back_to_helvetica(client, auth, db, examiner, monkeypatch):
    monkeypatch.setattr("reviewapp.examiner.views.find_font", lambda configured=None: None)
    application, _ = closed_with_report(db)
    auth.login(examiner)
    response = client.get(f"/examiner/applications/{application.number}/report.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    assert b"/BaseFont /Helvetica" in response.get_data()


def test_report_pdf(client, auth, db, examiner):
    application, _ = closed_with_report(db)
    auth.login(examiner)
    response = client.get(f"/examiner/applications/{application.number}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
    assert application.number.encode() in body
    assert f'filename="{application.number}-preissuance.pdf"' in response.headers["Content-Disposition"]


def test_a_verdict_triggers_a_rescore_after_commit(client, auth, db, examiner):
    application = make_application()
    item = make_submission(application, make_user())
    db.session.commit()
    assert db.session.scalar(select(Score)) is None
    auth.login(examiner)
    client.post(f"/examiner/submissions/{item.id}/feedback", data={f"s{item.id}-verdict": "relevant"})
    db.session.expire_all()
    score = db.session.scalar(select(Score).where(Score.submission_id == item.id))
    assert score is not None and score.rank == 1  # the queue (immediate in tests) ran the job


def test_a_window_past_its_end_reads_closed_and_freezes_before_close_due_runs(client, auth, db, examiner):
    application = make_application()
    make_submission(application, make_user(), title="Late find")
    application.closes_at = utcnow() - dt.timedelta(days=2)
    db.session.commit()
    auth.login(examiner)
    assert "closed " in get(client, "/examiner/?window=closed")
    assert "Review window</dt><dd>closed" in get(client, f"/examiner/applications/{application.number}")
    html = get(client, f"/examiner/applications/{application.number}/report")
    assert "Freeze the report now" in html and "this list changes until it closes" not in html
    response = client.post(f"/examiner/applications/{application.number}/freeze", follow_redirects=True)
    assert "The report is frozen" in response.get_data(as_text=True)
    db.session.expire_all()
    report = db.session.scalar(select(ForwardedReport))
    assert [item["title"] for item in report.items] == ["Late find"]
    assert db.session.get(type(application), application.id).status == "closed"


def test_volunteers_no_longer_read_items_hidden_after_the_freeze(client, auth, db):
    application, (_us, _foreign, npl) = closed_with_report(db)
    npl.status = "hidden"
    db.session.commit()
    auth.login(make_user())
    for suffix in ("", ".pdf"):
        response = client.get(f"/examiner/applications/{application.number}/report{suffix}")
        assert response.status_code == 200
    assert "Battery cooling survey" not in get(client, f"/examiner/applications/{application.number}/report")
