"""Training: learn from examiner verdicts and the grant examples, save and serve the new model.

One run at a time per model folder (a file lock, across processes); its state is kept in
`training-status.json` so the admin page and `reviewapp ranker status` can show it.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from scoring.inputs import Pair
from scoring.integrity import training_data_sha256
from scoring.metrics import rankable

from ..models import Application, Document, Feedback, Submission
from ..models.base import utcnow
from ..models.feedback import POSITIVE_VERDICTS, VERDICTS
from ..models.submission import ACTIVE
from ..tasks import enqueue
from .bootstrap import Examples, load_bootstrap_examples
from .feature_rows import candidates_where, listed_query, query_for, with_library_signals
from .model_store import model_dir, save_model, write_atomically
from .scores import enqueue_rescore, open_application_ids

log = logging.getLogger(__name__)

# Training labels: 1 where the examiner relied on the document (POSITIVE_VERDICTS). "known"
# is a negative: the model ranks by what the examiner gains from reading an item first, and a
# document the office already had adds nothing; it is also what the grant bootstrap teaches,
# where the applicant's citations (documents the office knew of) are the negatives. The
# reviewer's reputation counts it the same way, so the track-record feature agrees.
VERDICT_LABELS: dict[str, int] = {verdict: int(verdict in POSITIVE_VERDICTS)
                                  for verdict in VERDICTS}
# Grouped cross-validation needs enough applications (or grants) holding both labels.
MIN_CV_GROUPS = 10
CV_SPLITS = 5
STATUS_FILE = "training-status.json"
LOCK_FILE = "train.lock"
TRAIN_THREAD = "reviewapp-train"
TRAIN_JOB = "train"  # the queue task (ranking.jobs runs it)


class TrainingError(RuntimeError):
    """Training cannot run, with a message for the operator."""


def feedback_examples(session: Session) -> Examples:
    """Return (pairs, labels, groups) from examiner verdicts, one group per application."""
    # A submission's label is its latest verdict, whichever examiner gave it. Its features are
    # those serving gave it before the verdict, whatever its status now (a verdict stays a
    # lesson after a withdrawal): computed over the application's whole list (the active
    # submissions, and the judged ones), its community counts as of its first verdict.
    latest: dict[int, str] = {}
    for submission_id, verdict in session.execute(
            select(Feedback.submission_id, Feedback.verdict)
            .order_by(Feedback.submission_id, Feedback.updated_at, Feedback.id)):
        if verdict in VERDICT_LABELS:
            latest[submission_id] = verdict
    if not latest:
        return [], np.empty(0, dtype=int), np.empty(0, dtype=object)
    judged = select(Feedback.submission_id)
    judged_applications = select(Submission.application_id).where(Submission.id.in_(judged))
    by_application = candidates_where(
        session, (Submission.application_id.in_(judged_applications),
                  or_(Submission.status == ACTIVE, Submission.id.in_(judged))),
        as_of_first_verdict=True)
    applications = session.scalars(
        select(Application).where(Application.id.in_(list(by_application))).options(
            joinedload(Application.document).selectinload(Document.claims),
            joinedload(Application.document).selectinload(Document.classifications)))
    pairs: list[Pair] = []
    labels: list[int] = []
    groups: list[str] = []
    for application in sorted(applications, key=lambda a: a.id):
        listed = by_application[application.id]
        query = listed_query(query_for(application), listed)
        with_library_signals(session, application, query, listed)
        for candidate in listed:
            label = latest.get(int(candidate.id))
            if label is None:  # unjudged: part of the list, not an example
                continue
            pairs.append((query, candidate))
            labels.append(VERDICT_LABELS[label])
            groups.append(f"application:{application.id}")
    return pairs, np.asarray(labels, dtype=int), np.asarray(groups, dtype=object)


def train_model(session: Session | None = None, *, enqueue_rescoring: bool = True
                ) -> dict[str, Any]:
    """Train on examiner verdicts and saved grant examples; save, serve, queue rescoring."""
    # Raises TrainingError when there is nothing to learn from or another run is going on,
    # ExamplesError when the saved examples fail verification. The commands pass
    # enqueue_rescoring=False and rescore in-process: `make run` has no queue worker.
    from ..extensions import db

    session = session if session is not None else db.session
    directory = model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with _training_lock(directory):
        started = utcnow().isoformat(timespec="seconds")
        _write_status(directory, {"state": "running", "started_at": started})
        try:
            summary = _train(session, directory)
        except Exception as error:
            _write_status(directory, {"state": "failed", "started_at": started,
                                      "finished_at": utcnow().isoformat(timespec="seconds"),
                                      "message": str(error)})
            raise
        _write_status(directory, {"state": "done", "started_at": started,
                                  "finished_at": utcnow().isoformat(timespec="seconds"),
                                  "version": summary["version"]})
    summary["open_applications"] = open_application_ids(session)
    if enqueue_rescoring:
        for application_id in summary["open_applications"]:
            enqueue_rescore(application_id)
    return summary


def _train(session: Session, directory: Path) -> dict[str, Any]:
    feedback = feedback_examples(session)
    loaded = load_bootstrap_examples(directory)
    parts: list[tuple[str, Examples]] = [("feedback", feedback)]
    if loaded is not None:
        parts.append(("bootstrap", loaded[0]))
    pairs = [pair for _, (p, _, _) in parts for pair in p]
    y = np.concatenate([labels for _, (_, labels, _) in parts]).astype(int)
    groups = np.concatenate([g for _, (_, _, g) in parts]).astype(object)
    if not pairs:
        raise TrainingError(
            "Nothing to train on: no examiner verdicts yet and no saved grant examples. Run "
            "`reviewapp ranker bootstrap PATH...` with USPTO grant XML, or wait for verdicts.")
    rankable_groups = len(set(groups[rankable(y, groups)].tolist()))
    if not rankable_groups:
        raise TrainingError(
            f"Nothing to rank: {len(pairs)} labelled submissions or references, but no "
            "application or grant holds both a positive and a negative one.")
    sources: dict[str, Any] = {"feedback": _describe(feedback, verdicts=True),
               "bootstrap": None if loaded is None else {
                   **_describe(loaded[0]), "sha256": loaded[1]["sha256"],
                   "files": loaded[1]["sources"], "saved_at": loaded[1]["created_at"]}}
    described = []
    if len(feedback[0]):
        described.append(f"examiner verdicts: {sources['feedback']['pairs']} on "
                         f"{sources['feedback']['groups']} applications")
    if loaded is not None:
        described.append(f"USPTO grant citations: {sources['bootstrap']['pairs']} references "
                         f"of {sources['bootstrap']['groups']} grants")
    description = "; ".join(described)
    cv_splits = CV_SPLITS if rankable_groups >= MIN_CV_GROUPS else 0
    from scoring import RankingModel  # scikit-learn: loaded by the process that trains

    try:
        ranker = RankingModel().fit(pairs, cast(Sequence[int], y), cast(Sequence[Any], groups),
                                    description=description, cv_splits=cv_splits)
        cv_note = None if cv_splits else (
            f"not cross-validated: {rankable_groups} applications or grants hold both labels, "
            f"{MIN_CV_GROUPS} are needed")
    except ValueError as error:
        if not cv_splits:
            raise TrainingError(f"Training failed: {error}") from error
        # A fold left without any group holding both labels: train once, uncross-validated.
        ranker = RankingModel().fit(pairs, cast(Sequence[int], y), cast(Sequence[Any], groups),
                                    description=description)
        cv_note = f"cross-validation failed ({error}); trained without it"
    ranker.metadata["sources"] = sources
    ranker.metadata["rankable_groups"] = rankable_groups
    ranker.metadata["cv_note"] = cv_note
    path = save_model(ranker, directory)
    meta = ranker.metadata
    return {"version": meta["version"], "path": str(path), "training_data": meta["training_data"],
            "sources": sources, "cv_metrics": meta["cv_metrics"], "cv_note": cv_note}


def _describe(examples: Examples, verdicts: bool = False) -> dict[str, Any]:
    pairs, y, groups = examples
    out: dict[str, Any] = {"pairs": len(pairs), "positives": int(np.sum(y)), "groups": len(set(groups.tolist())),
           "rankable_groups": len(set(groups[rankable(y, groups)].tolist())) if len(y) else 0}
    if verdicts:
        out["sha256"] = training_data_sha256(pairs, y, groups)
    return out


@contextlib.contextmanager
def _training_lock(directory: Path) -> Iterator[None]:
    """Hold the model folder's training lock (across processes), or refuse at once."""
    import fcntl

    with open(directory / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingError("Another training run is in progress: try again when it "
                                "has finished.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_status(directory: Path, status: dict[str, Any]) -> None:
    write_atomically(directory / STATUS_FILE, json.dumps(status, sort_keys=True) + "\n")


def training_status(directory: Path | None = None) -> dict[str, Any] | None:
    """Return the state of the last training run (running, done, failed, interrupted), if any."""
    directory = directory or model_dir()
    # The lock first: a run holds it from before it writes "running" until after "done".
    running = _training_running(directory)
    try:
        status = json.loads((directory / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict):  # damaged from outside: this project writes an object
        return None
    if status.get("state") == "running" and not running:
        status["state"] = "interrupted"  # the process died before it could say how it ended
    return status


def _training_running(directory: Path) -> bool:
    """Tell whether some process holds the training lock now."""
    try:
        with _training_lock(directory):
            return False
    except TrainingError:
        return True
    except OSError:
        return False


def start_training() -> threading.Thread | None:
    """Queue a training run; with an in-process queue, run it on a thread so no page waits."""
    if not current_app.extensions["huey"].immediate:
        enqueue(TRAIN_JOB)
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                enqueue(TRAIN_JOB)
            except Exception:  # a thread has nobody to raise to
                log.exception("ranker training failed")

    thread = threading.Thread(target=run, name=TRAIN_THREAD, daemon=True)
    thread.start()
    return thread
