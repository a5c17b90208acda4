"""Community forms: votes, claim marks, tags, comments, flags, moderation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..inputs import unix_newlines
from .common import MAX_ID
from .discussion import MAX_COMMENT
from .moderation import MAX_FLAG_REASON
from .tags import TAG_RULE

WHOLE_APPLICATION = 0


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class VoteForm(FlaskForm):
    """An up or down vote, or taking one's vote back."""

    value = SelectField("Vote", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down"),
                                         SelectChoice("clear", "Remove my vote")])
    next = HiddenField()


class MarkForm(FlaskForm):
    """Mark or unmark "this reads on claim N"."""

    claim_id = IntegerField("Reads on claim", validators=[
        InputRequired("Choose a claim."), NumberRange(1, MAX_ID, "Choose one of this application's claims.")])
    # What the reader asked for, not a toggle: a double click must not undo the first click.
    action = SelectField(choices=[SelectChoice("mark", "Mark"), SelectChoice("unmark", "Unmark")],
                         validate_choice=True)
    next = HiddenField()


class TagForm(FlaskForm):
    """A tag to add."""

    name = StringField("Add a tag", filters=[_strip], validators=[
        DataRequired("Type a tag, e.g. battery-cooling."), Length(max=200, message=TAG_RULE)])
    next = HiddenField()


class CommentForm(FlaskForm):
    """A comment or a reply, optionally about one claim."""

    body = TextAreaField("Comment", filters=[_strip, unix_newlines], validators=[
        DataRequired("Write something first."),
        Length(max=MAX_COMMENT, message=f"A comment is at most {MAX_COMMENT:,} characters.")])
    claim_id = SelectField("About", coerce=int, default=WHOLE_APPLICATION,
                           validate_choice=True)
    parent_id = IntegerField(widget=HiddenField.widget, validators=[
        Optional(), NumberRange(1, MAX_ID, "The comment you are replying to is no longer there.")])

    def set_claims(self, claim_choices: list[tuple[int, str]]) -> CommentForm:
        """Offer the application's claims in the claim selector."""
        self.claim_id.choices = [SelectChoice(str(WHOLE_APPLICATION), "The application as a whole")] + [
            SelectChoice(str(claim_id), label) for claim_id, label in claim_choices]
        return self


class FlagForm(FlaskForm):
    """Why a moderator should look at something."""

    reason = TextAreaField("What is wrong?", filters=[_strip, unix_newlines], validators=[
        DataRequired("Say what is wrong, so that a moderator knows what to look for."),
        Length(max=MAX_FLAG_REASON, message=f"Keep the reason under {MAX_FLAG_REASON:,} characters.")])
    next = HiddenField()


class ModerationForm(FlaskForm):
    """An optional reason for a moderation action, kept in the audit log."""

    reason = StringField("Reason", filters=[_strip],
                         validators=[Optional(), Length(max=200, message="Keep the reason under 200 characters.")])
    next = HiddenField()
