"""Load the demo: accounts, documents, reviews and what the volunteers did, via the services."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Document
from ..models.base import utcnow
from ..ranking.scores import rescore_applications
from .accounts import create_accounts
from .activity import close_reviews, demo_submission_count, take_part
from .dataset import dataset
from .discussion import start_discussions
from .library import write_documents
from .reset import reset_demo
from .reviews import open_windows
from .specs import SOURCE

CLOCK_TOLERANCE = dt.timedelta(days=1)


@dataclass
class DemoResult:
    """What the demo holds after loading: counts of its rows and the documents to index.

    `document_ids` lists every demo document now in the database plus those a reset
    removed, so that indexing them brings the search index in line.
    """

    applications: int
    library: int
    submissions: int
    document_ids: list[int] = field(default_factory=list)


def load_demo(session: Session, reset: bool = False, now: dt.datetime | None = None
              ) -> DemoResult:
    """Create whatever part of the demo is missing; with `reset`, delete it first.

    Flushes, never commits. Windows are placed relative to `now` (the clock by default; it
    must be within a day of the clock, which the services check windows against). Loading
    again changes nothing: activity is only added to the reviews this load creates.
    """
    clock = utcnow()
    now = now or clock
    if abs(now - clock) > CLOCK_TOLERANCE:
        raise ValueError("load the demo at the present moment: the services check the review "
                         "windows against the clock")
    removed = reset_demo(session) if reset else []
    data = dataset()
    accounts = create_accounts(session)
    library, _new = write_documents(session, data.library, reviews=False)
    documents, created = write_documents(
        session, [review.document for review in data.applications], reviews=True)
    reviews, opened = open_windows(session, data.applications, documents, created, now)
    made = take_part(session, accounts, library, reviews, opened, now)
    close_reviews(session, accounts, reviews, opened, made, now)
    start_discussions(session, accounts, reviews)
    # Scores now, not when the queued rescoring jobs run: the pages read them at once.
    rescore_applications(session, {item.submission.application_id for item in made})
    present = session.scalars(select(Document.id).where(Document.source == SOURCE)).all()
    return DemoResult(
        applications=len(reviews), library=len(library),
        submissions=demo_submission_count(session, reviews),
        document_ids=sorted(set(present) | set(removed)),
    )
