"""Examiner forms: the queue's filters and the verdict on one submission."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..applications.forms import cpc_field, strip
from ..models.feedback import VERDICTS
from .queue import SORTS, WINDOWS
from .verdicts import MAX_NOTE


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    """Return the choices of a select or radio field from value -> label."""
    return [SelectChoice(value, label) for value, label in labels.items()]


class QueueForm(FlaskForm):
    """Filters and sort order of the examiner's queue, read from the query string."""

    class Meta:
        csrf = False  # a GET form: bookmarkable, changes nothing

    cpc = cpc_field()
    window = SelectField("Window", choices=choices(WINDOWS), default="",
                         invalid_choice_message="Choose a window state from the list.")
    min_submissions = IntegerField(
        "At least this many submissions",
        validators=[Optional(), NumberRange(min=0, max=100000, message="Give a number from 0 up.")],
        render_kw={"min": 0, "inputmode": "numeric"})
    sort = SelectField("Sort by", choices=choices(SORTS), default="needs-verdicts",
                       invalid_choice_message="Choose an order from the list.")

    def filters(self) -> dict[str, Any]:
        """Return the valid filters as keyword arguments of `queue_query`, dropping invalid ones."""
        return {
            "cpc": None if self.cpc.errors else self.cpc.data or None,
            "window": "" if self.window.errors else self.window.data or "",
            "min_submissions": None if self.min_submissions.errors else self.min_submissions.data,
            "sort": "needs-verdicts" if self.sort.errors else self.sort.data,
        }

    def args(self) -> dict[str, Any]:
        """Return the filters as query-string arguments for the pager's links."""
        return {name: value for name, value in self.filters().items() if value not in (None, "")}


class FeedbackForm(FlaskForm):
    """An examiner's verdict on one submission, with an optional note kept from volunteers."""

    verdict = RadioField("Verdict", choices=choices(VERDICTS),
                         validators=[InputRequired(message="Choose a verdict.")],
                         validate_choice=True)
    note = TextAreaField(
        "Note (examiners only)", filters=[strip],
        validators=[Optional(),
                    Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE:,} characters.")])

    @classmethod
    def for_submission(cls, submission_id: int, **kwargs: Any) -> FeedbackForm:
        """Return the form of one item; a prefix keeps field ids unique on the ranked page."""
        return cls(prefix=f"s{submission_id}", **kwargs)
