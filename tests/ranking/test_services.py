"""Ranking services: feature rows, stored scores, the served model, training data, training."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import logging

import numpy as np
import pytest
from sqlalchemy import event, select

from reviewapp.models import Classification, ClaimMark, Endorsement, Score, Vote
from reviewapp.models.application import CLOSED
from reviewapp.models.submission import WITHDRAWN
from reviewapp.ranking import services
from scoring import ModelIntegrityError, PairFeatures
from scoring.features import FEATURE_NAMES
from tests.factories import make_application, make_document, make_submission, make_user
from tests.ranking.helpers import (BAD_TEXT, GOOD_TEXT, flip_byte, grant_examples, judge,
                                   judged_review, library_document, people, save_grant_examples)


def scores_of(db, application) -> list[Score]:
    """Return the stored scores of an application's submissions, best rank first."""
    from reviewapp.models import Submission

    return list(db.session.scalars(
        select(Score).join(Submission, Submission.id == Score.submission_id)
        .where(Submission.application_id == application.id).order_by(Score.rank)))


def statements_during(db, action) -> int:
    """Return how many SQL statements `action` sends."""
    sent = []

    def count(*args) -> None:
        sent.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(sent)


# --- feature rows -------------------------------------------------------------------------


def test_query_reads_claims_priority_classes_title_and_abstract(db):
    application = make_application(priority_date=dt.date(2019, 6, 1))
    document = application.document
    document.classifications += [Classification(scheme="ipc", symbol="H01M 10/60", position=0),
                                 Classification(scheme="uspc", symbol="429/120", position=0)]
    document.filing_date = dt.date(2020, 6, 1)
    db.session.flush()
    query = services.query_for(application)
    assert query.id == document.publication_number
    assert [(n, independent) for n, _, independent in query.claims] == [
        (1, True), (2, False), (3, True)]
    assert query.claims[1][1] == "The method of claim 1, wherein the coolant is glycol."
    assert query.priority_date == dt.date(2019, 6, 1)  # the earliest date, not the filing date
    assert query.cpc == ["H01M 10/613", "H01M 10/625"]
    assert query.ipc == ["H01M 10/60"] and query.uspc == ["429/120"]
    assert (query.title, query.abstract) == (document.title, document.abstract)


def test_query_falls_back_to_the_filing_date(db):
    application = make_application()
    application.document.priority_date = None
    application.document.filing_date = dt.date(2019, 7, 1)
    assert services.query_for(application).priority_date == dt.date(2019, 7, 1)


def test_candidates_carry_library_text_community_signals_and_track_record(db):
    examiner, (alice, bob, carol) = people()
    application, elsewhere = make_application(), make_application()
    library = make_document(
        title="Glycol pump", abstract="A glycol pump.", cpc=["H01M 10/613"],
        claims=[(1, "A pump for glycol.", []), (2, "The pump of claim 1, made of steel.", [1])])
    library.classifications.append(Classification(scheme="uspc", symbol="429/120", position=0))
    full = make_submission(application, alice, library_document_id=library.id, title="",
                           claim_numbers=(3, 1), excerpt="the pump", explanation="Pump of claim 1.")
    bare = make_submission(application, bob, kind="npl", identifier="npl:abc", title="An article",
                           publication_date=None, claim_numbers=(), explanation="A survey.")
    withdrawn = make_submission(application, alice, status=WITHDRAWN)
    db.session.add_all([
        Vote(submission_id=full.id, user_id=bob.id, value=1),
        Vote(submission_id=full.id, user_id=carol.id, value=1),
        Vote(submission_id=bare.id, user_id=carol.id, value=-1),
        Endorsement(submission_id=full.id, user_id=bob.id, explanation="Also the glycol loop."),
        ClaimMark(submission_id=full.id, user_id=carol.id,
                  claim_id=application.document.claims[0].id),
    ])
    # Alice's record: one of two verdicts positive elsewhere; the one here must not count.
    judge(make_submission(elsewhere, alice), examiner, "used")
    judge(make_submission(elsewhere, alice), examiner, "known")
    judge(withdrawn, examiner, "used")
    db.session.flush()
    assert (alice.verdicts_positive, alice.verdicts_total) == (2, 3)

    candidates = {c.id: c for c in services.candidates_for(db.session, application)}
    assert set(candidates) == {str(full.id), str(bare.id)}  # active submissions only
    one = candidates[str(full.id)]
    assert (one.kind, one.title, one.publication_date) == ("us", "Glycol pump", dt.date(2015, 3, 3))
    assert one.text == "A glycol pump.\nA pump for glycol.\nThe pump of claim 1, made of steel."
    assert (one.cpc, one.ipc, one.uspc) == (["H01M 10/613"], [], ["429/120"])
    assert one.excerpt == "the pump"
    assert one.explanation == "Pump of claim 1.\n\nAlso the glycol loop."
    assert one.claims_targeted == [1, 3]
    assert (one.votes_up, one.votes_down, one.endorsements, one.claim_marks) == (2, 0, 1, 1)
    assert (one.submitter_used, one.submitter_judged) == (1, 2)

    other = candidates[str(bare.id)]
    assert (other.kind, other.title, other.text) == ("npl", "An article", "")
    assert other.cpc == other.ipc == other.uspc == []
    assert other.publication_date is None and other.claims_targeted == []
    assert (other.votes_up, other.votes_down, other.endorsements, other.claim_marks) == (0, 1, 0, 0)
    assert other.submitter_used is None and other.submitter_judged is None  # Bob: no verdicts

    # What the app does not know reaches the model as NaN, never as a made-up zero.
    query = services.query_for(application)
    pairs = [(query, one), (query, other)]
    row = dict(zip(FEATURE_NAMES, PairFeatures().fit(pairs).transform(pairs)[1]))
    for name in ("days_before_priority", "ipc_section", "uspc_class", "submitter_track_record"):
        assert np.isnan(row[name]), name
    assert row["net_votes"] == -1 and row["endorsements"] == 0 and row["n_claims_targeted"] == 0


def test_candidates_cost_the_same_few_queries_for_2_or_40_submissions(db):
    _, volunteers = people(4)
    small, large = make_application(), make_application()
    for application, n in ((small, 2), (large, 40)):
        for k in range(n):
            doc = library_document(GOOD_TEXT, "H01M 10/613")
            submission = make_submission(application, volunteers[k % 4], library_document_id=doc.id)
            voter = volunteers[(k + 1) % 4]
            db.session.add_all([Vote(submission_id=submission.id, user_id=voter.id, value=1),
                                Endorsement(submission_id=submission.id, user_id=voter.id)])
    db.session.flush()
    few = statements_during(db, lambda: services.candidates_for(db.session, small))
    many = statements_during(db, lambda: services.candidates_for(db.session, large))
    assert few == many <= 10
    assert len(services.candidates_for(db.session, large)) == 40


# --- stored scores ------------------------------------------------------------------------


def test_rescore_stores_ranks_1_to_n_with_explanations_and_drops_withdrawn(db):
    _, volunteers = people()
    application = make_application()
    submissions = []
    for k in range(6):
        relevant = k % 2 == 1
        doc = library_document(GOOD_TEXT if relevant else BAD_TEXT,
                               "H01M 10/613" if relevant else "A01G 25/09")
        submissions.append(make_submission(application, volunteers[k % 3],
                                           library_document_id=doc.id))
    assert services.rescore_application(db.session, application.id) == 6
    db.session.expire_all()
    scores = scores_of(db, application)
    assert [s.rank for s in scores] == [1, 2, 3, 4, 5, 6]
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)
    assert {s.model_version for s in scores} == {"heuristic"}
    relevant_ids = {s.id for s in submissions[1::2]}
    assert {s.submission_id for s in scores[:3]} == relevant_ids  # the battery art first
    for score in scores:
        assert 1 <= len(score.explanation) <= services.REASONS
        assert all(set(reason) == {"feature", "effect", "text"} for reason in score.explanation)
        effects = [abs(reason["effect"]) for reason in score.explanation]
        assert effects == sorted(effects, reverse=True) and all(effects)
        assert all(isinstance(r["text"], str) and r["text"] for r in score.explanation)
    assert scores[0].explanation[0]["feature"] == "sim_best_claim"

    submissions[1].status = WITHDRAWN
    db.session.flush()
    assert services.rescore_application(db.session, application.id) == 5
    db.session.expire_all()
    scores = scores_of(db, application)
    assert [s.rank for s in scores] == [1, 2, 3, 4, 5]
    assert submissions[1].id not in {s.submission_id for s in scores}


def test_rescore_of_an_unknown_or_empty_application(db):
    _, (alice, *_) = people()
    application = make_application()
    submission = make_submission(application, alice)
    assert services.rescore_application(db.session, application.id) == 1
    submission.status = WITHDRAWN
    db.session.flush()
    assert services.rescore_application(db.session, application.id) == 0
    assert scores_of(db, application) == []
    assert services.rescore_application(db.session, 987654) == 0


def test_rescoring_several_applications_ranks_each_on_its_own(db):
    _, volunteers = people()
    first, second, empty = make_application(), make_application(), make_application()
    for application, n in ((first, 3), (second, 2)):
        for k in range(n):
            make_submission(application, volunteers[k])
    stale = make_submission(empty, volunteers[0])
    services.rescore_application(db.session, empty.id)
    stale.status = WITHDRAWN
    db.session.flush()
    assert services.rescore_applications(db.session, [second.id, first.id, empty.id, 99999]) == 5
    db.session.expire_all()
    assert [s.rank for s in scores_of(db, first)] == [1, 2, 3]
    assert [s.rank for s in scores_of(db, second)] == [1, 2]
    assert scores_of(db, empty) == []


def test_enqueue_rescore_puts_a_rescore_job_on_the_queue(app, db):
    queued = []
    app.extensions["tasks"]["rescore"] = queued.append
    services.enqueue_rescore(42)
    assert queued == [42]


# --- the served model ---------------------------------------------------------------------


def test_without_a_model_the_heuristic_serves_and_says_so(db, model_dir):
    served = services.served_model(strict=True)
    assert served.heuristic and served.version == "heuristic" and served.error is None
    assert services.current_ranker().is_heuristic
    status = services.ranker_status(db.session)
    assert status.heuristic and status.version == "heuristic"
    assert any("heuristic ranker serves" in note for note in status.notes)


def test_a_trained_model_is_saved_with_metadata_served_and_reloaded_on_change(app, db, model_dir):
    examiner, volunteers = people()
    reviews = [judged_review(examiner, volunteers) for _ in range(services.MIN_CV_GROUPS)]
    db.session.commit()
    summary = services.train_model(db.session, enqueue_rescoring=False)

    version = summary["version"]
    assert (model_dir / "current").read_text().strip() == f"{version}.joblib"
    meta = json.loads((model_dir / f"{version}.json").read_text())
    assert meta["version"] == version and meta["format"] == "reviewapp-ranker/1"
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert meta["sklearn_version"] and meta["trained_at"] and meta["hmac_sha256"]
    data = meta["training_data"]
    assert data["pairs"] == 4 * len(reviews) and data["positives"] == 2 * len(reviews)
    assert data["queries"] == len(reviews) and len(data["sha256"]) == 64
    assert data["description"].startswith(f"examiner verdicts: {data['pairs']} on {len(reviews)}")
    assert meta["sources"]["bootstrap"] is None
    assert meta["sources"]["feedback"]["rankable_groups"] == len(reviews)
    assert meta["cv_metrics"]["n_splits"] == services.CV_SPLITS
    assert set(meta["cv_metrics"]) == {"n_splits", "map", "ndcg@10", "p@10"}
    assert meta["cv_note"] is None

    served = services.served_model(strict=True)
    assert not served.heuristic and served.version == version
    assert services.served_model() is served  # cached while the files stay the same
    open_application = make_application()
    make_submission(open_application, volunteers[0])
    services.rescore_application(db.session, open_application.id)
    assert scores_of(db, open_application)[0].model_version == version
    assert 0.0 < scores_of(db, open_application)[0].score < 1.0  # a probability

    again = services.train_model(db.session, enqueue_rescoring=False)
    assert again["version"] != version
    assert services.served_model().version == again["version"]


def test_old_model_versions_are_pruned(db, model_dir):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    versions = [services.train_model(db.session, enqueue_rescoring=False)["version"]
                for _ in range(services.KEEP_MODELS + 2)]
    kept = sorted(p.stem for p in model_dir.glob("ranker-*.joblib"))
    assert kept == sorted(versions[-services.KEEP_MODELS:])
    assert sorted(p.stem for p in model_dir.glob("ranker-*.json")) == kept


@pytest.mark.parametrize("damage", ["model", "metadata", "key", "pointer", "missing"])
def test_a_refused_model_raises_when_strict_and_pages_fall_back_logged(app, db, model_dir,
                                                                         caplog, damage):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    version = services.train_model(db.session, enqueue_rescoring=False)["version"]
    assert services.served_model().version == version
    model = model_dir / f"{version}.joblib"
    if damage == "model":
        flip_byte(model)
    elif damage == "metadata":
        meta = json.loads(model.with_suffix(".json").read_text())
        meta["cv_note"] = "looks better now"
        model.with_suffix(".json").write_text(json.dumps(meta))
    elif damage == "key":
        app.config["SECRET_KEY"] = "another-secret-key"
    elif damage == "pointer":
        (model_dir / "current").write_text("../../elsewhere/evil.joblib\n")
    else:
        model.unlink()
    with caplog.at_level(logging.ERROR, logger="reviewapp.ranking.services"):
        served = services.served_model()
    assert served.heuristic and served.version == "heuristic" and served.error
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert served.error in caplog.records[0].getMessage()
    with pytest.raises(ModelIntegrityError):
        services.served_model(strict=True)
    application = make_application()
    make_submission(application, volunteers[0])
    services.rescore_application(db.session, application.id)
    assert scores_of(db, application)[0].model_version == "heuristic"
    status = services.ranker_status(db.session)
    assert status.error == served.error and status.heuristic


# --- verdicts -----------------------------------------------------------------------------


def test_track_record_is_counted_from_the_feedback_rows(db):
    from reviewapp.models import Feedback

    user, examiner, other = make_user(), make_user("examiner"), make_user("examiner")
    first, second = (make_submission(make_application(), user) for _ in range(2))

    def record() -> tuple[int, int, float]:
        db.session.refresh(user)
        return user.verdicts_total, user.verdicts_positive, round(user.reputation, 4)

    services.recount_track_record(db.session, user)
    assert record() == (0, 0, 0.0)
    verdict = Feedback(submission_id=first.id, examiner_id=examiner.id, verdict="used")
    db.session.add(verdict)
    db.session.flush()
    services.recount_track_record(db.session, user)
    assert record() == (1, 1, round(2 / 3, 4))
    later = Feedback(submission_id=second.id, examiner_id=other.id, verdict="known")
    db.session.add(later)
    db.session.flush()
    services.recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)
    later.verdict = "relevant"  # a changed verdict counts once, as what it is now
    db.session.flush()
    services.recount_track_record(db.session, user)
    assert record() == (2, 2, 0.75)
    verdict.verdict = "not_relevant"
    db.session.flush()
    services.recount_track_record(db.session, user)
    assert record() == (2, 1, 0.5)


def test_feedback_examples_label_used_relevant_positive_known_negative(db):
    examiner, second = make_user("examiner"), make_user("examiner")
    _, volunteers = people()
    first = make_application(status=CLOSED)
    submissions = {verdict: make_submission(first, volunteers[k % 3])
                   for k, verdict in enumerate(["used", "relevant", "known", "not_relevant"])}
    for verdict, submission in submissions.items():
        judge(submission, examiner, verdict)
    changed = make_submission(first, volunteers[0])
    early = judge(changed, examiner, "not_relevant")
    late = judge(changed, second, "relevant")  # the latest verdict counts
    early.updated_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    late.updated_at = dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc)
    unjudged = make_submission(first, volunteers[1])
    later = judged_review(examiner, volunteers)
    db.session.flush()

    pairs, y, groups = services.feedback_examples(db.session)
    labels = {int(candidate.id): label for (_, candidate), label in zip(pairs, y)}
    assert labels[submissions["used"].id] == labels[submissions["relevant"].id] == 1
    assert labels[submissions["known"].id] == labels[submissions["not_relevant"].id] == 0
    assert labels[changed.id] == 1 and unjudged.id not in labels
    assert len(pairs) == 5 + 4
    assert sorted(set(groups.tolist())) == [f"application:{first.id}", f"application:{later.id}"]
    assert {q.id for (q, _), g in zip(pairs, groups) if g == f"application:{first.id}"} == {
        first.document.publication_number}


# --- grant examples -----------------------------------------------------------------------


def test_grant_examples_round_trip_as_signed_plain_data(db, model_dir):
    pairs, y, groups = grant_examples(3)
    files = [{"file": "ipg.xml", "bytes": 10, "sha256": "ab" * 32}]
    header = services.save_bootstrap_examples(pairs, y, groups, files)
    assert header["grants"] == 3 and header["pairs"] == len(pairs) and header["sources"] == files
    (loaded_pairs, loaded_y, loaded_groups), loaded_header = services.load_bootstrap_examples()
    assert loaded_pairs == pairs and loaded_y.tolist() == y.tolist()
    assert loaded_groups.tolist() == groups.tolist() and loaded_header == header
    assert services.bootstrap_header() == header
    raw = gzip.decompress((model_dir / services.EXAMPLES_FILE).read_bytes())
    assert raw.startswith(b'{"') and b"pickle" not in raw  # JSON, not an executable pickle


@pytest.mark.parametrize("damage", ["label", "header", "key"])
def test_changed_grant_examples_are_refused(app, db, model_dir, damage):
    save_grant_examples(3)
    path = model_dir / services.EXAMPLES_FILE
    header, queries, rows = (json.loads(line)
                             for line in gzip.decompress(path.read_bytes()).split(b"\n"))
    if damage == "label":
        rows[0][2] = 1 - rows[0][2]
    elif damage == "header":
        header["grants"] += 1
    if damage == "key":
        app.config["SECRET_KEY"] = "another-secret-key"
    else:
        path.write_bytes(gzip.compress(b"\n".join(json.dumps(part).encode()
                                                  for part in (header, queries, rows))))
    with pytest.raises(services.ExamplesError):
        services.load_bootstrap_examples()
    with pytest.raises(services.ExamplesError):
        services.train_model(db.session, enqueue_rescoring=False)
    assert services.training_status()["state"] == "failed"


# --- training -----------------------------------------------------------------------------


def test_train_from_grant_examples_only(db, model_dir):
    header = save_grant_examples(12)
    summary = services.train_model(db.session, enqueue_rescoring=False)
    meta = services.served_model(strict=True).metadata
    assert meta["sources"]["feedback"]["pairs"] == 0
    assert meta["sources"]["bootstrap"]["sha256"] == header["sha256"]
    assert meta["sources"]["bootstrap"]["groups"] == 12
    assert meta["training_data"]["pairs"] == header["pairs"]
    assert meta["training_data"]["description"].startswith("USPTO grant citations: ")
    assert summary["cv_metrics"]["map"] > 0


def test_train_from_verdicts_and_grant_examples_together(app, db, model_dir, caplog):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    open_application = make_application()
    make_submission(open_application, volunteers[0])
    db.session.commit()
    header = save_grant_examples(12)
    # The real queue (in-process here): the open application is rescored by the job.
    summary = services.train_model(db.session)
    meta = services.served_model(strict=True).metadata
    assert meta["training_data"]["pairs"] == header["pairs"] + 4
    assert meta["training_data"]["queries"] == 13
    assert meta["sources"]["feedback"]["pairs"] == 4 and meta["sources"]["bootstrap"]
    assert summary["open_applications"] == [open_application.id]
    db.session.expire_all()
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not failures  # the queue logs a failed job instead of raising it
    assert [s.model_version for s in scores_of(db, open_application)] == [summary["version"]]
    assert services.training_status()["state"] == "done"


def test_training_refuses_without_data_or_without_both_labels(db, model_dir):
    with pytest.raises(services.TrainingError, match="Nothing to train on"):
        services.train_model(db.session, enqueue_rescoring=False)
    examiner, volunteers = people()
    judged_review(examiner, volunteers, bad=())
    db.session.flush()
    with pytest.raises(services.TrainingError, match="Nothing to rank"):
        services.train_model(db.session, enqueue_rescoring=False)
    status = services.training_status()
    assert status["state"] == "failed" and "Nothing to rank" in status["message"]
    assert services.served_model().heuristic


def test_one_training_run_at_a_time_and_a_dead_one_shows(db, model_dir):
    save_grant_examples(3)
    (model_dir / services.STATUS_FILE).write_text('{"state": "running"}')
    with services._training_lock(model_dir):
        assert services.training_status()["state"] == "running"
        with pytest.raises(services.TrainingError, match="in progress"):
            services.train_model(db.session, enqueue_rescoring=False)
    assert services.training_status()["state"] == "interrupted"
    assert services.train_model(db.session, enqueue_rescoring=False)["version"]
    assert services.training_status()["state"] == "done"


def test_status_counts_scores_by_model_version(db, model_dir):
    _, (alice, *_) = people()
    application = make_application()
    make_submission(application, alice)
    make_submission(application, alice)
    services.rescore_application(db.session, application.id)
    assert services.ranker_status(db.session).scores == {"heuristic": 2}


def test_calibration_says_how_often_items_scored_like_this_were_used(db, model_dir):
    examiner, (alice, bob) = people(2)
    application = make_application()
    items = [make_submission(application, alice if k % 2 else bob) for k in range(6)]
    assert services.calibration(db.session, "heuristic") == []  # no verdicts yet
    for k, item in enumerate(items):
        db.session.add(Score(submission_id=item.id, score=k / 10, rank=6 - k,
                             model_version="heuristic", explanation=[]))
        judge(item, examiner, "used" if k >= 4 else "not_relevant")
    db.session.flush()
    bands = services.calibration(db.session, "heuristic", bins=3)
    assert [(b["judged"], b["used"]) for b in bands] == [(2, 0), (2, 0), (2, 2)]
    assert bands[-1]["used_share"] == 1.0 and bands[-1]["low"] == pytest.approx(0.4)
    assert services.calibration(db.session, "another-model") == []
    shown = services.ranker_status(db.session).calibration  # the served model's, 5 bands
    assert len(shown) == 5 and sum(b["judged"] for b in shown) == 6
