"""Benchmark rescore_application: one application with 200 submissions, on SQLite.

Prints the median time of each part of a rescore: reading the feature rows from the
database, scoring (rank with explanations; the part with the 50 ms target), writing the
Score rows and committing, and the whole job. "warm": the texts were scored before (a
rescore after a vote); "cold": a fresh worker process (empty text cache). For the
heuristic and for a model trained on examiner verdicts. Texts come from the demo data set,
so the shared USPTO files are not needed.

    .venv/bin/python bench/rescore_bench.py [--repeats 20] [--submissions 200]
"""
from __future__ import annotations

import argparse
import datetime as dt
import pickle
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import median_ms
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from reviewapp import create_app, demo
from reviewapp.extensions import db
from reviewapp.models import (
    Application,
    Claim,
    ClaimMark,
    Classification,
    Document,
    Endorsement,
    Feedback,
    Submission,
    User,
    Vote,
)
from reviewapp.models.application import CLOSED, OPEN
from reviewapp.models.base import utcnow
from reviewapp.ranking import feature_rows, model_store, scores, training
from scoring import HeuristicRanker

TARGET_MS = 50.0
VOLUNTEERS = 30
TRAINING_REVIEWS = 12


def texts() -> list[tuple[demo.DocSpec, demo.PriorArtHint | None]]:
    """Return every demo document with a prior-art hint about it, when there is one."""
    data = demo.dataset()
    hints = {h.document: h for h in data.prior_art}
    docs = data.library + [review.document for review in data.applications]
    return [(doc, hints.get(doc.publication_number)) for doc in docs]


def library_document(k: int, spec: demo.DocSpec) -> Document:
    """Return a library copy of a demo document, made distinct by its number and one line."""
    return Document(
        publication_number=f"US{8_000_000 + k}B2", doc_type="grant", doc_number=f"{8_000_000 + k}",
        kind="B2", title=spec.title, abstract=f"{spec.abstract} Embodiment {k}.",
        publication_date=dt.date(2012, 1, 3) + dt.timedelta(days=7 * (k % 300)),
        claims=[Claim(number=c.number, text=c.text, depends_on=list(c.depends_on),
                      independent=c.independent) for c in spec.claims],
        classifications=[Classification(scheme="cpc", symbol=s, position=i)
                         for i, s in enumerate(spec.cpc)])


def review(spec: demo.DocSpec, status: str, number: str) -> Application:
    document = library_document(0, spec)
    document.publication_number, document.doc_type, document.kind = number, "application", "A1"
    document.priority_date = document.filing_date = dt.date(2020, 6, 1)
    now = utcnow()
    return Application(document=document, status=status, opens_at=now - dt.timedelta(days=30),
                       closes_at=now + dt.timedelta(days=60))


def populate(n: int) -> tuple[int, list[int]]:
    """Create the benchmark application with n submissions and the judged training reviews."""
    rng = random.Random(0)
    session = db.session
    people = [User(email=f"v{k}@bench.test", display_name=f"V{k}", verdicts_total=t,
                   verdicts_positive=rng.randint(0, t))
              for k, t in enumerate(rng.choice([0, 0, 2, 5, 9]) for _ in range(VOLUNTEERS))]
    examiner = User(email="examiner@bench.test", display_name="Examiner", role="examiner")
    session.add_all([*people, examiner])
    sources = texts()
    specs = [spec for spec, _ in sources]
    target = review(demo.dataset().applications[0].document, OPEN, "US20209999999A1")
    session.add(target)
    session.flush()
    claims = target.document.claims
    doc_number = 1
    for k in range(n):
        spec, hint = sources[k % len(sources)]
        kind = ("us", "us", "foreign", "npl")[k % 4]
        doc = None
        if kind != "npl":
            doc = library_document(doc_number, spec)
            doc_number += 1
            session.add(doc)
            session.flush()
        submitter = people[k % VOLUNTEERS]
        submission = Submission(
            application_id=target.id, submitter_id=submitter.id, kind=kind,
            identifier=doc.publication_number if doc else f"npl:{k}",
            library_document_id=doc.id if doc else None, title=spec.title,
            publication_date=dt.date(2012, 1, 3) + dt.timedelta(days=k),
            pinpoint=hint.pinpoint if hint else "[0010]",
            excerpt=hint.excerpt if hint else spec.abstract[:300],
            explanation=(hint.explanation if hint else spec.abstract)[:1000],
            claims=rng.sample(claims, rng.randint(1, 3)))
        session.add(submission)
        session.flush()
        voters = rng.sample([p for p in people if p is not submitter], rng.randint(0, 8))
        session.add_all(Vote(submission_id=submission.id, user_id=v.id,
                             value=rng.choice([1, 1, 1, -1])) for v in voters)
        for v in voters[:rng.randint(0, 2)]:
            session.add(Endorsement(submission_id=submission.id, user_id=v.id,
                                    explanation=f"Also read {spec.title}.", pinpoint="[0011]"))
        for v in voters[:rng.randint(0, 3)]:
            session.add(ClaimMark(submission_id=submission.id, user_id=v.id,
                                  claim_id=rng.choice(claims).id))
    # Closed reviews with verdicts: what a trained model learns from.
    judged = []
    for r in range(TRAINING_REVIEWS):
        app_spec = demo.dataset().applications[r + 1].document
        application = review(app_spec, CLOSED, f"US2020{8_000_000 + r:07d}A1")
        session.add(application)
        session.flush()
        judged.append(application.id)
        relevant = [s for s in specs if s.topic == app_spec.topic and s is not app_spec][:3]
        others = rng.sample([s for s in specs if s.area != app_spec.area], 3)
        for j, spec in enumerate(relevant + others):
            doc = library_document(doc_number, spec)
            doc_number += 1
            session.add(doc)
            session.flush()
            submission = Submission(
                application_id=application.id, submitter_id=people[(r + j) % VOLUNTEERS].id,
                kind="us", identifier=doc.publication_number, library_document_id=doc.id,
                title=spec.title, publication_date=doc.publication_date,
                explanation=spec.abstract[:600], claims=application.document.claims[:1])
            session.add(submission)
            session.flush()
            session.add(Feedback(submission_id=submission.id, examiner_id=examiner.id,
                                 verdict="used" if spec in relevant else "not_relevant"))
    session.commit()
    return target.id, judged


def time_parts(label: str, application_id: int, repeats: int,
               fresh_ranker: Callable[[], object] | None) -> None:
    """Print the median time of reading, scoring, writing and the whole rescore job."""
    state: dict = {}

    def fresh_session() -> None:
        db.session.remove()  # every job runs in its own app context and session

    def read() -> None:
        application = db.session.scalar(
            select(Application).where(Application.id == application_id).options(
                joinedload(Application.document).selectinload(Document.claims),
                joinedload(Application.document).selectinload(Document.classifications)))
        state["query"] = feature_rows.query_for(application)
        state["candidates"] = feature_rows.candidates_for(db.session, application)

    served = model_store.current_ranker()
    state["ranker"] = served

    def score() -> None:
        state["ranked"] = state["ranker"].rank(state["query"], state["candidates"],
                                               reasons=scores.REASONS)

    def write() -> None:
        scores.store_scores(db.session, application_id, state["ranked"],
                              model_store.model_version(served))
        db.session.commit()

    def whole() -> None:
        scores.rescore_application(db.session, application_id)
        db.session.commit()

    read_ms = median_ms(read, repeats, before=fresh_session)
    score()
    write()  # the first write inserts the rows; later ones update them, as in production
    warm_ms = median_ms(score, repeats)
    cold_ms = None
    if fresh_ranker is not None:
        def cold() -> None:
            state["ranker"] = fresh_ranker()
        cold_ms = median_ms(score, repeats, before=cold)
        state["ranker"] = served
        score()
    write_ms = median_ms(write, repeats, before=fresh_session)
    whole_ms = median_ms(whole, repeats, before=fresh_session)
    flag = "ok" if warm_ms < TARGET_MS else "SLOW"
    print(f"  {label}:")
    print(f"    scoring (rank + explanations)  warm {warm_ms:6.1f} ms"
          + (f"  cold {cold_ms:6.1f} ms" if cold_ms is not None else "")
          + f"  [{flag}: target < {TARGET_MS:.0f} ms]")
    print(f"    database read (feature rows)   {read_ms:6.1f} ms")
    print(f"    database write (scores+commit) {write_ms:6.1f} ms")
    print(f"    whole rescore_application      {whole_ms:6.1f} ms (warm, commit included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": "rescore-bench-key", "HUEY_IMMEDIATE": True,
        })
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            application_id, judged = populate(args.submissions)
            print(f"SQLite, one application with {args.submissions} submissions "
                  f"({time.perf_counter() - start:.1f} s to create), median of {args.repeats}:")

            time_parts("HeuristicRanker (no model)", application_id, args.repeats,
                       fresh_ranker=HeuristicRanker)

            start = time.perf_counter()
            summary = training.train_model(db.session, enqueue_rescoring=False)
            print(f"  train_model on {summary['training_data']['pairs']} verdicts of "
                  f"{len(judged)} closed reviews (+ cross-validation): "
                  f"{time.perf_counter() - start:.2f} s")
            model_store._served.clear()
            start = time.perf_counter()
            served = model_store.served_model(strict=True)
            print(f"  loading and verifying the saved model: "
                  f"{(time.perf_counter() - start) * 1000:.1f} ms")
            frozen = pickle.dumps(served.ranker)  # unpickling drops the text cache: cold
            time_parts(f"RankingModel {served.version}", application_id, args.repeats,
                       fresh_ranker=lambda: pickle.loads(frozen))
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
