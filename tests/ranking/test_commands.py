"""`reviewapp ranker`: bootstrap, train, evaluate and status."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewapp.ranking import bootstrap, model_store, status, training
from reviewapp.ranking.commands import (
    bootstrap_command,
    evaluate_command,
    status_command,
    train_command,
)
from scoring.integrity import metadata_path, sign_metadata
from tests.factories import make_application, make_submission
from tests.ranking.helpers import flip_byte, judged_review, people, save_grant_examples
from tests.scoring.helpers import grant, mixed_references

METRICS = {"map", "ndcg@10", "p@10"}
BASELINES = {"random", "text_similarity", "same_class_first", "newest_first", "us_patents_newest_first"}


@pytest.fixture
def made_up_grants(monkeypatch, tmp_path):
    """Make the grant reader return 12 made-up grants for a real (small) file."""
    path = tmp_path / "ipg-made-up.xml"
    path.write_text("<us-patent-grant/>")
    grants = [grant(f"8{k:06d}", mixed_references(k)) for k in range(12)]
    monkeypatch.setattr(bootstrap, "grants_from", lambda paths, progress=None: (grants, []))
    return path


@pytest.fixture
def trained(db):
    """Train a model on examiner verdicts; return its version."""
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    db.session.commit()
    return training.train_model(db.session, enqueue_rescoring=False)["version"]


# --- bootstrap ----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["/nonexistent/shared/data/uspto/grants"]])
def test_bootstrap_if_missing_without_grant_xml_notes_it_and_succeeds(runner, model_dir, args):
    result = runner.invoke(bootstrap_command, ["--if-missing", *args])
    assert result.exit_code == 0, result.output
    assert "no model was bootstrapped" in result.output and "heuristic" in result.output
    assert not model_dir.exists() or not any(model_dir.glob("ranker-*"))


@pytest.mark.parametrize("args", [[], ["/nonexistent/grants"]])
def test_bootstrap_without_grant_xml_is_an_error_when_asked_for(runner, args):
    result = runner.invoke(bootstrap_command, args)
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_bootstrap_saves_examples_trains_and_rescores(runner, db, model_dir, made_up_grants):
    _, volunteers = people()
    application = make_application()
    make_submission(application, volunteers[0])
    db.session.commit()
    result = runner.invoke(bootstrap_command, ["--if-missing", str(made_up_grants)])
    assert result.exit_code == 0, result.output
    header = bootstrap.bootstrap_header()
    assert header["grants"] == 12 and header["sources"][0]["file"] == "ipg-made-up.xml"
    assert f"Saved {header['pairs']} labelled references of 12 grants" in result.output
    version = model_store.served_model(strict=True).version
    assert f"Trained {version}" in result.output and "cross-validated (5 folds" in result.output
    assert "Rescored 1 open application(s)." in result.output
    assert status.ranker_status(db.session).scores == {version: 1}

    again = runner.invoke(bootstrap_command, ["--if-missing", str(made_up_grants)])
    assert again.exit_code == 0 and f"serves already ({version}): nothing to do" in again.output
    assert model_store.served_model().version == version


def test_bootstrap_replaces_a_refused_model(runner, db, model_dir, made_up_grants, trained):
    flip_byte(model_dir / f"{trained}.joblib")
    result = runner.invoke(bootstrap_command, ["--if-missing", str(made_up_grants)])
    assert result.exit_code == 0, result.output
    assert "Warning:" in result.output and "Bootstrapping a new model" in result.output
    assert model_store.served_model(strict=True).version not in ("heuristic", trained)


# --- train --------------------------------------------------------------------------------


def test_train_without_data_fails_with_a_clear_message(runner, db):
    result = runner.invoke(train_command, [])
    assert result.exit_code == 1
    assert "Nothing to train on" in result.output and "ranker bootstrap" in result.output


def test_train_learns_from_verdicts_and_saved_examples(app, runner, db, model_dir):
    examiner, volunteers = people()
    judged_review(examiner, volunteers)
    make_application()
    db.session.commit()
    save_grant_examples(12)
    queued = []
    app.extensions["tasks"]["rescore"] = queued.append
    result = runner.invoke(train_command, ["--enqueue"])
    assert result.exit_code == 0, result.output
    assert "examiner verdicts: 4 on 1 applications; USPTO grant citations:" in result.output
    assert "Queued the rescoring of 1 open application(s)." in result.output
    assert len(queued) == 1


@pytest.fixture
def grant_files(monkeypatch, tmp_path):
    """Make the grant reader return made-up grants 0-11 for a.xml and 6-17 for b.xml."""
    files = {}
    for name, numbers in (("a.xml", range(12)), ("b.xml", range(6, 18))):
        files[name] = [grant(f"8{k:06d}", mixed_references(k)) for k in numbers]
        (tmp_path / name).write_text(f"<us-patent-grant id='{name}'/>")  # bytes differ

    def grants_from(paths, progress=None):
        return [g for path in paths for g in files[Path(path).name]], []

    monkeypatch.setattr(bootstrap, "grants_from", grants_from)
    return tmp_path / "a.xml", tmp_path / "b.xml"


def test_evaluate_leaves_out_the_grants_the_model_was_trained_on(runner, db, model_dir,
                                                                 grant_files):
    trained_on, others = grant_files
    assert runner.invoke(bootstrap_command, [str(trained_on)]).exit_code == 0
    result = runner.invoke(evaluate_command, [str(others), "--json"])
    assert result.exit_code == 0, result.output
    assert "trained on 6 of these grants: left out" in result.stderr
    assert json.loads(result.stdout)["queries"] == 6  # grants 12-17 only
    same = runner.invoke(evaluate_command, [str(trained_on), "--json"])
    assert same.exit_code == 1 and "nothing held out" in same.output


def test_evaluate_of_a_model_without_its_training_grants_compares_files(runner, db, model_dir,
                                                                       grant_files):
    trained_on, others = grant_files
    assert runner.invoke(bootstrap_command, [str(trained_on)]).exit_code == 0
    # A model saved before its metadata listed its training grants.
    meta_path = metadata_path(model_store.served_model(strict=True).path)
    meta = json.loads(meta_path.read_text())
    del meta["training_groups"]
    meta["hmac_sha256"] = sign_metadata(meta, model_store.secret_key())
    meta_path.write_text(json.dumps(meta))
    assert "training_groups" not in model_store.served_model(strict=True).metadata
    same = runner.invoke(evaluate_command, [str(trained_on), "--json"])
    assert same.exit_code == 0 and "these figures are in-sample" in same.stderr
    assert json.loads(same.stdout)["queries"] == 12
    other = runner.invoke(evaluate_command, [str(others), "--json"])
    assert other.exit_code == 0 and "in-sample" not in other.stderr


# --- status -------------------------------------------------------------------------------


def test_status_says_the_heuristic_serves(runner, db):
    result = runner.invoke(status_command, [])
    assert result.exit_code == 0
    assert "Serving: the heuristic (no trained model yet)." in result.output
    data = json.loads(runner.invoke(status_command, ["--json"]).stdout)
    assert data["heuristic"] is True and data["version"] == "heuristic" and data["error"] is None


def test_status_shows_the_trained_model(runner, db, trained):
    result = runner.invoke(status_command, [])
    assert result.exit_code == 0
    assert f"Serving: {trained} (PairwiseLogisticRanker)" in result.output
    assert "examiner verdicts: 4 on 1 applications" in result.output
    assert "not cross-validated" in result.output
    assert "Calibration: needs verdicts recorded after the model was trained" in result.output
    data = json.loads(runner.invoke(status_command, ["--json"]).stdout)
    assert data["version"] == trained and data["metadata"]["training_data"]["pairs"] == 4


def test_status_and_evaluate_refuse_a_tampered_model_loudly(runner, db, model_dir, trained,
                                                            tmp_path):
    flip_byte(model_dir / f"{trained}.joblib")
    result = runner.invoke(status_command, [])
    assert result.exit_code == 1 and "REFUSED" in result.output and "SHA-256" in result.output
    grants = tmp_path / "grants.xml"
    grants.write_text("")
    result = runner.invoke(evaluate_command, [str(grants), "--json"])
    assert result.exit_code == 1 and "the saved model is refused" in result.output


# --- on the real shared grants --------------------------------------------------------------


@pytest.mark.slow
def test_evaluate_json_on_real_grants_after_bootstrap(runner, db, model_dir, uspto_dir):
    folder = uspto_dir / "grants"
    held_out = folder / "ipg080101.small.xml"
    result = runner.invoke(bootstrap_command, [
        "--if-missing", *(str(path) for path in sorted(folder.iterdir()) if path != held_out)])
    assert result.exit_code == 0, result.output
    meta = model_store.served_model(strict=True).metadata
    trained = meta["sources"]["bootstrap"]["groups"]
    assert trained >= 150
    cv = meta["cv_metrics"]

    # The whole folder: the grants the model was trained on are left out, and it says so.
    result = runner.invoke(evaluate_command, [str(folder), "--json"])
    assert result.exit_code == 0, result.output
    assert f"trained on {trained} of these grants: left out" in result.stderr
    report = json.loads(result.stdout)  # stdout holds exactly one JSON object
    assert {"queries", "model", "baselines", "leaky_baselines", "intervals", "margin"} <= set(report)
    assert set(report["leaky_baselines"]) == {"printed_us_class_first"}
    assert report["queries"] >= 15 and set(report["model"]) == METRICS
    assert set(report["baselines"]) == BASELINES
    assert all(set(values) == METRICS for values in report["baselines"].values())
    assert all(0.0 <= v <= 1.0 for v in report["model"].values())
    # Held out (the 2008 grants) and cross-validated, the model beats chance.
    assert report["model"]["map"] > report["baselines"]["random"]["map"]
    assert cv["map"] > report["baselines"]["random"]["map"]
