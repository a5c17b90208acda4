"""Ranking services: feature rows from the database, stored scores, the served model, training.

Pages never score: they read Score rows. `rescore_application` writes them, run by the
"rescore" job that `enqueue_rescore` queues after submissions, votes, claim marks and verdicts
commit, and for every open application after each training run.

Score rows (the examiner dashboard, the API, the forwarded report read them; keep stable):
    score          float, higher is better: for a trained model the calibrated probability
                   that the examiner relies on the document; for the heuristic, points (not a
                   probability). Compare scores only within one model_version.
    rank           1..n over the application's active submissions; 1 is read first.
    model_version  "heuristic", or the trained model's version ("ranker-20250801T120000Z-1a2b3c4d").
    explanation    at most three reasons, strongest first:
                   [{"feature": "sim_best_claim", "effect": 0.8123,
                     "text": "claim 1 text similarity 0.41 (high)"}, ...]
                   feature: a scoring feature group (scoring.explain.FEATURE_GROUPS):
                     sim_best_claim, sim_weighted_mean, sim_title_abstract, date, kind,
                     kind_code, ipc_section, ipc_class, ipc_subclass, ipc_group, uspc_class,
                     uspc_subclass, n_claims_targeted, targets_independent, net_votes,
                     endorsements, claim_marks, submitter_track_record, same_country,
                     self_citation, bm25, cited_by, examiner_cited, cocited;
                   effect: signed contribution in the model's score units (log-odds, or
                     heuristic points), > 0 raised the submission, < 0 lowered it; 4 decimals;
                   text: one plain-English phrase for the examiner.
    computed_at    when the row was computed (UTC).

Model files live in MODEL_DIR: `ranker-<stamp>-<hash>.joblib` and its signed `.json`
metadata (scoring.Ranker.save), a `current` file naming the model that serves (replaced
atomically, so a reader never sees half a model), `bootstrap-examples.json.gz` (the examples
read from USPTO grants, reused by every later training run) and `training-status.json`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import hmac
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, joinedload

from scoring import (Candidate, Explanation, HeuristicRanker, ModelIntegrityError, QueryDoc,
                     Ranker, load_ranker)
from scoring.bootstrap import document_key
from scoring.features import Pair
from scoring.metrics import rankable
from scoring.model import training_data_sha256

from ..models import (Application, Claim, ClaimMark, Classification, Document, Endorsement,
                      Feedback, Score, Submission, User, Vote, submission_claims)
from ..models.application import OPEN
from ..models.base import utcnow
from ..models.feedback import KNOWN, NOT_RELEVANT, RELEVANT, USED
from ..models.submission import ACTIVE
from .library import add_library_signals, split_identifier

log = logging.getLogger(__name__)

HEURISTIC_VERSION = "heuristic"
REASONS = 3
# Training labels. "used" and "relevant" mean the examiner relied on the document. "known"
# is a negative: the model ranks by what the examiner gains from reading an item first, and a
# document the office already had adds nothing; it is also what the grant bootstrap teaches,
# where the applicant's citations (documents the office knew of) are the negatives. The
# reviewer's reputation counts it the same way, so the track-record feature agrees.
VERDICT_LABELS: dict[str, int] = {USED: 1, RELEVANT: 1, KNOWN: 0, NOT_RELEVANT: 0}
POSITIVE_VERDICTS = frozenset(v for v, label in VERDICT_LABELS.items() if label)
# Grouped cross-validation needs enough applications (or grants) holding both labels.
MIN_CV_GROUPS = 10
CV_SPLITS = 5
KEEP_MODELS = 3  # the current model and two before it, to roll back by hand

CURRENT_FILE = "current"
CARDS_FILE = "model-cards.json"  # every model ever saved: name, version, data, date
EXAMPLES_FILE = "bootstrap-examples.json.gz"
EXAMPLES_FORMAT = "reviewapp-examples/1"
STATUS_FILE = "training-status.json"
LOCK_FILE = "train.lock"
TRAIN_THREAD = "reviewapp-train"
_MODEL_NAME = re.compile(r"^ranker-\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?\.joblib$")

Examples = tuple[list[Pair], np.ndarray, np.ndarray]


class TrainingError(RuntimeError):
    """Training cannot run, with a message for the operator."""


class ExamplesError(ModelIntegrityError):
    """A saved examples file this project did not write, or that changed since."""


# --- feature rows from the database -------------------------------------------------------

def query_for(application: Application) -> QueryDoc:
    """Return the QueryDoc of an application under review."""
    document = application.document
    return QueryDoc(
        id=document.publication_number,
        claims=[(c.number, c.text or "", bool(c.independent)) for c in document.claims],
        priority_date=document.priority_date or document.filing_date,
        cpc=document.cpc, ipc=document.ipc, uspc=document.uspc,
        title=document.title or "", abstract=document.abstract or "",
        countries=list(document.countries or []),
        parties=[*(document.applicants or []), *(document.inventors or [])],
    )


def with_library_signals(session: Session, application: Application, query: QueryDoc,
                         candidates: Sequence[Candidate]) -> None:
    """Fill the candidates' citation-network and full-text signals from the library."""
    if not candidates:
        return
    ids = [int(c.id) for c in candidates]
    rows = {row.id: row for row in session.execute(
        select(Submission.id, Submission.identifier, Document.publication_number)
        .outerjoin(Document, Document.id == Submission.library_document_id)
        .where(Submission.id.in_(ids)))}
    keys: list[str | None] = []
    numbers: dict[str, str] = {}
    for candidate in candidates:
        row = rows.get(int(candidate.id))
        country, number, _ = split_identifier(row.identifier if row else "")
        key = document_key(country, number) if number else None
        keys.append(key)
        if key and row.publication_number:
            numbers[key] = row.publication_number
    add_library_signals(session, query, candidates, keys, numbers,
                        exclude_documents=[application.document_id])


def with_library_signals_for_documents(session: Session, application: Application,
                                      query: QueryDoc, candidates: Sequence[Candidate],
                                      documents: Sequence[Document]) -> None:
    """Fill the library signals of candidates that are library documents (machine-found)."""
    keys: list[str | None] = [document_key(d.country, d.doc_number) for d in documents]
    numbers = {k: d.publication_number for k, d in zip(keys, documents) if k}
    add_library_signals(session, query, candidates, keys, numbers,
                        exclude_documents=[application.document_id])


def candidates_for(session: Session, application: Application) -> list[Candidate]:
    """Return a Candidate per active submission of `application`, by submission id."""
    where = (Submission.application_id == application.id, Submission.status == ACTIVE)
    return candidates_where(session, where).get(application.id, [])


def candidates_where(session: Session, where: Sequence[Any]) -> dict[int, list[Candidate]]:
    """Return the Candidates of the submissions matching `where`, by application id."""
    # A fixed number of queries, whatever the number of submissions. The app records every
    # vote, endorsement and mark, so their zeros are real; what it does not know stays None
    # or empty (no library copy: no text, no classes; no verdict elsewhere: no track record).
    ids = select(Submission.id).where(*where)
    rows = session.execute(
        select(Submission.id, Submission.application_id, Submission.kind, Submission.title,
               Submission.identifier, Submission.authors,
               Submission.publication_date, Submission.excerpt, Submission.explanation,
               Submission.library_document_id, Submission.submitter_id,
               User.verdicts_positive, User.verdicts_total)
        .join(User, User.id == Submission.submitter_id)
        .where(*where).order_by(Submission.application_id, Submission.id)).all()
    if not rows:
        return {}
    targeted = _grouped(session.execute(
        select(submission_claims.c.submission_id, Claim.number)
        .join(Claim, Claim.id == submission_claims.c.claim_id)
        .where(submission_claims.c.submission_id.in_(ids))
        .order_by(submission_claims.c.submission_id, Claim.number)))
    votes = {sid: (int(up or 0), int(down or 0)) for sid, up, down in session.execute(
        select(Vote.submission_id, _count_if(Vote.value > 0), _count_if(Vote.value < 0))
        .where(Vote.submission_id.in_(ids)).group_by(Vote.submission_id))}
    endorsements = _grouped(session.execute(
        select(Endorsement.submission_id, Endorsement.explanation)
        .where(Endorsement.submission_id.in_(ids)).order_by(Endorsement.id)))
    marks = dict(session.execute(
        select(ClaimMark.submission_id, func.count(ClaimMark.id))
        .where(ClaimMark.submission_id.in_(ids)).group_by(ClaimMark.submission_id)).all())
    library = _library(session, select(Submission.library_document_id).where(*where))
    own = _verdicts_by_application(session, select(Submission.application_id).where(*where))
    out: dict[int, list[Candidate]] = defaultdict(list)
    for row in rows:
        doc = library.get(row.library_document_id)
        up, down = votes.get(row.id, (0, 0))
        notes = [text for text in (row.explanation, *endorsements.get(row.id, ())) if text]
        used, judged = _track_record(row, own.get((row.application_id, row.submitter_id), (0, 0)))
        country, _, kind_code = split_identifier(row.identifier)
        names = list(doc.names) if doc else [n for n in re.split(r";|\band\b", row.authors or "")
                                             if n.strip()]
        out[row.application_id].append(Candidate(
            id=str(row.id), kind=row.kind,
            publication_date=row.publication_date or (doc.publication_date if doc else None),
            title=row.title or (doc.title if doc else ""),
            text=doc.text if doc else "",
            excerpt=row.excerpt or "", explanation="\n\n".join(notes),
            cpc=list(doc.cpc) if doc else [], ipc=list(doc.ipc) if doc else [],
            uspc=list(doc.uspc) if doc else [],
            claims_targeted=targeted.get(row.id, []),
            votes_up=up, votes_down=down,
            endorsements=len(endorsements.get(row.id, ())),
            claim_marks=int(marks.get(row.id, 0)),
            submitter_used=used, submitter_judged=judged,
            country=country, kind_code=kind_code, names=names,
        ))
    return dict(out)


@dataclass(frozen=True, slots=True)
class _LibraryDoc:
    title: str
    publication_date: dt.date | None
    text: str
    cpc: tuple[str, ...]
    ipc: tuple[str, ...]
    uspc: tuple[str, ...]
    names: tuple[str, ...] = ()


def _library(session: Session, document_ids: Any) -> dict[int, _LibraryDoc]:
    """Return the text (abstract + claims) and classes of the library documents selected."""
    heads = session.execute(select(Document.id, Document.title, Document.abstract,
                                   Document.publication_date, Document.applicants,
                                   Document.inventors)
                            .where(Document.id.in_(document_ids))).all()
    if not heads:
        return {}
    claims = _grouped(session.execute(
        select(Claim.document_id, Claim.text).where(Claim.document_id.in_(document_ids))
        .order_by(Claim.document_id, Claim.number)))
    classes: dict[tuple[int, str], list[str]] = defaultdict(list)
    for doc_id, scheme, symbol in session.execute(
            select(Classification.document_id, Classification.scheme, Classification.symbol)
            .where(Classification.document_id.in_(document_ids))
            .order_by(Classification.document_id, Classification.scheme,
                      Classification.position)):
        classes[doc_id, scheme].append(symbol)
    return {
        head.id: _LibraryDoc(
            title=head.title or "", publication_date=head.publication_date,
            text="\n".join(t for t in (head.abstract, *claims.get(head.id, ())) if t),
            cpc=tuple(classes[head.id, "cpc"]), ipc=tuple(classes[head.id, "ipc"]),
            uspc=tuple(classes[head.id, "uspc"]),
            names=tuple([*(head.applicants or []), *(head.inventors or [])]))
        for head in heads
    }


def _verdicts_by_application(session: Session, application_ids: Any
                             ) -> dict[tuple[int, int], tuple[int, int]]:
    """Return (verdicts, positive verdicts) per (application, submitter) on those applications."""
    rows = session.execute(
        select(Submission.application_id, Submission.submitter_id, func.count(Feedback.id),
               _count_if(Feedback.verdict.in_(POSITIVE_VERDICTS)))
        .join(Feedback, Feedback.submission_id == Submission.id)
        .where(Submission.application_id.in_(application_ids))
        .group_by(Submission.application_id, Submission.submitter_id))
    return {(app, user): (int(total), int(positive or 0)) for app, user, total, positive in rows}


def _track_record(row: Any, own: tuple[int, int]) -> tuple[int | None, int | None]:
    """Return (used, judged) of the submitter's verdicts on other applications, None if none."""
    # Verdicts on this very application are left out: in training they would hand the label
    # to the feature, and serving must compute the feature the same way.
    judged = (row.verdicts_total or 0) - own[0]
    if judged <= 0:
        return None, None
    used = min(max((row.verdicts_positive or 0) - own[1], 0), judged)
    return used, judged


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _grouped(rows: Iterable[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for key, value in rows:
        out[key].append(value)
    return out


# --- the served model ---------------------------------------------------------------------

@dataclass(frozen=True)
class ServedModel:
    """The ranker that scores now, its version, and why the heuristic serves if it does."""

    ranker: Ranker | HeuristicRanker
    version: str
    path: Path | None = None  # the model file named by `current`, whether it loaded or not
    error: str | None = None  # why a saved model was refused

    @property
    def heuristic(self) -> bool:
        return self.ranker.is_heuristic

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.ranker.metadata)


# One heuristic per process: it caches the features it last fit (one application's texts).
_HEURISTIC = HeuristicRanker()
_served: OrderedDict[tuple[str, str], tuple[tuple, ServedModel]] = OrderedDict()
_served_lock = threading.Lock()


def model_dir() -> Path:
    """Return the folder of saved models (MODEL_DIR)."""
    return Path(current_app.config["MODEL_DIR"])


def secret_key() -> bytes:
    """Return the key that signs model and examples files: the app's SECRET_KEY."""
    key = current_app.config["SECRET_KEY"]
    return key if isinstance(key, bytes) else str(key).encode()


def current_ranker() -> Ranker | HeuristicRanker:
    """Return the ranker that serves: the saved model, else the heuristic."""
    return served_model().ranker


def served_model(strict: bool = False) -> ServedModel:
    """Return the model that serves: the saved one (cached while unchanged), else the heuristic."""
    # A saved model that fails verification is refused. Commands pass `strict` and get
    # ModelIntegrityError; jobs and pages get the heuristic, the error logged once per change
    # of the files and shown on /admin/ranker: a tampered file must not stop the site.
    directory, key = model_dir(), secret_key()
    cache_key = (str(directory.resolve()), hashlib.sha256(key).hexdigest())
    signature = _files_signature(directory)
    with _served_lock:
        cached = _served.get(cache_key)
        if cached is None or cached[0] != signature:
            cached = (signature, _load_served(directory, key))
            _served[cache_key] = cached
            while len(_served) > 4:  # a process serves one app; tests make many
                _served.popitem(last=False)
            if cached[1].error:
                log.error("ranker: %s; the heuristic serves instead", cached[1].error)
        served = cached[1]
    if strict and served.error:
        raise ModelIntegrityError(served.error)
    return served


def served_version() -> str:
    """Return the version of the model that serves now."""
    return served_model().version


def model_version(ranker: Ranker | HeuristicRanker) -> str:
    """Return the version stored with scores: the model's, or "heuristic"."""
    if ranker.is_heuristic:
        return HEURISTIC_VERSION
    meta = ranker.metadata
    return str(meta.get("version") or f"ranker-{str(meta.get('model_sha256', ''))[:12]}")


def _files_signature(directory: Path) -> tuple:
    """Return what changes whenever `current` or the files it names change."""
    pointer = directory / CURRENT_FILE
    name = _read_pointer(pointer)
    stats = [_stat(pointer)]
    if name:
        model = directory / name
        stats += [name, _stat(model), _stat(model.with_suffix(".json"))]
    return tuple(stats)


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read_pointer(pointer: Path) -> str | None:
    try:
        return pointer.read_text().strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _load_served(directory: Path, key: bytes) -> ServedModel:
    name = _read_pointer(directory / CURRENT_FILE)
    if name is None:
        return ServedModel(_HEURISTIC, HEURISTIC_VERSION)
    path = directory / name
    if not _MODEL_NAME.fullmatch(name):
        error = f"{directory / CURRENT_FILE} names {name!r}, not a model file of this project"
        return ServedModel(_HEURISTIC, HEURISTIC_VERSION, path, error)
    if not path.is_file():
        return ServedModel(_HEURISTIC, HEURISTIC_VERSION, path,
                           f"{path} is named as the current model but is missing")
    try:
        ranker = load_ranker(path, key=key)
    except ModelIntegrityError as error:
        return ServedModel(_HEURISTIC, HEURISTIC_VERSION, path, str(error))
    except Exception as error:  # noqa: BLE001 - e.g. pickled by another scikit-learn
        return ServedModel(_HEURISTIC, HEURISTIC_VERSION, path,
                           f"cannot load {path}: {type(error).__name__}: {error}")
    return ServedModel(ranker, model_version(ranker), path)


def save_model(ranker: Ranker, directory: Path | None = None) -> Path:
    """Save a fitted ranker as a new version and make it the one that serves."""
    directory = directory or model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    digest = ranker.metadata["training_data"]["sha256"][:8]
    version, n = f"ranker-{stamp}-{digest}", 1
    while (directory / f"{version}.joblib").exists():  # retrained within the same second
        n += 1
        version = f"ranker-{stamp}-{digest}-{n}"
    ranker.metadata["version"] = version  # before save: the version is signed too
    path = directory / f"{version}.joblib"
    ranker.save(path, key=secret_key())
    _save_card(directory, ranker.metadata)
    _write_atomically(directory / CURRENT_FILE, path.name + "\n")
    _prune_models(directory, path)
    return path


# --- model cards: what scored, shown wherever a score is -----------------------------------

HEURISTIC_CARD = ("heuristic ranker: documented prior weights (docs/RANKING.md), "
                  "no training data")


def card_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """Return the model card of a trained model's metadata: name, version, data, date."""
    sources = metadata.get("sources") or {}
    feedback, bootstrap = sources.get("feedback") or {}, sources.get("bootstrap") or {}
    data = metadata.get("training_data") or {}
    return {"version": metadata.get("version"), "name": metadata.get("model"),
            "trained_at": metadata.get("trained_at"),
            "grants": int(bootstrap.get("groups") or 0),
            "references": int(bootstrap.get("pairs") or 0),
            "verdicts": int(feedback.get("pairs") or 0),
            "verdict_applications": int(feedback.get("groups") or 0),
            "examples": int(data.get("pairs") or 0)}


def _save_card(directory: Path, metadata: dict[str, Any]) -> None:
    cards = _read_cards(directory)
    card = card_of(metadata)
    cards[str(card["version"])] = card
    _write_atomically(directory / CARDS_FILE, json.dumps(cards, indent=1, sort_keys=True))


def _read_cards(directory: Path) -> dict[str, dict[str, Any]]:
    try:
        cards = json.loads((directory / CARDS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return cards if isinstance(cards, dict) else {}


def describe_model(version: str | None) -> str:
    """Return, in words, the model that produced scores of `version`: name, data, date."""
    if not version:
        return "no stored scores"
    served = served_model()
    if version == HEURISTIC_VERSION:
        if served.heuristic:
            return f"{HEURISTIC_CARD} yet (no examiner verdicts or grant citations learned)"
        return (f"{HEURISTIC_CARD}; scored before model {served.version} was trained (closed "
                "applications keep the scores they were reviewed with)")
    card = _read_cards(model_dir()).get(version)
    if card is None and version == served.version:
        card = card_of(served.metadata)
    if card is None:
        return f"model {version} (its details are no longer on file)"
    parts = []
    if card["references"]:
        parts.append(f"{card['references']:,} citations of {card['grants']:,} USPTO grants")
    if card["verdicts"]:
        parts.append(f"{card['verdicts']:,} examiner verdicts on "
                     f"{card['verdict_applications']:,} applications")
    else:
        parts.append("no examiner verdicts yet")
    date = str(card.get("trained_at") or "")[:10] or "an unknown date"
    note = "" if version == served.version else f"; the serving model is now {served.version}"
    return (f"{card['name']} model {version}, trained {date} on " + " and ".join(parts)
            + ", pulled toward documented prior weights" + note)


def _prune_models(directory: Path, current: Path) -> None:
    models = sorted(directory.glob("ranker-*.joblib"), key=lambda p: p.stat().st_mtime_ns)
    for old in [m for m in models if m != current][:-(KEEP_MODELS - 1) or None]:
        for path in (old, old.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink()


def _write_atomically(path: Path, text: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never a part."""
    data = text.encode() if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- stored scores ------------------------------------------------------------------------

def rescore_application(session: Session, application_id: int) -> int:
    """Rank an application's active submissions and store their scores; return how many."""
    return rescore_applications(session, [application_id])


def rescore_applications(session: Session, application_ids: Iterable[int]) -> int:
    """Rescore several applications with one set of queries; return the submissions scored."""
    ids = sorted(set(application_ids))
    if not ids:
        return 0
    applications = session.scalars(
        select(Application).where(Application.id.in_(ids)).order_by(Application.id).options(
            joinedload(Application.document).selectinload(Document.claims),
            joinedload(Application.document).selectinload(Document.classifications))).all()
    candidates = candidates_where(
        session, (Submission.application_id.in_(ids), Submission.status == ACTIVE))
    existing: dict[int, dict[int, Score]] = defaultdict(dict)
    for score, application_id in session.execute(
            select(Score, Submission.application_id)
            .join(Submission, Submission.id == Score.submission_id)
            .where(Submission.application_id.in_(ids))):
        existing[application_id][score.submission_id] = score
    ranker = current_ranker()
    version = model_version(ranker)
    scored = 0
    for application in applications:
        found = candidates.get(application.id, [])
        query = query_for(application)
        with_library_signals(session, application, query, found)
        ranked = ranker.rank(query, found, reasons=REASONS) if found else []
        _store(session, ranked, version, existing[application.id])
        scored += len(ranked)
    session.flush()
    return scored


def store_scores(session: Session, application_id: int,
                 ranked: Sequence[tuple[Candidate, float, Explanation]], version: str) -> None:
    """Upsert the Score rows of ranked candidates (best first); drop those of other submissions."""
    existing = {score.submission_id: score for score in session.scalars(
        select(Score).join(Submission, Submission.id == Score.submission_id)
        .where(Submission.application_id == application_id))}
    _store(session, ranked, version, existing)
    session.flush()


def _store(session: Session, ranked: Sequence[tuple[Candidate, float, Explanation]],
           version: str, existing: dict[int, Score]) -> None:
    now = utcnow()
    kept = set()
    for rank, (candidate, value, explanation) in enumerate(ranked, start=1):
        submission_id = int(candidate.id)
        kept.add(submission_id)
        row = existing.get(submission_id)
        if row is None:
            row = Score(submission_id=submission_id)
            session.add(row)
        row.score = float(value) if math.isfinite(value) else 0.0
        row.rank = rank
        row.model_version = version
        row.explanation = explanation_json(explanation)
        row.computed_at = now
    for submission_id, row in existing.items():
        if submission_id not in kept:  # withdrawn, hidden or moved: no longer ranked
            session.delete(row)


def explanation_json(explanation: Explanation) -> list[dict[str, Any]]:
    """Return an Explanation as stored in Score.explanation (see the module docstring)."""
    return [{"feature": r.feature, "effect": round(float(r.effect), 4), "text": r.text}
            for r in explanation.reasons]


def enqueue_rescore(application_id: int) -> None:
    """Queue the rescoring of one application (call after the change has committed)."""
    from ..tasks import enqueue

    enqueue("rescore", application_id)


def open_application_ids(session: Session) -> list[int]:
    """Return the ids of the applications under review."""
    return list(session.scalars(select(Application.id).where(Application.status == OPEN)
                                .order_by(Application.id)))


# --- examiner verdicts -> track record ----------------------------------------------------

def recount_track_record(session: Session, submitter: User) -> None:
    """Set a submitter's verdict counters and reputation from the feedback rows on their work."""
    # Counted, never incremented: concurrent verdicts on one submitter's work once left counters
    # such as 3 total / 5 positive. Call it after writing the feedback: the row lock makes each
    # recount wait for the one before to commit, and (READ COMMITTED) the count, a statement
    # after the lock, then sees that commit, so the last recount counts every verdict.
    session.execute(select(User.id).where(User.id == submitter.id).with_for_update())
    total, positive = session.execute(
        select(func.count(Feedback.id), _count_if(Feedback.verdict.in_(POSITIVE_VERDICTS)))
        .join(Submission, Submission.id == Feedback.submission_id)
        .where(Submission.submitter_id == submitter.id)).one()
    total, positive = int(total), int(positive or 0)
    # reputation = (positive + 1) / (total + 2): the Laplace-smoothed share of verdicts where
    # the examiner relied on the submitter's art, so one lucky verdict is not a perfect score.
    session.execute(
        update(User).where(User.id == submitter.id).values(
            verdicts_total=total, verdicts_positive=positive,
            reputation=(positive + 1) / (total + 2) if total else 0.0,
        ).execution_options(synchronize_session=False))
    session.expire(submitter, ["verdicts_total", "verdicts_positive", "reputation"])


# --- training data ------------------------------------------------------------------------

def feedback_examples(session: Session) -> Examples:
    """Return (pairs, labels, groups) from examiner verdicts, one group per application."""
    # A submission's label is its latest verdict, whichever examiner gave it; its features are
    # read as they are now, whatever its status (a verdict stays a lesson after a withdrawal).
    latest: dict[int, str] = {}
    for submission_id, verdict in session.execute(
            select(Feedback.submission_id, Feedback.verdict)
            .order_by(Feedback.submission_id, Feedback.updated_at, Feedback.id)):
        if verdict in VERDICT_LABELS:
            latest[submission_id] = verdict
    if not latest:
        return [], np.empty(0, dtype=int), np.empty(0, dtype=object)
    judged = select(Feedback.submission_id)
    by_application = candidates_where(session, (Submission.id.in_(judged),))
    applications = session.scalars(
        select(Application).where(Application.id.in_(list(by_application))).options(
            joinedload(Application.document).selectinload(Document.claims),
            joinedload(Application.document).selectinload(Document.classifications)))
    pairs: list[Pair] = []
    labels: list[int] = []
    groups: list[str] = []
    for application in sorted(applications, key=lambda a: a.id):
        query = query_for(application)
        with_library_signals(session, application, query, by_application[application.id])
        for candidate in by_application[application.id]:
            verdict = latest.get(int(candidate.id))
            if verdict is None:
                continue
            pairs.append((query, candidate))
            labels.append(VERDICT_LABELS[verdict])
            groups.append(f"application:{application.id}")
    return pairs, np.asarray(labels, dtype=int), np.asarray(groups, dtype=object)


def grants_from(paths: Iterable[str | Path], progress: Callable[[int], None] | None = None
                ) -> tuple[list[Any], list[Any]]:
    """Return the grants (PatentRecords) read from USPTO XML paths, and the read errors."""
    from ..ingest import ParseError, PatentRecord, read_documents

    grants, errors = [], []
    for item in read_documents(paths, progress=progress):
        if isinstance(item, PatentRecord) and item.doc_type == "grant":
            grants.append(item)
        elif isinstance(item, ParseError):
            errors.append(item)
    return grants, errors


def source_files(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Return name, size and SHA-256 of every file read from paths (what the data came from)."""
    from ..ingest.sources import input_files

    out = []
    for path in input_files(paths):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out.append({"file": path.name, "bytes": path.stat().st_size,
                    "sha256": digest.hexdigest()})
    return out


def save_bootstrap_examples(pairs: Sequence[Pair], y: np.ndarray, groups: np.ndarray,
                            sources: list[dict[str, Any]], directory: Path | None = None
                            ) -> dict[str, Any]:
    """Save grant examples as signed gzip JSON lines in MODEL_DIR; return the header."""
    # Plain data, never a pickle: loading it cannot run code. Line 1 is the header (counts,
    # sources, SHA-256 of the examples, HMAC), line 2 the queries, line 3 the rows
    # [query index, candidate, label, group]; the header alone is cheap to read for status.
    directory = directory or model_dir()
    directory.mkdir(parents=True, exist_ok=True)
    query_index: dict[int, int] = {}
    queries: list[dict[str, Any]] = []
    rows = []
    for (query, candidate), label, group in zip(pairs, y, groups):
        if id(query) not in query_index:
            query_index[id(query)] = len(queries)
            queries.append(asdict(query))
        rows.append([query_index[id(query)], asdict(candidate), int(label), str(group)])
    header = {
        "format": EXAMPLES_FORMAT,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "sources": sources,
        "grants": len(queries), "pairs": len(rows), "positives": int(np.sum(y)),
        "sha256": training_data_sha256(pairs, y, groups),
    }
    header["hmac_sha256"] = _sign(header)
    lines = [json.dumps(part, default=_jsonable, sort_keys=True)
             for part in (header, queries, rows)]
    _write_atomically(directory / EXAMPLES_FILE, gzip.compress("\n".join(lines).encode(), 6))
    return header


def bootstrap_header(directory: Path | None = None) -> dict[str, Any] | None:
    """Return the verified header of the saved grant examples, None when there are none."""
    path = (directory or model_dir()) / EXAMPLES_FILE
    if not path.is_file():
        return None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = json.loads(handle.readline())
    except (OSError, EOFError, ValueError) as error:
        raise ExamplesError(f"{path} is not a readable examples file: {error}") from error
    _check_header(path, header)
    return header


def load_bootstrap_examples(directory: Path | None = None
                            ) -> tuple[Examples, dict[str, Any]] | None:
    """Return the saved grant examples and their header, None when there are none."""
    path = (directory or model_dir()) / EXAMPLES_FILE
    if not path.is_file():
        return None
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header, queries, rows = (json.loads(line) for line in handle.read().split("\n"))
    except (OSError, EOFError, ValueError) as error:
        raise ExamplesError(f"{path} is not a readable examples file: {error}") from error
    _check_header(path, header)
    try:
        docs = [_query(q) for q in queries]
        pairs = [(docs[qi], _candidate(c)) for qi, c, _, _ in rows]
    except (TypeError, ValueError, IndexError, KeyError) as error:
        raise ExamplesError(f"{path} holds malformed examples: {error}") from error
    y = np.asarray([row[2] for row in rows], dtype=int)
    groups = np.asarray([row[3] for row in rows], dtype=object)
    if training_data_sha256(pairs, y, groups) != header["sha256"]:
        raise ExamplesError(f"{path}: the examples do not match the SHA-256 of their header: "
                            "refusing to train on them")
    return (pairs, y, groups), header


def _check_header(path: Path, header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != EXAMPLES_FORMAT:
        raise ExamplesError(f"{path} is not {EXAMPLES_FORMAT} data: refusing to use it")
    if not hmac.compare_digest(str(header.get("hmac_sha256", "")), _sign(header)):
        raise ExamplesError(f"{path} is not signed with this site's key (changed, or saved by "
                            "someone else): refusing to use it")


def _sign(header: dict[str, Any]) -> str:
    unsigned = {k: v for k, v in header.items() if k != "hmac_sha256"}
    message = json.dumps(unsigned, sort_keys=True, default=str).encode()
    return hmac.new(secret_key(), message, hashlib.sha256).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in examples")


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _query(data: dict[str, Any]) -> QueryDoc:
    data = dict(data)
    data["claims"] = [(int(n), str(t), bool(i)) for n, t, i in data["claims"]]
    data["priority_date"] = _day(data["priority_date"])
    return QueryDoc(**data)


def _candidate(data: dict[str, Any]) -> Candidate:
    data = dict(data)
    data["publication_date"] = _day(data["publication_date"])
    return Candidate(**data)


# --- training -----------------------------------------------------------------------------

def train_model(session: Session | None = None, *, enqueue_rescoring: bool = True
                ) -> dict[str, Any]:
    """Train on examiner verdicts and saved grant examples; save, serve, queue rescoring."""
    # Raises TrainingError when there is nothing to learn from or another run is going on,
    # ExamplesError when the saved examples fail verification. The commands pass
    # enqueue_rescoring=False and rescore in-process: `make run` has no queue worker.
    from ..extensions import db

    session = session or db.session
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
    sources = {"feedback": _describe(feedback, verdicts=True),
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
    try:
        ranker = Ranker().fit(pairs, y, groups, description=description, cv_splits=cv_splits)
        cv_note = None if cv_splits else (
            f"not cross-validated: {rankable_groups} applications or grants hold both labels, "
            f"{MIN_CV_GROUPS} are needed")
    except ValueError as error:
        if not cv_splits:
            raise TrainingError(f"Training failed: {error}") from error
        # A fold left without any group holding both labels: train once, uncross-validated.
        ranker = Ranker().fit(pairs, y, groups, description=description)
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
    out = {"pairs": len(pairs), "positives": int(np.sum(y)), "groups": len(set(groups.tolist())),
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
    _write_atomically(directory / STATUS_FILE, json.dumps(status, sort_keys=True) + "\n")


def training_status(directory: Path | None = None) -> dict[str, Any] | None:
    """Return the state of the last training run (running, done, failed, interrupted), if any."""
    directory = directory or model_dir()
    # The lock first: a run holds it from before it writes "running" until after "done".
    running = _training_running(directory)
    try:
        status = json.loads((directory / STATUS_FILE).read_text())
    except (OSError, ValueError):
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
    from ..tasks import enqueue

    if not current_app.extensions["huey"].immediate:
        enqueue("train")
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                enqueue("train")
            except Exception:  # noqa: BLE001 - a thread has nobody to raise to
                log.exception("ranker training failed")

    thread = threading.Thread(target=run, name=TRAIN_THREAD, daemon=True)
    thread.start()
    return thread


# --- status -------------------------------------------------------------------------------

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
    if trained_with and trained_with != sklearn.__version__:
        notes.append(f"Trained with scikit-learn {trained_with}, running {sklearn.__version__}: "
                     "retrain to be safe.")
    stale = sum(n for version, n in scores.items() if version != served.version)
    if stale:
        notes.append(f"{stale} stored score(s) come from another model version; they are "
                     "replaced as applications are rescored.")
    return RankerStatus(
        version=served.version, heuristic=served.heuristic, error=served.error,
        path=str(served.path) if served.path else None, metadata=meta,
        training=training_status(), bootstrap=bootstrap, bootstrap_error=bootstrap_error,
        scores=scores, notes=notes, calibration=calibration(session, served.version))


CALIBRATION_BINS = 5


def calibration(session: Session, version: str, bins: int = CALIBRATION_BINS
                ) -> list[dict[str, Any]]:
    """Return, per score band of one model, how often the examiner used what it scored.

    Bands hold equal numbers of judged submissions (quantiles of the model's stored scores);
    each says "items scored like this were used in N% of cases" (used or relevant, by the
    latest verdict). Empty until the model's scores have verdicts.
    """
    latest: dict[int, str] = {}
    for submission_id, verdict in session.execute(
            select(Feedback.submission_id, Feedback.verdict)
            .order_by(Feedback.submission_id, Feedback.updated_at, Feedback.id)):
        latest[submission_id] = verdict
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


def in_sample_files(paths: Iterable[str | Path], metadata: dict[str, Any]) -> list[str]:
    """Return the files among paths whose grants the model was trained on."""
    trained = {f.get("sha256") for f in
               ((metadata.get("sources") or {}).get("bootstrap") or {}).get("files", [])}
    return [f["file"] for f in source_files(paths) if f["sha256"] in trained]
