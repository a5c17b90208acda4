"""What the demo volunteers and the examiner do, through the services the site's pages call.

On each review opened by this load: its area's volunteers watch it and tag it; they submit
the prior art of the hints (an anticipation, most often a partial disclosure, now and then a
document of another field) with `submit_prior_art`, which checks the window, the publication
date against the priority date and the claims; a second volunteer finding the anticipation
submits it too and so endorses it; others vote and mark claim 1. Off-topic submissions on
open reviews are flagged for the moderators. Reviews meant to be closed are then closed with
their report frozen, and the examiner gives verdicts with `record_feedback`.

The "too late" hints are never submitted (the date check refuses them; they stay in the
data set for the browser test of that check). Votes come only from volunteers who neither
submitted nor endorsed the document: the services refuse those votes.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..applications import services as applications
from ..community import moderation, tags, votes
from ..examiner import forwarding
from ..examiner.verdicts import record_feedback
from ..models import Application, Document, Submission, User
from ..models.application import CLOSED, OPEN, as_utc
from ..priorart import checks, conflicts, submitting
from .data import area_reviewers, story
from .dataset import dataset, prior_art_by_application, unrelated_hint
from .reviews import planned_close
from .specs import ANTICIPATES, OBVIOUS, SEED, TOO_LATE, UNRELATED, PriorArtHint

EXAMINER = "examiner@example.org"


@dataclass
class Made:
    """A submission the demo made, with the hint it came from and its own random stream."""

    hint: PriorArtHint
    submission: Submission
    rng: random.Random


def backdate(row: Any, moment: dt.datetime) -> None:
    """Date a row written by a service at the moment the demo's story places it.

    The services stamp rows with the clock; the demo tells weeks of a review in one load, so
    its rows get their place in that story (a submission dated after its window closed would
    read wrong on the site and in the report).
    """
    row.created_at = row.updated_at = moment


def moment_of(value: dt.datetime | None) -> dt.datetime:
    """Return a stored moment in UTC; the demo only reads moments its own services wrote."""
    moment = as_utc(value)
    assert moment is not None, "a demo window or row without its moment"
    return moment


def hints_for(number: str, planned: str, index: int) -> list[PriorArtHint]:
    """Return the hints to submit on one review: the prior-art ones, and on a closed review
    lacking one a weak document of another field, so that its verdicts teach both labels."""
    hints = [h for h in prior_art_by_application().get(number, [])
             if h.relation != TOO_LATE and h.before_priority]
    if planned == CLOSED and not any(h.relation == UNRELATED for h in hints):
        data = dataset()
        app_spec = next(r.document for r in data.applications
                        if r.document.publication_number == number)
        library = [doc for doc in data.library if doc.role != "late"]
        offset = (index * 7) % len(library)
        other = next(doc for doc in library[offset:] + library
                     if doc.area != app_spec.area and doc.publication_date < app_spec.priority_date)
        hints.append(unrelated_hint(app_spec, other, area_reviewers()[app_spec.area][-1]))
    return hints


def submit(session: Session, application: Application, user: User, hint: PriorArtHint,
           explanation: str, moment: dt.datetime) -> submitting.SubmissionOutcome:
    """Put a hint's document forward as `user` at `moment`, as the submission form does."""
    data = checks.SubmissionData(
        kind="us", identifier=hint.document, pinpoint=hint.pinpoint, excerpt=hint.excerpt,
        claim_numbers=list(hint.claims), explanation=explanation, has_conflict=False)
    outcome = submitting.submit_prior_art(session, application, user, data, now=moment)
    declaration = conflicts.conflict_declaration(session, application, user)
    if declaration is not None and moment_of(declaration.created_at) > moment:
        backdate(declaration, moment)
    backdate(outcome.endorsement or outcome.submission, moment)
    return outcome


def take_part(session: Session, accounts: dict[str, User], library: dict[str, Document],
              reviews: dict[str, Application], opened: dict[str, str], now: dt.datetime
              ) -> list[Made]:
    """Watch, tag, submit, endorse, vote and mark on the reviews opened now (`opened`: their
    planned status); return the submissions made."""
    reviewers_of = area_reviewers()
    areas = {r.document.publication_number: r.document.area for r in dataset().applications}
    volunteers = [u for u in accounts.values() if u.role == "volunteer"]
    made: list[Made] = []
    for index, (number, application) in enumerate(reviews.items()):
        if number not in opened:
            continue
        area = areas[number]
        team = [accounts[e] for e in reviewers_of[area] if e in accounts]
        for user in team:
            applications.watch_application(session, application, user)
        if team:
            tags.add_tag(session, application, story()["area_tags"][area], team[0])
        opens = moment_of(application.opens_at)
        end = min(planned_close(application), now)
        for hint in hints_for(number, opened[number], index):
            submitter = accounts.get(hint.reviewer)
            if library.get(hint.document) is None or submitter is None:
                continue
            rng = random.Random(f"{SEED}/{number}/{hint.document}")
            moment = opens + (end - opens) * rng.uniform(0.05, 0.5)
            outcome = submit(session, application, submitter, hint, hint.explanation, moment)
            made.append(Made(hint, outcome.submission, rng))
            react(session, application, outcome.submission, hint, rng, team, volunteers, end)
            if hint.relation == UNRELATED and opened[number] == OPEN:
                flag_off_topic(session, outcome.submission, hint, team)
    session.flush()
    return made


def react(session: Session, application: Application, submission: Submission,
          hint: PriorArtHint, rng: random.Random, team: list[User], volunteers: list[User],
          end: dt.datetime) -> None:
    """Let the other volunteers endorse, vote on and mark claims of a new submission."""
    start = moment_of(submission.created_at)
    endorser = next((u for u in team if u.email != hint.reviewer), None)
    if hint.relation == ANTICIPATES and endorser is not None and rng.random() < 0.6:
        moment = start + (end - start) * rng.uniform(0.1, 0.9)
        text = story()["explanations"]["endorsement"].format(pinpoint=hint.pinpoint,
                                                             document=hint.document)
        submit(session, application, endorser, hint, text, moment)
    else:
        endorser = None
    ups, downs = {ANTICIPATES: (rng.randint(2, 3), int(rng.random() < 0.2)),
                  OBVIOUS: (rng.randint(1, 2), rng.randint(0, 1)),
                  UNRELATED: (rng.randint(0, 1), rng.randint(1, 2))}[hint.relation]
    # Neither the submitter nor an endorser may vote on a document they put forward.
    others = [u for u in volunteers if u.email != hint.reviewer and u is not endorser]
    claim_1 = next((c for c in application.document.claims if c.number == 1), None)
    for k, voter in enumerate(rng.sample(others, min(ups + downs, len(others)))):
        moment = start + (end - start) * rng.uniform(0.1, 0.9)
        backdate(votes.cast_vote(session, submission, voter, 1 if k < ups else -1), moment)
        if k < ups and hint.relation == ANTICIPATES and claim_1 is not None \
                and rng.random() < 0.5:
            votes.set_claim_mark(session, submission, voter, claim_1.id, marked=True)


def flag_off_topic(session: Session, submission: Submission, hint: PriorArtHint,
                   team: list[User]) -> None:
    """Let an area reviewer other than the submitter flag an off-topic submission."""
    reporter = next((u for u in team if u.email != hint.reviewer), None)
    if reporter is not None:
        moderation.flag_content(session, reporter, submission, story()["flag"]["reason"])


def close_reviews(session: Session, accounts: dict[str, User], reviews: dict[str, Application],
                  opened: dict[str, str], made: list[Made], now: dt.datetime) -> None:
    """Close the reviews meant to be closed at their planned end, freezing their reports, and
    record the examiner's verdicts on their submissions."""
    closing = {number: reviews[number] for number, planned in opened.items() if planned == CLOSED}
    for application in closing.values():
        forwarding.close_and_freeze(session, application, now=planned_close(application))
    examiner = accounts.get(EXAMINER)
    verdicts, notes = story()["verdicts"], story()["verdict_notes"]
    for item in made:
        closed = closing.get(item.hint.application)
        if closed is None or examiner is None:
            continue
        verdict = verdicts[item.hint.relation]
        feedback = record_feedback(session, item.submission, examiner, verdict, notes[verdict])
        moment = min(moment_of(closed.closes_at) + dt.timedelta(days=item.rng.uniform(1, 7)), now)
        backdate(feedback, moment)
    session.flush()


def demo_submission_count(session: Session, reviews: dict[str, Application]) -> int:
    """Return how many submissions the demo's reviews hold."""
    ids = [application.id for application in reviews.values()]
    return len(session.scalars(select(Submission.id)
                               .where(Submission.application_id.in_(ids))).all())
