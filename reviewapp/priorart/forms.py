"""Prior-art forms: submit a document, edit a submission, withdraw it."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from ..inputs import unix_newlines
from ..models import Claim, Submission
from ..models.submission import FOREIGN, MAX_EXPLANATION, NPL, US
from .checks import MAX_PINPOINT, SubmissionData, SubmissionDetails
from .identifiers import UrlError, check_url

KIND_CHOICES = [
    SelectChoice(US, "US patent or published application"),
    SelectChoice(FOREIGN, "Foreign patent document"),
    SelectChoice(NPL, "Non-patent literature (article, book, web page, product manual...)"),
]
NO_CONFLICT, DECLARE_CONFLICT = "none", "declare"
CLAIM_LABEL_LENGTH = 90
EDITABLE = ("title", "authors", "publication_date", "url", "pinpoint", "excerpt", "explanation")


def strip(value: Any) -> Any:
    """Trim strings; leave anything else alone."""
    return value.strip() if isinstance(value, str) else value


def claim_choices(claims: list[Claim]) -> list[SelectChoice]:
    """Return checkbox choices for claims: number, kind and the start of the text."""
    choices = []
    for claim in claims:
        text = " ".join(claim.text.split())
        if len(text) > CLAIM_LABEL_LENGTH:
            text = text[:CLAIM_LABEL_LENGTH].rsplit(" ", 1)[0] + "…"
        kind = "independent" if claim.independent else "dependent"
        choices.append(SelectChoice(str(claim.number), f"Claim {claim.number} ({kind}): {text}"))
    return choices


class IsoDateField(DateField):
    """A date field that shows its date as YYYY-MM-DD, the form it accepts, whatever the year."""

    def _value(self) -> str:
        # strftime("%Y") drops a small year's leading zeros on glibc (215-03-01), which the
        # field's own parser then refuses: isoformat always pads to four digits.
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if self.data else ""


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: usable without JavaScript, unlike a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PriorArtDetailsForm(FlaskForm):
    """The fields of a submission its submitter may edit."""

    title = StringField("Title", filters=[strip], validators=[Length(max=1000)])
    authors = StringField("Authors or inventors", filters=[strip], validators=[Length(max=1000)])
    # A text input, not the browser's date picker: its format then matches the help (YYYY-MM-DD)
    # whatever the browser's locale, and a mistyped date comes back as typed.
    publication_date = IsoDateField(
        "Publication date", validators=[Optional()],
        invalid_value_message="Enter the date as YYYY-MM-DD, e.g. 2015-03-21.",
        widget=TextInput(),
        render_kw={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off",
                   "pattern": r"\d{4}-\d{2}-\d{2}", "maxlength": 10},
    )
    url = URLField("Link", filters=[strip], validators=[Length(max=2048)],
                   render_kw={"placeholder": "https://..."})
    pinpoint = StringField(
        "Pinpoint", filters=[strip], validators=[Length(max=MAX_PINPOINT)],
        render_kw={"placeholder": "col. 3, l. 15-40 · [0042] · p. 7 · Fig. 2"},
    )
    excerpt = TextAreaField("Quoted excerpt", filters=[strip, unix_newlines], validators=[Length(max=20000)])
    claims = MultiCheckboxField(
        "Claims it bears on", coerce=int,
        invalid_choice_message="Choose claims of this application.",
        invalid_value_message="Choose claims of this application.",
    )
    explanation = TextAreaField(
        "Concise description of relevance", filters=[strip, unix_newlines],
        validators=[DataRequired(message="Explain concisely how this document is relevant to the claims.")],
        render_kw={"data-count-to": MAX_EXPLANATION},  # priorart.js shows a live count
    )

    def __init__(self, *args: Any, claims: list[Claim], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claims.choices = claim_choices(claims)

    def validate_claims(self, field: MultiCheckboxField) -> None:
        # Not InputRequired: its "required" flag would make every checkbox required in the browser.
        if not field.raw_data:
            raise ValidationError("Choose at least one claim this document bears on.")

    def validate_url(self, field: URLField) -> None:
        try:
            check_url(field.data)
        except UrlError as error:
            raise ValidationError(str(error)) from None

    def validate_explanation(self, field: TextAreaField) -> None:
        if field.data and len(field.data) > MAX_EXPLANATION:
            raise ValidationError(f"{len(field.data):,} characters: shorten the explanation to at most "
                                  f"{MAX_EXPLANATION:,}, the limit of the USPTO's preissuance form.")

    def details(self) -> dict[str, Any]:
        """Return the entered details as keyword arguments of the service data."""
        return {
            "title": self.title.data or "", "authors": self.authors.data or "",
            "publication_date": self.publication_date.data, "url": self.url.data or "",
            "pinpoint": self.pinpoint.data or "", "excerpt": self.excerpt.data or "",
            "claim_numbers": list(self.claims.data or []), "explanation": self.explanation.data or "",
        }


class EditSubmissionForm(PriorArtDetailsForm):
    """Change what one said about a document (the document itself stays)."""

    @classmethod
    def for_submission(cls, submission: Submission) -> EditSubmissionForm:
        """Return the form filled from `submission`, or from the posted data."""
        current = {name: getattr(submission, name) for name in EDITABLE}
        current["claims"] = [claim.number for claim in submission.claims]
        return cls(data=current, claims=submission.application.document.claims)

    def to_details(self) -> SubmissionDetails:
        """Return the entered details for `edit_submission`."""
        return SubmissionDetails(**self.details())


class SubmitPriorArtForm(PriorArtDetailsForm):
    """Put a document forward as prior art on an application."""

    kind = RadioField("Kind of document", choices=KIND_CHOICES, default=US,
                      invalid_choice_message="Choose the kind of document.")
    identifier = StringField(
        "Number or identifier", filters=[strip], validators=[Length(max=255)],
        render_kw={"placeholder": "US 7,123,456 B2 · US 2018/0000016 A1 · EP 1 234 567 A1 · doi:10.1000/xyz"},
    )
    conflict = RadioField(
        "Conflict of interest",
        choices=[SelectChoice(NO_CONFLICT, "I have no conflict of interest with the applicant"),
                 SelectChoice(DECLARE_CONFLICT, "I declare a conflict:")],
        invalid_choice_message="Confirm you have no conflict of interest with the applicant, or declare one.",
    )
    conflict_statement = TextAreaField("Your conflict of interest", filters=[strip],
                                       validators=[Length(max=2000)])

    def __init__(self, *args: Any, needs_conflict: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_conflict:  # declared once per application: not asked again
            del self.conflict
            del self.conflict_statement

    def validate_identifier(self, field: StringField) -> None:
        if not field.data and self.kind.data in (US, FOREIGN):
            raise ValidationError("Enter the patent or publication number, e.g. US 7,123,456 B2.")

    def validate_conflict_statement(self, field: TextAreaField) -> None:
        if self.conflict.data == DECLARE_CONFLICT and not field.data:
            raise ValidationError("Describe your conflict of interest: the examiner reads it.")

    def to_data(self) -> SubmissionData:
        """Return the entered submission for `submit_prior_art`."""
        asked = "conflict" in self
        return SubmissionData(
            kind=self.kind.data, identifier=self.identifier.data or "", **self.details(),
            has_conflict=(self.conflict.data == DECLARE_CONFLICT) if asked else None,
            conflict_statement=(self.conflict_statement.data or "") if asked else "",
        )
