"""A short discussion on the first open reviews, posted through the community service."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..community import discussion
from ..models import Application, Comment, User
from ..models.application import OPEN
from .data import story

DISCUSSED = 6  # how many open reviews get a discussion


def start_discussions(session: Session, accounts: dict[str, User],
                      reviews: dict[str, Application]) -> int:
    """Start the story's threads on the first open reviews that have none; return the
    comments posted."""
    posted = 0
    open_reviews = [r for _number, r in sorted(reviews.items()) if r.status == OPEN]
    for review in open_reviews[:DISCUSSED]:
        if session.scalar(select(func.count(Comment.id))
                          .where(Comment.application_id == review.id)):
            continue
        claim_1 = next((c for c in review.document.claims if c.number == 1), None)
        area = (review.document.cpc or ["this field"])[0].split()[0]
        year = (review.document.priority_date or dt.date(2024, 1, 1)).year
        for thread in story()["thread"]:
            about = claim_1.id if thread["about_claim_1"] and claim_1 else None
            top = discussion.post_comment(session, review, accounts[thread["author"]],
                                         thread["body"].format(area=area, year=year),
                                         claim_id=about)
            for reply in thread["replies"]:
                discussion.post_comment(session, review, accounts[reply["author"]],
                                       reply["body"].format(area=area, year=year),
                                       parent_id=top.id)
            posted += 1 + len(thread["replies"])
    return posted
