"""Helpers of the prior-art service tests: a valid submission, row counts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from reviewapp.priorart.checks import SubmissionData


def data(**fields) -> SubmissionData:
    """Return a valid first submission of US 7,123,456 B2 on claim 1."""
    values = {"kind": "us", "identifier": "US 7,123,456 B2", "title": "Battery cooler",
              "publication_date": dt.date(2012, 4, 3), "pinpoint": "col. 3, l. 15-40",
              "claim_numbers": [1], "explanation": "Discloses the coolant loop of claim 1.",
              "has_conflict": False}
    values.update(fields)
    return SubmissionData(**values)


def count(db, model) -> int:
    """Return how many rows `model` has."""
    return db.session.scalar(select(func.count()).select_from(model))
