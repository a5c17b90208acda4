"""tantivy's translation of parsed queries: phrases on every field, queries tantivy refuses to
build, and date bounds at the ends of the calendar; compared with Whoosh where both answer."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from whoosh import query as wq

import search
from search.backends.tantivy import translate
from tests.search.conftest import CORPUS, make_doc

NAMED = make_doc("US8000007B2", title="Frozen noodles", applicants=["Sunnock Food Co", "Brill Ltd"],
                 inventors=["Odile Ravensworth", "Tam Lo"], uspc=["429/50", "429/7"],
                 publication_date=dt.date(2014, 5, 6))
FIRST_DAY = make_doc("US0000001B1", title="Coil of the first day", publication_date=dt.date.min)
SECOND_DAY = make_doc("US0000002B1", title="Coil of the second day",
                      publication_date=dt.date(1, 1, 2))
LAST_DAY = make_doc("US0000003B1", title="Coil of the last day", publication_date=dt.date.max)
DOCS = [*CORPUS, NAMED, FIRST_DAY, SECOND_DAY, LAST_DAY]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory) -> dict[str, Path]:
    """Return backend -> an index of DOCS."""
    built = {}
    for backend in search.BACKENDS:
        path = tmp_path_factory.mktemp(backend) / "index"
        search.index_documents(path, DOCS, backend=backend)
        built[backend] = path
    yield built
    search.close_all()


def answers(indexes: dict[str, Path], q: str, **options) -> dict[str, list[str]]:
    """Return backend -> the ids a query finds, in date order."""
    return {backend: [hit.id for hit in search.query(path, q, sort="date_asc", backend=backend,
                                                      **options).hits]
            for backend, path in indexes.items()}


@pytest.mark.parametrize("q, expected", [
    ('applicants:"Sunnock Food"', ["US8000007B2"]),
    ('applicants:"food co"', ["US8000007B2"]),
    ('applicants:"Food Co Brill"', ["US8000007B2"]),  # names run on, as in Whoosh's field
    ('applicants:"food sunnock"', []),
    ('applicants:"acme power" OR inventors:"tam lo"', ["US8000001B2", "US8000007B2"]),
    ('inventors:"Odile Ravensworth"', ["US8000007B2"]),
    ('noodles inventors:"ravensworth odile"', []),
])
def test_phrases_on_names_find_what_whoosh_finds(indexes, q, expected):
    assert answers(indexes, q) == {"whoosh": expected, "tantivy": expected}


@pytest.mark.parametrize("q, field", [('uspc:"429 50"', "uspc:"), ('uspc:"429/50 429/7"', "uspc:"),
                                      ('cpc:"H04L, H01M"', "cpc:"), ('tags:"charging, coil"', "tags:"),
                                      ('battery OR ipc:"H01M, H02J"', "ipc:")])
def test_a_phrase_of_several_codes_is_refused_with_a_message(indexes, q, field):
    """Code fields have no positions (nor in Whoosh): one code at a time, never "index damaged".

    Refused alike by both backends (the parser does it): Whoosh, asked such a phrase on a
    document holding every code, failed reading its index (UnpicklingError, "damaged").
    """
    for backend, path in indexes.items():
        with pytest.raises(search.QuerySyntaxError, match=f"cannot be searched in {field}"):
            search.query(path, q, backend=backend)
        assert search.query(path, 'uspc:"429/50"', backend=backend).total == 1


def test_a_wildcard_tantivy_cannot_compile_is_too_costly():
    with pytest.raises(search.QueryTooCostlyError, match="too complex"):
        translate.to_tantivy(wq.Wildcard("title", "con" + "?" * 60))


def test_any_query_tantivy_refuses_to_build_is_a_query_error(monkeypatch):
    def refused(field: str, text: str):
        raise ValueError("An invalid argument was passed")

    monkeypatch.setattr(translate, "term", refused)
    with pytest.raises(search.QuerySyntaxError, match="cannot be searched"):
        translate.to_tantivy(wq.And([wq.Term("title", "coil"), wq.Term("claims", "coil")]))


@pytest.mark.parametrize("before, expected", [
    (dt.date.min, []),
    (dt.date(1, 1, 2), ["US0000001B1"]),
    (dt.date(1, 1, 3), ["US0000001B1", "US0000002B1"]),
    (dt.date.max, ["US0000001B1", "US0000002B1", "US8000001B2", "US20130000005A1"]),
])
def test_before_the_ends_of_the_calendar(indexes, before, expected):
    """before=0001-01-01 is the empty range it is in Whoosh, not an OverflowError."""
    assert answers(indexes, "coil", before=before) == {"whoosh": expected, "tantivy": expected}


@pytest.mark.parametrize("q, expected", [
    ("publication_date:[99991231 TO]", ["US0000003B1"]),
    ("publication_date:[99991231235959 TO]", []),  # after the last midnight: no day left
    ("publication_date:{9999123123 TO]", []),
    ("publication_date:[TO 00010101]", ["US0000001B1"]),
    ("publication_date:[TO 00010101}", ["US0000001B1"]),
    ("publication_date:{00010101 TO 00010102]", ["US0000001B1", "US0000002B1"]),
])
def test_date_ranges_at_the_ends_of_the_calendar_agree_with_whoosh(indexes, q, expected):
    assert answers(indexes, q) == {"whoosh": expected, "tantivy": expected}


@pytest.mark.parametrize("options", [{"filters": {"cpc_section": "H"}},
                                     {"filters": {"cpc_group": ["H01F 38", "H02J 7", "H04L 9"]}},
                                     {"before": dt.date(2100, 1, 1)}])
def test_filters_select_without_adding_to_the_scores(indexes, options):
    """A filter every hit passes leaves each hit's score (and so the order) as it was."""
    plain = search.query(indexes["tantivy"], "coil OR charging OR key", backend="tantivy")
    filtered = search.query(indexes["tantivy"], "coil OR charging OR key", backend="tantivy",
                            **options)
    scores = {hit.id: hit.score for hit in plain.hits}
    assert filtered.hits
    assert all(hit.score == pytest.approx(scores[hit.id]) for hit in filtered.hits)


def test_a_year_range_built_outside_the_parser_gets_the_parsers_years():
    """One rule for year ranges: a tree that skipped parse is answered as parse would list it."""
    from search.parsing import year_terms

    built = wq.TermRange("year", "1500", "2020")  # once listed from 1500, 500 years: no 2015
    translated = repr(translate.to_tantivy(built))
    assert translated == repr(translate.to_tantivy(year_terms(built)))
    assert '"2015"' in translated and '"1789"' not in translated
