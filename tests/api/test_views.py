"""The JSON API: envelope, pagination, filters, ranking, errors, and what a token unlocks."""
from __future__ import annotations

import datetime as dt

import pytest

from reviewapp.api.services import create_token
from reviewapp.applications.services import browse_query
from reviewapp.export.services import ExportError, parse_cpc
from reviewapp.extensions import db
from reviewapp.indexing import rebuild_index
from reviewapp.models import ApiToken
from reviewapp.models.application import STATUSES
from reviewapp.models.base import utcnow
from tests.export.helpers import make_conflict, make_score, make_votes
from tests.factories import make_application, make_submission, make_user

ENVELOPE = {"items", "page", "per_page", "total", "next"}
EXAMINER_ONLY = {"feedback", "conflict"}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def get_json(client, path: str, status: int = 200, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


# --------------------------------------------------------------------------- applications

def test_list_is_an_envelope_newest_first(client, app):
    older = make_application(priority_date=dt.date(2015, 1, 1))
    newer = make_application(priority_date=dt.date(2019, 1, 1))
    body = get_json(client, "/api/v1/applications")
    assert set(body) == ENVELOPE
    assert (body["page"], body["per_page"], body["total"], body["next"]) == (1, 20, 2, None)
    assert [item["number"] for item in body["items"]] == [newer.number, older.number]
    item = body["items"][0]
    assert item["cpc"] == ["H01M 10/613", "H01M 10/625"]
    assert item["status"] == "open" and item["closes_at"].endswith("Z")


def test_pagination_walks_every_item_once(client, app):
    numbers = {make_application(priority_date=dt.date(2010 + i, 1, 1)).number for i in range(5)}
    seen, url, pages = [], "/api/v1/applications?per_page=2", 0
    while url:
        body = get_json(client, url)
        assert body["total"] == 5 and body["per_page"] == 2
        seen += [item["number"] for item in body["items"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(numbers)


def test_next_keeps_the_filters(client, app):
    for _ in range(3):
        make_application(cpc=["H04L 9/32"])
    body = get_json(client, "/api/v1/applications?per_page=1&status=open&cpc=h04l")
    assert body["next"] == "http://localhost.test/api/v1/applications?page=2&per_page=1&status=open&cpc=H04L"


def test_a_page_past_the_end_is_empty(client, app):
    make_application()
    body = get_json(client, "/api/v1/applications?page=1000000000&per_page=100")
    assert (body["items"], body["total"], body["next"]) == ([], 1, None)


def test_filters(client, app):
    network = make_application(cpc=["H04L 9/32"])
    closed = make_application(status="closed", cpc=["G06F 16/00"])
    make_application(status="pending", cpc=["H01M 10/613"])

    def numbers(query):
        return [item["number"] for item in get_json(client, f"/api/v1/applications?{query}")["items"]]

    assert numbers("status=closed") == [closed.number]
    assert numbers("cpc=H04L") == [network.number]
    assert numbers("cpc=h04l%209") == [network.number]
    assert numbers("cpc=H04L&status=closed") == []
    assert numbers("cpc=Y02E") == []


@pytest.mark.parametrize("query, message", [
    ("page=0", "page must be a whole number from 1"),
    ("page=-1", "page must be a whole number"),
    ("page=abc", "page must be a whole number"),
    ("page=1.5", "page must be a whole number"),
    ("page=", "page must be a whole number"),
    ("page=99999999999999999999999", "page must be a whole number"),
    ("per_page=101", "per_page must be a whole number from 1 to 100"),
    ("per_page=0", "per_page must be a whole number"),
    ("status=bogus", "status must be one of pending, open, closed"),
    ("status=", "status must be one of"),
    ("cpc=H04L%25", "cpc must be the start of a CPC symbol"),
    ("cpc=" + "H" * 33, "cpc must be the start of a CPC symbol"),
])
def test_bad_parameters_are_400_with_a_message(client, app, query, message):
    body = get_json(client, f"/api/v1/applications?{query}", status=400)
    assert set(body) == {"error"}
    assert message in body["error"]


@pytest.mark.parametrize("cpc", ["banana", "H4L", "/", "Z", "H04L9/32/1", "H04L 12345", "h04l%20x"])
def test_a_cpc_filter_that_is_no_class_is_400_as_in_the_export(client, app, cpc):
    make_application(cpc=["H04L 9/32"])
    body = get_json(client, f"/api/v1/applications?cpc={cpc}", status=400)
    assert set(body) == {"error"}
    assert body["error"].startswith("cpc must be the start of a CPC symbol, such as H04, H04L")
    with pytest.raises(ExportError):  # the export refuses the same text
        parse_cpc(cpc.replace("%20", " "))


@pytest.mark.parametrize("cpc", ["H", "h04", "H04L", "h04l 9", "H04L 9/", "H04L9/32", " H04L "])
def test_every_level_of_a_cpc_prefix_is_a_filter(client, app, cpc):
    network = make_application(cpc=["H04L 9/32"])
    body = get_json(client, "/api/v1/applications", query_string={"cpc": cpc})
    assert [item["number"] for item in body["items"]] == [network.number]


def test_status_is_the_review_window_in_force_as_on_the_site(client, app):
    now = utcnow()
    running = make_application()
    ended = make_application()  # its window ended an hour ago; the closing cron has not run yet
    ended.closes_at = now - dt.timedelta(hours=1)
    early = make_application()  # opened by an admin for a window that starts tomorrow
    early.opens_at = now + dt.timedelta(days=1)
    pending = make_application(status="pending")
    closed = make_application(status="closed")
    db.session.flush()
    statuses = {item["number"]: item["status"]
                for item in get_json(client, "/api/v1/applications")["items"]}
    assert statuses == {running.number: "open", ended.number: "closed", early.number: "pending",
                        pending.number: "pending", closed.number: "closed"}
    for status in STATUSES:
        body = get_json(client, f"/api/v1/applications?status={status}")
        assert {item["number"] for item in body["items"]} == {
            number for number, shown in statuses.items() if shown == status}, status
        assert body["total"] == len(body["items"])
        assert {item["status"] for item in body["items"]} <= {status}
    site_open = {a.number for a in db.session.scalars(browse_query(status="open")).unique()}
    assert site_open == {running.number}
    assert get_json(client, f"/api/v1/applications/{ended.number}")["status"] == "closed"
    assert get_json(client, f"/api/v1/applications/{early.number}")["status"] == "pending"


def test_detail_has_bibliographic_data_and_claims(client, corpus):
    body = get_json(client, "/api/v1/applications/us20180000016a1")
    assert body["number"] == "US20180000016A1"
    assert body["classifications"] == {"cpc": ["H01M 10/613", "H01M 10/625"], "ipc": [], "uspc": []}
    assert [(c["number"], c["independent"], c["depends_on"]) for c in body["claims"]] == [
        (1, True, []), (2, False, [1]), (3, True, [])]
    assert body["claims"][0]["text"].startswith("A method of cooling a battery")
    assert (body["priority_date"], body["submissions"]) == ("2019-06-01", 3)


@pytest.mark.parametrize("path", [
    "/api/v1/applications/US99999999999A1",
    "/api/v1/applications/US99999999999A1/prior-art",
    "/api/v1/applications/" + "X" * 500,
    "/api/v1/applications/a%2Fb",
    "/api/v1/no-such-thing",
])
def test_unknown_is_a_json_404(client, app, path):
    body = get_json(client, path, status=404)
    assert set(body) == {"error"}


def test_nul_in_the_path_is_a_json_400(client, app):
    body = get_json(client, "/api/v1/applications/%00", status=400)
    assert set(body) == {"error"} and "NUL" in body["error"]


def test_wrong_method_is_a_json_405(client, app):
    response = client.post("/api/v1/applications")
    assert response.status_code == 405
    assert response.get_json() == {"error": response.get_json()["error"]}
    assert "GET" in response.headers["Allow"]


# --------------------------------------------------------------------------- prior art

def test_prior_art_is_ranked_then_unscored_by_net_votes(client, corpus):
    voters = [make_user() for _ in range(3)]
    liked = make_submission(corpus.battery, corpus.bob, identifier="US7000009B2")
    make_votes(liked, voters)
    make_votes(corpus.unscored, voters[:1], value=-1)
    body = get_json(client, "/api/v1/applications/US20180000016A1/prior-art")
    assert [item["identifier"] for item in body["items"]] == [
        "US7000001B2", "US7000002B2", "US7000009B2", "npl:a-paper"]
    assert body["total"] == 4
    first = body["items"][0]
    assert first["score"] == {"value": 0.91, "rank": 1, "model_version": "m-1",
                              "model": "model m-1 (its details are no longer on file)",
                              "computed_at": first["score"]["computed_at"]}
    assert first["votes"] == {"up": 2, "down": 0, "net": 2}
    assert first["claims"] == [1, 3]
    assert first["submitter"] == {"id": corpus.alice.id, "display_name": "-Alice"}
    assert [e["reviewer"]["display_name"] for e in first["endorsements"]] == ["Bob 🔋"]
    assert body["items"][3]["score"] is None


def test_rank_beats_votes_and_withdrawn_items_are_left_out(client, corpus):
    make_votes(corpus.runner_up, [make_user() for _ in range(5)])
    corpus.other_class.status = "withdrawn"
    corpus.unscored.status = "withdrawn"
    db.session.flush()
    body = get_json(client, "/api/v1/applications/US20180000016A1/prior-art")
    assert [item["identifier"] for item in body["items"]] == ["US7000001B2", "US7000002B2"]


def test_prior_art_pages(client, corpus):
    body = get_json(client, "/api/v1/applications/US20180000016A1/prior-art?per_page=2&page=2")
    assert [item["identifier"] for item in body["items"]] == ["npl:a-paper"]
    assert body["next"] is None
    body = get_json(client, "/api/v1/applications/US20180000016A1/prior-art?per_page=2")
    assert body["next"].endswith("/api/v1/applications/US20180000016A1/prior-art?page=2&per_page=2")
    assert get_json(client, "/api/v1/applications/US20180000016A1/prior-art?per_page=500", 400)


def test_anonymous_callers_never_see_examiner_fields(client, corpus):
    make_conflict(corpus.battery, corpus.alice)
    make_score(corpus.unscored, 0.1, 3, explanation=[{"feature": "submitter_record", "effect": 0.2}])
    response = client.get("/api/v1/applications/US20180000016A1/prior-art")
    text = response.get_data(as_text=True)
    for item in response.get_json()["items"]:
        assert not EXAMINER_ONLY & set(item)
        assert "explanation" not in (item["score"] or {})
    assert "SUM(A1)" not in text and "consult for the applicant" not in text
    assert "submitter_record" not in text
    assert "Authorization" in response.vary


def test_an_examiner_token_adds_verdicts_notes_conflicts_and_explanations(client, corpus, token):
    make_conflict(corpus.battery, corpus.alice)
    response = client.get("/api/v1/applications/US20180000016A1/prior-art", headers=bearer(token))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    items = {item["identifier"]: item for item in response.get_json()["items"]}
    ranked = items["US7000001B2"]
    [verdict] = ranked["feedback"]
    assert verdict["verdict"] == "used" and verdict["verdict_label"] == "used in a rejection"
    assert verdict["note"].startswith("@SUM(A1)")
    assert verdict["examiner_id"] == corpus.examiner.id
    assert ranked["conflict"]["has_conflict"] is True
    assert ranked["conflict"]["statement"] == "I consult for the applicant."
    assert ranked["score"]["explanation"] == []
    assert items["US7000002B2"]["conflict"] is None and items["US7000002B2"]["feedback"] == []


# --------------------------------------------------------------------------- tokens on the API

@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc",
                                    "Bearer opa_not-a-real-token"])
def test_bad_credentials_are_401_never_ignored(client, corpus, header):
    response = client.get("/api/v1/applications", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.get_json()) == {"error"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_401(client, corpus, examiner, token):
    row = db.session.query(ApiToken).one()
    row.revoked_at = utcnow()
    db.session.flush()
    assert client.get("/api/v1/applications", headers=bearer(token)).status_code == 401


def test_a_banned_examiners_token_is_401(client, corpus, examiner, token):
    examiner.banned_at = utcnow()
    db.session.flush()
    assert client.get("/api/v1/applications", headers=bearer(token)).status_code == 401


def test_a_demoted_examiners_token_is_403(client, corpus, examiner, token):
    examiner.role = "volunteer"
    db.session.flush()
    response = client.get("/api/v1/applications/US20180000016A1/prior-art", headers=bearer(token))
    assert response.status_code == 403
    assert "not an examiner" in response.get_json()["error"]


def test_admins_tokens_work(client, corpus):
    _row, secret = create_token(db.session, make_user("admin"), "admin script")
    items = get_json(client, "/api/v1/applications/US20180000016A1/prior-art",
                     headers=bearer(secret))["items"]
    assert all(EXAMINER_ONLY <= set(item) for item in items)


def test_use_is_recorded_without_a_write_per_request(client, corpus, token):
    row = db.session.query(ApiToken).one()
    assert row.last_used_at is None
    get_json(client, "/api/v1/applications", headers=bearer(token))
    first = row.last_used_at
    assert first is not None
    get_json(client, "/api/v1/applications", headers=bearer(token))
    assert row.last_used_at == first



# --------------------------------------------------------------------------- every path under /api/v1

@pytest.fixture
def indexed(corpus):
    """Return the known review with the search index built, so /api/v1/search answers 200."""
    db.session.commit()
    rebuild_index()
    return corpus


SEARCH = "/api/v1/search?q=battery"


@pytest.mark.parametrize("path", ["/api/v1/applications", SEARCH, "/api/v1/search?page=abc",
                                  "/api/v1/openapi.json"])
@pytest.mark.parametrize("header", ["Bearer opa_not-a-real-token", "Basic Zm9vOmJhcg==", "Bearer"])
def test_every_api_path_refuses_bad_credentials(client, indexed, path, header):
    assert client.get(path).status_code in (200, 400)  # anonymous callers are answered
    response = client.get(path, headers={"Authorization": header})
    assert response.status_code == 401, response.get_data(as_text=True)
    assert set(response.get_json()) == {"error"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_search_checks_the_token_like_every_api_path(client, indexed, examiner, token):
    response = client.get(SEARCH, headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["total"] >= 1
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    examiner.role = "volunteer"
    db.session.flush()
    assert client.get(SEARCH, headers=bearer(token)).status_code == 403
    db.session.query(ApiToken).one().revoked_at = utcnow()
    db.session.flush()
    assert client.get(SEARCH, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/applications", 200),
    ("get", "/api/v1/no-such-thing", 404),
    ("post", "/api/v1/applications", 405),
    ("get", SEARCH, 200),
    ("get", "/api/v1/search?page=abc", 400),
    ("get", "/api/v1/openapi.json", 200),
])
def test_every_api_answer_varies_on_authorization(client, indexed, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert "Authorization" in response.vary

def test_prior_art_is_cited_with_its_kind_code(client, app, db):
    application = make_application()
    volunteer = make_user()
    make_submission(application, volunteer, identifier="US7123456", identifier_raw="US7123456B2")
    make_submission(application, volunteer, identifier="US7654321")  # no kind code known
    make_submission(application, volunteer, kind="npl", identifier="doi:10.1000/xyz", identifier_raw="Smith 2011")
    db.session.commit()
    body = get_json(client, f"/api/v1/applications/{application.number}/prior-art")
    assert sorted(item["identifier"] for item in body["items"]) == ["US7123456B2", "US7654321", "doi:10.1000/xyz"]
