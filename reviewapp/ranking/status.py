"""What serves and how well: the ranker's status and its calibration against examiner verdicts."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as installed_version
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Feedback, Score
from ..models.application import as_utc
from ..models.feedback import POSITIVE_VERDICTS
from .bootstrap import ExamplesError, bootstrap_header
from .model_store import served_model
from .training import VERDICT_LABELS, training_status


@dataclass
class RankerStatus:
    """What /admin/ranker and `reviewapp ranker status` show."""

    version: str
    heuristic: bool
    error: str | None
    path: str | None
    metadata: dict[str, Any]
    training: dict[str, Any] | None
    bootstrap: dict[str, Any] | None
    bootstrap_error: str | None = None
    scores: dict[str, int] = field(default_factory=dict)  # model_version -> Score rows
    notes: list[str] = field(default_factory=list)
    calibration: list[dict[str, Any]] = field(default_factory=list)
    calibration_note: str = ""  # which verdicts the bands read, or why there are none

    def as_json(self) -> dict[str, Any]:
        """Return the status as plain JSON data."""
        return asdict(self)


def ranker_status(session: Session) -> RankerStatus:
    """Return which ranker serves, its metadata, the last training run and the scores stored."""
    served = served_model()
    bootstrap, bootstrap_error = None, None
    try:
        bootstrap = bootstrap_header()
    except ExamplesError as error:
        bootstrap_error = str(error)
    scores = {version: int(n) for version, n in session.execute(
        select(Score.model_version, func.count(Score.id)).group_by(Score.model_version)
        .order_by(Score.model_version))}
    notes = []
    meta = served.metadata
    if served.heuristic and not served.error:
        notes.append("No trained model yet: the heuristic ranker serves (hand-set weights).")
    trained_with = meta.get("sklearn_version")
    # The installed version, read without importing scikit-learn (pages load it only to rank).
    running = installed_version("scikit-learn")
    if trained_with and trained_with != running:
        notes.append(f"Trained with scikit-learn {trained_with}, running {running}: "
                     "retrain to be safe.")
    stale = sum(n for version, n in scores.items() if version != served.version)
    if stale:
        notes.append(f"{stale} stored score(s) come from another model version; they are "
                     "replaced as applications are rescored.")
    bands, note = served_calibration(session, served.version, served.heuristic, meta)
    return RankerStatus(
        version=served.version, heuristic=served.heuristic, error=served.error,
        path=str(served.path) if served.path else None, metadata=meta,
        training=training_status(), bootstrap=bootstrap, bootstrap_error=bootstrap_error,
        scores=scores, notes=notes, calibration=bands, calibration_note=note)


CALIBRATION_BINS = 5


def served_calibration(session: Session, version: str, heuristic: bool, metadata: dict[str, Any]
                       ) -> tuple[list[dict[str, Any]], str]:
    """Return the serving model's calibration bands and a note saying which verdicts they read."""
    if heuristic:
        # The heuristic learned from no verdict: every verdict is out of its sample.
        bands = calibration(session, version)
        return bands, ("on every examiner verdict (the heuristic learns from none)" if bands
                       else "no examiner verdicts on this model's scores yet.")
    trained_at = _trained_at(metadata)
    if trained_at is None:
        return [], ("needs verdicts recorded after the model was trained, and this model does "
                    "not say when it was trained.")
    bands = calibration(session, version, judged_after=trained_at)
    if bands:
        return bands, (f"held out by time: only items first judged after the model was trained "
                       f"({metadata['trained_at']}); earlier verdicts were its training labels")
    return [], (f"needs verdicts recorded after the model was trained "
                f"({metadata['trained_at']}): earlier verdicts were its training labels, so "
                "figures on them would be in-sample.")


def calibration(session: Session, version: str, bins: int = CALIBRATION_BINS,
                judged_after: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Return, per score band of one model, how often the examiner used what it scored.

    Bands hold equal numbers of judged submissions (quantiles of the model's stored scores);
    each says "items scored like this were used in N% of cases" (used or relevant, by the
    latest verdict). With `judged_after`, only submissions first judged from that moment on
    count. Empty until the model's scores have such verdicts.
    """
    latest: dict[int, str] = {}
    first: dict[int, dt.datetime] = {}
    for submission_id, verdict, created_at in session.execute(
            select(Feedback.submission_id, Feedback.verdict, Feedback.created_at)
            .order_by(Feedback.submission_id, Feedback.updated_at, Feedback.id)):
        latest[submission_id] = verdict
        moment = as_utc(created_at)
        first[submission_id] = min(first.get(submission_id, moment), moment)
    if judged_after is not None:
        # A submission judged before training was a training row, whatever its verdict now.
        latest = {sid: verdict for sid, verdict in latest.items()
                  if first[sid] >= judged_after}
    rows = [(score, int(latest[sid] in POSITIVE_VERDICTS)) for sid, score in session.execute(
        select(Score.submission_id, Score.score).where(Score.model_version == version))
        if latest.get(sid) in VERDICT_LABELS]
    if not rows:
        return []
    rows.sort()
    out = []
    for part in np.array_split(np.arange(len(rows)), min(bins, len(rows))):
        if not part.size:
            continue
        used = [rows[i][1] for i in part]
        out.append({"low": float(rows[part[0]][0]), "high": float(rows[part[-1]][0]),
                    "judged": len(used), "used": int(sum(used)),
                    "used_share": float(np.mean(used))})
    return out


def _trained_at(metadata: dict[str, Any]) -> dt.datetime | None:
    """Return the end of the second the model's metadata says it was trained in (UTC)."""
    try:
        stamp = dt.datetime.fromisoformat(str(metadata["trained_at"]))
    except (KeyError, ValueError):
        return None
    # trained_at is cut to the second, after training read its verdicts: a verdict within
    # that second may have been read, so only later ones are surely held out.
    return as_utc(stamp).replace(microsecond=0) + dt.timedelta(seconds=1)
