"""The export page and the streamed CSV downloads: who may, what they get."""
from __future__ import annotations

import pytest

from reviewapp.export.csvstream import FORMULA_TRIGGERS, INVISIBLE_TRIGGER_NAMES
from reviewapp.export.services import KINDS
from reviewapp.extensions import db
from tests.export.helpers import HOSTILE_EXPLANATION, read_csv
from tests.factories import make_user


@pytest.mark.parametrize("path", ["/export/", "/export/submissions.csv"])
def test_anonymous_visitors_are_sent_to_log_in(client, corpus, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/export/", *(f"/export/{kind}.csv" for kind in KINDS)])
def test_volunteers_are_refused(client, auth, corpus, path):
    auth.login(corpus.alice)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", ["examiner", "admin"])
def test_the_page_offers_four_files(client, auth, app, role):
    auth.login(make_user(role))
    response = client.get("/export/?since=2024-01-01&cpc=H04L")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for kind in KINDS:
        assert f"/export/{kind}.csv?since=2024-01-01&amp;cpc=H04L" in page


def test_the_page_explains_a_bad_filter(client, auth, app):
    auth.login(make_user("examiner"))
    page = client.get("/export/?since=31-01-2024").get_data(as_text=True)
    assert "is not a date" in page
    assert 'href="/export/submissions.csv' not in page


def test_download_is_a_streamed_csv_attachment(client, auth, corpus):
    auth.login(corpus.examiner)
    response = client.get("/export/submissions.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="submissions-') and disposition.endswith('.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert not body.startswith(b"\xef\xbb\xbf")
    rows = {row["identifier"]: row for row in read_csv(body)}
    assert rows["US7000001B2"]["explanation"] == HOSTILE_EXPLANATION
    assert rows["US7000001B2"]["rank"] == "1"


def test_admins_download_too_with_filters_and_bom(client, auth, corpus):
    auth.login(make_user("admin"))
    response = client.get("/export/submissions.csv?cpc=G06F&bom=1")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfid,")
    assert [row["identifier"] for row in read_csv(body[3:])] == ["US7000003B2"]


def test_since_filter_in_a_download(client, auth, corpus):
    auth.login(corpus.examiner)
    assert read_csv(client.get("/export/feedback.csv?since=2999-01-01").get_data()) == []
    assert len(read_csv(client.get("/export/feedback.csv?since=2000-01-01").get_data())) == 1


@pytest.mark.parametrize("query, message", [
    ("since=2024-02-30", "is not a date"),
    ("cpc=H04L%25", "A CPC class is up to 32 letters"),
    ("cpc=QQQ", "is not a CPC class"),
])
def test_bad_filters_are_400_with_a_message(client, auth, corpus, query, message):
    auth.login(corpus.examiner)
    response = client.get(f"/export/submissions.csv?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_unknown_kind_is_404(client, auth, corpus):
    auth.login(corpus.examiner)
    assert client.get("/export/passwords.csv").status_code == 404


@pytest.mark.parametrize("role, sees", [("examiner", False), ("admin", True)])
def test_a_hidden_submissions_text_is_blank_for_non_moderators(client, auth, corpus, role, sees):
    """Hidden is a 404 on every page for non-moderators: the download keeps only its row."""
    corpus.runner_up.status = "hidden"
    corpus.runner_up.explanation = "spam: call +1 555 0100, jane@example.org"
    db.session.commit()
    auth.login(corpus.examiner if role == "examiner" else make_user("admin"))
    body = client.get("/export/submissions.csv").get_data(as_text=True)
    assert ("555 0100" in body) == sees
    rows = {row["id"]: row for row in read_csv(body)}
    hidden = rows[str(corpus.runner_up.id)]
    assert (hidden["status"], hidden["votes_down"], hidden["rank"]) == ("hidden", "1", "2")
    text = (hidden["identifier"], hidden["title"], hidden["explanation"])
    assert text == (("US7000002B2", corpus.runner_up.title, corpus.runner_up.explanation)
                    if sees else ("", "", ""))
    assert rows[str(corpus.ranked.id)]["explanation"] == HOSTILE_EXPLANATION


def test_the_page_lists_every_formula_trigger_the_export_neutralises(client, auth, app):
    auth.login(make_user("examiner"))
    page = client.get("/export/").get_data(as_text=True)
    for char in FORMULA_TRIGGERS:
        assert (f"<code>{char}</code>" if char.isprintable() else INVISIBLE_TRIGGER_NAMES[char]) in page
    assert "first character other than spaces" in page  # neutralise() skips leading spaces
