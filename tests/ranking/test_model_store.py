"""The model-file store: the heuristic until a model is saved, then the verified saved model."""
from __future__ import annotations

import json
import logging

import pytest

from reviewapp.ranking.model_store import KEEP_MODELS, current_ranker, served_model
from reviewapp.ranking.scores import rescore_application
from reviewapp.ranking.status import ranker_status
from reviewapp.ranking.training import CV_SPLITS, MIN_CV_GROUPS, train_model
from scoring import ModelIntegrityError
from scoring.inputs import FEATURE_NAMES
from tests.factories import make_application, make_submission
from tests.ranking.helpers import flip_byte, judged_review, people, scores_of


def test_without_a_model_the_heuristic_serves_and_says_so(db, model_dir):
    served = served_model(strict=True)
    assert served.heuristic and served.version == "heuristic" and served.error is None
    assert current_ranker().is_heuristic
    status = ranker_status(db.session)
    assert status.heuristic and status.version == "heuristic"
    assert any("heuristic ranker serves" in note for note in status.notes)


def test_a_trained_model_is_saved_with_metadata_served_and_reloaded_on_change(app, db, model_dir):
    examiner, volunteers = people()
    reviews = [judged_review(examiner, volunteers) for _ in range(MIN_CV_GROUPS)]
    db.session.commit()
    summary = train_model(db.session, enqueue_rescoring=False)

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
    assert meta["cv_metrics"]["n_splits"] == CV_SPLITS
    assert set(meta["cv_metrics"]) == {"n_splits", "map", "ndcg@10", "p@10"}
    assert meta["cv_note"] is None

    served = served_model(strict=True)
    assert not served.heuristic and served.version == version
    assert served_model() is served  # cached while the files stay the same
    open_application = make_application()
    make_submission(open_application, volunteers[0])
    rescore_application(db.session, open_application.id)
    assert scores_of(db, open_application)[0].model_version == version
    assert 0.0 < scores_of(db, open_application)[0].score < 1.0  # a probability

    again = train_model(db.session, enqueue_rescoring=False)
    assert again["version"] != version
    assert served_model().version == again["version"]


def test_old_model_versions_are_pruned(db, model_dir):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    versions = [train_model(db.session, enqueue_rescoring=False)["version"]
                for _ in range(KEEP_MODELS + 2)]
    kept = sorted(p.stem for p in model_dir.glob("ranker-*.joblib"))
    assert kept == sorted(versions[-KEEP_MODELS:])
    assert sorted(p.stem for p in model_dir.glob("ranker-*.json")) == kept


@pytest.mark.parametrize("damage", ["model", "metadata", "key", "pointer", "missing"])
def test_a_refused_model_raises_when_strict_and_pages_fall_back_logged(app, db, model_dir,
                                                                         caplog, damage):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    version = train_model(db.session, enqueue_rescoring=False)["version"]
    assert served_model().version == version
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
    with caplog.at_level(logging.ERROR, logger="reviewapp.ranking.model_store"):
        served = served_model()
    assert served.heuristic and served.version == "heuristic" and served.error
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert served.error in caplog.records[0].getMessage()
    with pytest.raises(ModelIntegrityError):
        served_model(strict=True)
    application = make_application()
    make_submission(application, volunteers[0])
    rescore_application(db.session, application.id)
    assert scores_of(db, application)[0].model_version == "heuristic"
    status = ranker_status(db.session)
    assert status.error == served.error and status.heuristic
