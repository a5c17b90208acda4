"""/admin/ranker: administrators only; shows what serves; "Retrain now" queues the job."""
from __future__ import annotations

import re
import threading
from html import unescape

import pytest
from sqlalchemy import select

from reviewapp.models import AuditEntry
from reviewapp.ranking import model_store, training
from tests.factories import make_user
from tests.ranking.helpers import flip_byte, judged_review, people

URLS = [("get", "/admin/ranker"), ("post", "/admin/ranker/retrain")]


def page(response) -> str:
    """Return the page's text, tags removed and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def wait_for_training() -> None:
    """Join the training thread a development-mode button starts, if any."""
    for thread in threading.enumerate():
        if thread.name == training.TRAIN_THREAD:
            thread.join(timeout=60)


@pytest.fixture
def admin(auth, db):
    user = make_user("admin")
    db.session.commit()
    auth.login(user)
    return user


@pytest.fixture
def queued(app):
    """Record training jobs instead of running them."""
    jobs = []
    app.extensions["tasks"]["train"] = lambda *args: jobs.append(args)
    return jobs


@pytest.mark.parametrize("role", ["volunteer", "examiner"])
@pytest.mark.parametrize("method,url", URLS)
def test_only_administrators_may_see_or_retrain(client, auth, db, queued, role, method, url):
    auth.login(make_user(role))
    db.session.commit()
    assert getattr(client, method)(url).status_code == 403
    wait_for_training()
    assert queued == []


@pytest.mark.parametrize("method,url", URLS)
def test_anonymous_users_are_sent_to_log_in(client, queued, method, url):
    response = getattr(client, method)(url)
    # A GET comes back to its page; a POST (no page it was sent from here) to the home page.
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    assert queued == []


def test_page_says_the_heuristic_serves(client, admin):
    response = client.get("/admin/ranker")
    assert response.status_code == 200
    text = page(response)
    assert text.count("No trained model yet: the heuristic ranker serves") == 1
    assert "Retrain now" in text
    assert "none (run reviewapp ranker bootstrap PATH... with USPTO grant XML)" in text


def test_retrain_queues_the_job_flashes_and_is_audited(client, admin, db, queued):
    response = client.post("/admin/ranker/retrain")
    assert response.status_code == 302 and response.location == "/admin/ranker"
    wait_for_training()
    assert queued == [()]
    assert "Retraining started" in page(client.get("/admin/ranker"))
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.action, entry.target_type) == (admin.id, "retrain", "ranker")
    audit = page(client.get("/admin/audit"))
    assert admin.display_name in audit and "retrain ranker the ranking model" in audit


def test_retrain_needs_the_form_token(app, client, admin, db, queued):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/admin/ranker/retrain")
    assert response.status_code in (302, 400)
    wait_for_training()
    assert queued == [] and db.session.scalar(select(AuditEntry)) is None


def test_retrain_button_really_trains_in_the_background(client, admin, db, model_dir):
    examiner, volunteers = people()
    for _ in range(training.MIN_CV_GROUPS):
        judged_review(examiner, volunteers)
    db.session.commit()
    client.post("/admin/ranker/retrain")
    wait_for_training()
    served = model_store.served_model(strict=True)
    assert not served.heuristic
    text = page(client.get("/admin/ranker"))
    assert served.version in text and "Cross-validated metrics" in text
    assert "examiner verdicts: 40 on 10 applications" in text
    assert f"{served.metadata['cv_metrics']['map']:.3f}" in text
    assert "done, started" in text
    # Its verdicts were its training labels: no in-sample calibration figures.
    assert "Calibration: needs verdicts recorded after the model was trained" in text


def test_page_shows_a_refused_model(client, admin, db, model_dir):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    version = training.train_model(db.session, enqueue_rescoring=False)["version"]
    flip_byte(model_dir / f"{version}.joblib")
    text = page(client.get("/admin/ranker"))
    assert "The saved model was refused" in text and "SHA-256" in text


def test_page_shows_even_when_the_status_file_is_not_an_object(client, admin, model_dir):
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / training.STATUS_FILE).write_text("[]")
    assert client.get("/admin/ranker").status_code == 200
