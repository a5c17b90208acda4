"""The applications under review and their windows, opened through the applications service."""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy.orm import Session

from ..applications import services as applications
from ..models import Application, Document
from ..models.application import CLOSED, PENDING, as_utc
from ..models.base import utcnow
from .specs import WINDOW_DAYS, ReviewSpec

MAX_WINDOW_DAYS = 365  # what `open_window` accepts


def open_windows(session: Session, specs: list[ReviewSpec], documents: dict[str, Document],
                 created: set[str], now: dt.datetime
                 ) -> tuple[dict[str, Application], dict[str, str]]:
    """Open the windows of the applications created now; return every demo review by number,
    and the planned status (open or closed) of each window opened now.

    The importer gave each new application a pending review; a window opens at its planned
    moment before `now`. A window meant to be closed stays open past the clock until the demo
    volunteers have taken part (the services check windows against the clock); `close_reviews`
    then closes it at its planned end, `opens + WINDOW_DAYS`.
    """
    reviews: dict[str, Application] = {}
    opened: dict[str, str] = {}
    for spec in specs:
        number = spec.document.publication_number
        document = documents.get(number)
        if document is None or document.application is None:
            continue
        application = document.application
        reviews[number] = application
        opens, _closes = spec.window.times(now)
        if number not in created or spec.window.status == PENDING or opens is None:
            continue
        days = WINDOW_DAYS
        if spec.window.status == CLOSED:
            days = math.ceil((utcnow() - opens) / dt.timedelta(days=1)) + 1
            if days > MAX_WINDOW_DAYS:
                raise ValueError(f"load the demo near the present: {opens:%Y-%m-%d} is too far "
                                 "back to open a window that the volunteers can still use")
        applications.open_window(session, application, days, now=opens)
        opened[number] = spec.window.status
    return reviews, opened


def planned_close(application: Application) -> dt.datetime:
    """Return when a demo window meant to be closed ends: WINDOW_DAYS after it opened."""
    opens = as_utc(application.opens_at)
    assert opens is not None, "only an opened window closes"
    return opens + dt.timedelta(days=WINDOW_DAYS)
