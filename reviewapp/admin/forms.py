"""Administration forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..models.user import ROLES


class RoleForm(FlaskForm):
    """A new role for an account."""

    role = SelectField("Role", choices=list(ROLES))


class BanForm(FlaskForm):
    """Ban an account, optionally saying why (kept in the audit log)."""

    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class OpenWindowForm(FlaskForm):
    """Open a review window for some days."""

    days = IntegerField("Days", validators=[
        InputRequired("Give the number of days."),
        NumberRange(1, 365, "A review window lasts between 1 and 365 days.")])
