"""The search page's links: a facet value to filter by (or, chosen, to drop), each active
filter's "remove", "clear all filters" and the pager, all built from the request's parameters."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for

from .forms import FILTER_FIELDS

# What the page calls each filter: facet headings and the active filters above the results.
FILTER_LABELS = {
    "cpc_section": "CPC section", "cpc_class": "CPC class", "cpc_subclass": "CPC subclass",
    "cpc_group": "CPC group", "status": "Review status", "year": "Publication year",
    "kind": "Kind code", "doc_type": "Document type", "tags": "Tags",
    "before": "Published before",
}
# The parameters "clear all filters" drops: the facet filters and the date limit.
FILTERS = (*FILTER_FIELDS, "before")
FACET_VALUES_SHOWN = 12


def filter_label(name: str) -> str:
    """Return what the page calls a filter or facet."""
    return FILTER_LABELS.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: its link adds the filter, or removes it when already chosen."""

    value: str
    count: int
    url: str
    active: bool


@dataclass(frozen=True)
class Facet:
    """A facet's heading and its most frequent values."""

    name: str
    label: str
    values: list[FacetValue]


@dataclass(frozen=True)
class ActiveFilter:
    """A filter the search applies, with the link that searches again without it."""

    name: str
    label: str
    value: str
    remove_url: str


@dataclass(frozen=True)
class SearchLinks:
    """The links of one search page; a new search starts again at page 1."""

    # The request's parameters, without those the form refused (a link must not repeat them).
    args: Mapping[str, str]

    @classmethod
    def of(cls, args: Mapping[str, str], refused: Mapping[str, object]) -> SearchLinks:
        """Return the links of a page with these parameters, the refused ones dropped."""
        return cls({name: value for name, value in args.items()
                    if name not in refused and value != ""})

    def url(self, **changes: str | int | None) -> str:
        """Return the search with these parameters changed (None drops one), on page 1."""
        params: dict[str, Any] = {name: value for name, value in self.args.items()
                                  if name != "page"}
        params.update(changes)
        return url_for("searchpage.search_page",
                       **{name: value for name, value in params.items() if value is not None})

    def page(self, number: int) -> str:
        """Return the same search at another page."""
        return self.url(page=number)

    @property
    def active(self) -> list[ActiveFilter]:
        """Return the filters this search applies, in the form's order."""
        return [ActiveFilter(name, filter_label(name), self.args[name], self.url(**{name: None}))
                for name in FILTERS if name in self.args]

    @property
    def clear_url(self) -> str:
        """Return the search without any filter, keeping its query and sort order."""
        return self.url(**dict.fromkeys(FILTERS))

    def facets(self, counts: Mapping[str, list[tuple[object, int]]]) -> list[Facet]:
        """Return each facet with values, its first values linked to filter by (or to drop)."""
        return [Facet(name, filter_label(name), [self._facet_value(name, str(value), count)
                                                 for value, count in values[:FACET_VALUES_SHOWN]])
                for name, values in counts.items() if values]

    def _facet_value(self, name: str, value: str, count: int) -> FacetValue:
        """Return one facet value; chosen, its link drops it."""
        active = self.args.get(name) == value
        return FacetValue(value, count, self.url(**{name: None if active else value}), active)
