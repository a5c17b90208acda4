"""Application forms: the home page's filters."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from ..classification import MAX_CPC_FILTER, normalise_cpc_prefix
from ..models.tag import tag_name
from .services import VIEWS

STATUS_CHOICES = [SelectChoice("open", "Open for review"), SelectChoice("closed", "Closed"),
                  SelectChoice("pending", "Not yet open"), SelectChoice("", "All")]


def strip(value: Any) -> Any:
    """Trim strings; leave anything else alone."""
    return value.strip() if isinstance(value, str) else value



def stored_tag(value: Any) -> Any:
    """Write a tag as it is stored ("Battery Cooling" is battery-cooling), for links too."""
    return tag_name(value) if isinstance(value, str) else value


def cpc_prefix(form: Any, field: StringField) -> None:
    """Validate a CPC prefix ("H04L", "H04L 9/") as the class filters read it."""
    try:
        normalise_cpc_prefix(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def cpc_field() -> StringField:
    """Return the optional "CPC class" filter field of the browse and examiner forms."""
    return StringField("CPC class", filters=[strip], validators=[Optional(), Length(max=MAX_CPC_FILTER), cpc_prefix],
                       render_kw={"placeholder": "e.g. H04L or H04L 9/"})

class BrowseForm(FlaskForm):
    """Filters of the application list, read from the query string."""

    class Meta:
        csrf = False  # a GET form: bookmarkable, changes nothing

    view = HiddenField(default="")
    status = SelectField("Status", choices=STATUS_CHOICES, default="open",
                         invalid_choice_message="Choose a status from the list.")
    cpc = cpc_field()
    tag = StringField("Tag", filters=[strip, stored_tag], validators=[Optional(), Length(max=40)],
                      render_kw={"placeholder": "e.g. batteries"})

    def validate_status(self, field: SelectField) -> None:
        if field.errors:
            field.data = "open"  # the list shown: the heading and the page links say so too

    def validate_view(self, field: HiddenField) -> None:
        if field.data not in VIEWS:
            field.data = ""  # an unknown view shows the plain list rather than an error

    def filters(self) -> dict[str, Any]:
        """Return the valid filters as keyword arguments of `browse_query`; invalid ones are dropped."""
        return {
            "view": self.view.data if self.view.data in VIEWS and not self.view.errors else "",
            "status": "open" if self.status.errors else self.status.data,
            "cpc": None if self.cpc.errors else self.cpc.data or None,
            "tag": None if self.tag.errors else self.tag.data or None,
        }

    def args(self) -> dict[str, str]:
        """Return the filters as query-string arguments for links (pages, views)."""
        # The status goes along even when empty: "All" must not turn back into the default "open".
        args = {"status": self.status.data or ""}
        args |= {name: value for name, value in (("view", self.view.data), ("cpc", self.cpc.data),
                                                 ("tag", self.tag.data)) if value}
        return args
