"""The search form (GET: bookmarkable, no CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional


def Present() -> Optional:
    """Optional only when the value is really empty: whitespace is a bad value, not no value.

    WTForms' Optional strips first, so "\x1d" or " " for a date, a page or a sort order would
    pass as "not given" where the API's schema calls it invalid.
    """
    return Optional(strip_whitespace=False)


FILTER_FIELDS = ("cpc_section", "cpc_class", "cpc_subclass", "cpc_group", "status", "year",
                 "kind", "doc_type", "tags")


class SearchForm(FlaskForm):
    """Query, facet filters, date limit, sort and page."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=1000)])
    cpc_section = StringField(validators=[Optional(), Length(max=20)])
    cpc_class = StringField(validators=[Optional(), Length(max=20)])
    cpc_subclass = StringField(validators=[Optional(), Length(max=20)])
    cpc_group = StringField(validators=[Optional(), Length(max=30)])
    status = StringField(validators=[Optional(), Length(max=20)])
    year = IntegerField(validators=[Present(), NumberRange(1790, 2200)])
    kind = StringField(validators=[Optional(), Length(max=4)])
    doc_type = StringField(validators=[Optional(), Length(max=20)])
    tags = StringField(validators=[Optional(), Length(max=40)])
    before = DateField("Published before", validators=[Present()])
    sort = SelectField("Sort", choices=[SelectChoice("relevance", "Relevance"),
                                        SelectChoice("date", "Newest first"),
                                        SelectChoice("date_asc", "Oldest first")], default="relevance",
                       validators=[Present()])
    page = IntegerField(default=1, validators=[Present(), NumberRange(1, 10_000)])

    def filters(self) -> dict:
        """Return the facet filters the user set."""
        return {name: getattr(self, name).data for name in FILTER_FIELDS
                if getattr(self, name).data not in (None, "")}
