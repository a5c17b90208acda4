"""API token forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


def strip(value: str | None) -> str | None:
    """Drop surrounding blanks from what was typed."""
    return value.strip() if isinstance(value, str) else value


class TokenForm(FlaskForm):
    """A name for a new token, to tell tokens apart when revoking one."""

    name = StringField("Token name", validators=[
        DataRequired("Name the token, e.g. the script that will use it."), Length(max=80)],
        filters=[strip])

