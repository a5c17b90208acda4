"""The query language, filters, facets, sorting, paging and snippets."""
from __future__ import annotations

import datetime as dt
import re

import pytest

import search
from tests.search.conftest import CORPUS, make_doc


def ids(results: search.Results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_term_query_searches_all_text_fields_with_stemming(corpus_index):
    # "charging" is in a title, "charger" in claims, "charge" stems alike.
    assert set(ids(search.query(corpus_index, "charges"))) == {"US8000001B2", "NPL-0006"}


def test_words_are_anded(corpus_index):
    assert ids(search.query(corpus_index, "coil copper")) != []
    assert set(ids(search.query(corpus_index, "coil copper"))) == {
        "US8000001B2", "US20130000005A1"}
    assert ids(search.query(corpus_index, "coil password")) == []


def test_title_matches_rank_above_description_matches(index_dir):
    search.index_documents(index_dir, [
        make_doc("IN-DESCRIPTION", title="Sensor", description="a thermistor is used"),
        make_doc("IN-TITLE", title="Thermistor", description="a sensor is used"),
    ])
    assert ids(search.query(index_dir, "thermistor")) == ["IN-TITLE", "IN-DESCRIPTION"]


def test_phrase_query(corpus_index):
    assert ids(search.query(corpus_index, '"session key"')) == ["US8000002B2"]
    assert ids(search.query(corpus_index, '"key session"')) == []


def test_fielded_queries(corpus_index):
    assert ids(search.query(corpus_index, "title:coil", sort="date_asc")) == [
        "US8000001B2", "US20130000005A1"]
    assert ids(search.query(corpus_index, "claims:spindle")) == ["US20130000005A1"]
    assert ids(search.query(corpus_index, "applicants:acme")) == ["US8000001B2"]
    assert ids(search.query(corpus_index, "kind:B1")) == ["US8000002B2"]


@pytest.mark.parametrize("q, expected", [
    ("cpc:H", {"US8000001B2", "US8000002B2", "US20130000003A1", "US7000004B2",
               "US20130000005A1"}),
    ("cpc:H04", {"US8000002B2", "US20130000003A1"}),
    ("cpc:H04L", {"US8000002B2", "US20130000003A1"}),
    ("cpc:h04l", {"US8000002B2", "US20130000003A1"}),
    ('cpc:"H04L 9/00"', {"US8000002B2"}),
    ("cpc:H04L9/32", {"US8000002B2"}),
    ("cpc:G06F*", {"US20130000003A1"}),
    ("uspc:429", {"US7000004B2"}),
    ("ipc:H01M", {"US7000004B2"}),
])
def test_class_queries_match_at_any_level(corpus_index, q, expected):
    assert set(ids(search.query(corpus_index, q))) == expected


def test_boolean_operators_and_wildcards(corpus_index):
    assert set(ids(search.query(corpus_index, "coil OR password"))) == {
        "US8000001B2", "US20130000005A1", "US20130000003A1"}
    assert ids(search.query(corpus_index, "coil NOT machine")) == ["US8000001B2"]
    assert set(ids(search.query(corpus_index, "(coil OR battery) AND cpc:H01F"))) == {
        "US8000001B2", "US20130000005A1"}
    assert set(ids(search.query(corpus_index, "Crypto*"))) == {"US8000002B2"}


STEMS = [
    make_doc("GAS", title="Gas turbine"),            # "gas" is indexed as "ga"
    make_doc("GASES", abstract="Exhaust gases"),      # "gases" as "gase"
    make_doc("GASKET", claims="1. A gasket."),
    make_doc("GAP", title="Gap between rotors"),      # "ga..." but not "gas..."
    make_doc("BUS", description="A data bus."),       # "bu"
    make_doc("BATTERY", title="Battery and batteries"),
    make_doc("BATTER", title="Cake batter"),
]


@pytest.mark.parametrize("q, expected", [
    ("gas*", {"GAS", "GASES", "GASKET"}),
    ("title:gas*", {"GAS"}),
    ("gas?s", {"GASES"}),
    ("bus*", {"BUS"}),
    ("batteries*", {"BATTERY"}),
    ("batter*", {"BATTERY", "BATTER"}),
    ("gas* NOT gasket", {"GAS", "GASES"}),
])
def test_a_wildcard_matches_the_words_it_spells_in_a_stemmed_index(index_dir, q, expected):
    # Whoosh stemmed the pattern as a word: gas* was ga* (refused as too short, and
    # broader: "gap"), gas?s was gas?.
    search.index_documents(index_dir, STEMS)
    assert set(ids(search.query(index_dir, q))) == expected


def test_facets_count_every_class_level(corpus_index):
    facets = search.query(corpus_index, "").facets
    assert facets["cpc_section"] == [("H", 5), ("G", 1)]
    assert facets["cpc_class"] == [("H01", 3), ("H04", 2), ("G06", 1), ("H02", 1)]
    assert facets["cpc_subclass"] == [("H01F", 2), ("H04L", 2), ("G06F", 1), ("H01M", 1),
                                      ("H02J", 1)]
    # Two codes in one group count the document once.
    assert ("H04L 9/00", 1) in facets["cpc_group"]
    assert facets["status"] == [("library", 4), ("open", 1), ("pending", 1)]
    assert facets["doc_type"] == [("grant", 3), ("application", 2), ("npl", 1)]
    assert facets["year"][0] == ("2013", 3)
    assert dict(facets["kind"]) == {"B2": 2, "A1": 2, "B1": 1}


def test_facets_follow_the_query_and_can_be_skipped(corpus_index):
    facets = search.query(corpus_index, "coil").facets
    assert facets["cpc_subclass"] == [("H01F", 2), ("H02J", 1)]
    assert search.query(corpus_index, "coil", facets=False).facets == {}


def test_filters_restrict_results(corpus_index):
    def filtered(**filters):
        return set(ids(search.query(corpus_index, "", filters=filters)))

    assert filtered(cpc_subclass="H04L") == {"US8000002B2", "US20130000003A1"}
    assert filtered(cpc_group="H04L9/00") == {"US8000002B2"}  # either spelling
    assert filtered(cpc_section="H", status="open") == {"US20130000003A1"}
    assert filtered(year=2013, doc_type="application") == {
        "US20130000003A1", "US20130000005A1"}
    assert filtered(kind=["B1", "A1"], year=2013) == {
        "US8000002B2", "US20130000003A1", "US20130000005A1"}
    assert filtered(tags="Charging") == {"US8000001B2"}
    assert filtered(cpc_subclass="H01M") == {"US7000004B2"}  # via its IPC code
    with pytest.raises(ValueError):
        filtered(colour="red")


def test_before_excludes_documents_published_on_or_after_the_date(corpus_index):
    results = search.query(corpus_index, "", before=dt.date(2013, 1, 17))
    assert set(ids(results)) == {"US8000001B2", "US7000004B2", "NPL-0006"}
    assert results.total == 3
    # The day after: the application published that day is prior art now.
    assert "US20130000003A1" in ids(search.query(corpus_index, "", before=dt.date(2013, 1, 18)))


@pytest.mark.parametrize("q", ["", "  ", "*", "*:*"])
def test_an_empty_query_or_a_star_matches_everything(corpus_index, q):
    assert search.query(corpus_index, q).total == len(CORPUS)


def test_sort_by_date(corpus_index):
    newest = ids(search.query(corpus_index, "", sort="date"))
    dates = {doc["id"]: doc["publication_date"] for doc in CORPUS}
    assert newest == sorted(dates, key=dates.get, reverse=True)
    assert ids(search.query(corpus_index, "", sort="date_asc")) == newest[::-1]
    with pytest.raises(ValueError):
        search.query(corpus_index, "", sort="colour")


def test_paging(index_dir):
    search.index_documents(index_dir, [
        make_doc(f"US{n:03d}", title="widget", publication_date=dt.date(2000 + n, 1, 1))
        for n in range(25)])
    first = search.query(index_dir, "widget", sort="date_asc", pagelen=10)
    third = search.query(index_dir, "widget", sort="date_asc", page=3, pagelen=10)
    assert (first.total, first.pagecount, ids(first)[0]) == (25, 3, "US000")
    assert (third.page, ids(third)) == (3, [f"US{n:03d}" for n in range(20, 25)])
    beyond = search.query(index_dir, "widget", sort="date_asc", page=9, pagelen=10)
    assert beyond.page == 3 and ids(beyond) == ids(third)


def test_hits_carry_plain_fields(corpus_index):
    hit = search.query(corpus_index, "password").hits[0]
    assert hit == search.Hit(
        id="US20130000003A1", title="Authenticating users with one-time passwords",
        score=hit.score, doc_type="application", kind="A1",
        publication_date=dt.date(2013, 1, 17), snippet=hit.snippet, status="open",
        cpc=["H04L 63/08", "G06F 21/31"])
    assert hit.score > 0


def test_snippets_highlight_matches_and_escape_html(index_dir):
    search.index_documents(index_dir, [make_doc(
        "US-XSS", title='<script>alert("x")</script> coil',
        abstract='A coil & a <script>alert("x")</script> tag <b>bold</b>.')])
    hit = search.query(index_dir, "coil").hits[0]
    assert hit.title == '<script>alert("x")</script> coil'  # plain text, escaped by templates
    assert '<b class="match">coil</b>' in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert "<script>" not in hit.snippet and "<b>bold" not in hit.snippet


def test_snippet_falls_back_to_the_escaped_abstract(index_dir):
    search.index_documents(index_dir, [make_doc(
        "US1", title="Thermistor", abstract="Measures <heat>.", description="x")])
    assert search.query(index_dir, "title:thermistor").hits[0].snippet == "Measures &lt;heat&gt;."


@pytest.mark.parametrize("q, message", [
    ('"session key', "quotation mark"),
    ("(coil OR battery", '"(" is not closed'),
    ("coil) OR (battery", 'without a matching "("'),
    ("colour:red", 'Unknown field "colour:"'),
    ("publication_date:someday", "Could not read the date in publication_date:"),
])
def test_malformed_queries_raise_a_friendly_error(corpus_index, q, message):
    with pytest.raises(search.QuerySyntaxError, match=re.escape(message)):
        search.query(corpus_index, q)


def test_quoted_colons_and_parentheses_are_text(corpus_index):
    assert search.query(corpus_index, '"colour:red (x"').total == 0


def test_total_counts_every_match_not_only_those_that_could_rank(index_dir):
    # A few strong matches (title) fill the top of the ranking early; Whoosh may then skip
    # documents that only match weakly (description), which must still be counted.
    search.index_documents(index_dir, [
        make_doc(f"T{n}", title="widget widget") for n in range(5)] + [
        make_doc(f"D{n}", title="gear train", description="a widget among many other words " * 5)
        for n in range(200)])
    results = search.query(index_dir, "widget", pagelen=2)
    assert results.total == 205
    assert sum(count for _, count in results.facets["doc_type"]) == 205
    assert {hit.id for hit in results.hits} <= {f"T{n}" for n in range(5)}


def test_each_facet_keeps_its_most_frequent_values(corpus_index, monkeypatch, backend):
    from search.backends.tantivy import querying
    from search.backends.whoosh import facets

    monkeypatch.setattr(facets if backend == "whoosh" else querying, "FACET_VALUES", 2)
    counts = search.query(corpus_index, "").facets
    assert counts["cpc_class"] == [("H01", 3), ("H04", 2)]
    assert all(len(values) <= 2 for values in counts.values())


EVERY_ID = {doc["id"] for doc in CORPUS}


@pytest.mark.parametrize("q, expected", [
    ("coil -machine", {"US8000001B2"}),
    ("-coil", EVERY_ID - {"US8000001B2", "US20130000005A1"}),  # alone: everything but
    ("-coil -phone", {"US8000002B2", "US7000004B2"}),
    ("-title:coil", EVERY_ID - {"US8000001B2", "US20130000005A1"}),
    ('-"session key"', EVERY_ID - {"US8000002B2"}),
    ("-(coil OR password)", {"US8000002B2", "US7000004B2", "NPL-0006"}),
    ("phone -(coil OR password)", {"NPL-0006"}),
    ("title:(coil -machine)", {"US8000001B2"}),
    ("+coil +copper", {"US8000001B2", "US20130000005A1"}),
    ("password OR +coil", {"US8000001B2", "US20130000005A1"}),  # coil required, password ranks
    ("+password OR +phone", {"US20130000003A1"}),
    # A hyphen inside a word excludes nothing: "one-time" is the words one and time.
    ("one-time password", {"US20130000003A1"}),
    ("Diffie-Hellman", {"US8000002B2"}),
])
def test_minus_excludes_and_plus_requires(corpus_index, q, expected):
    assert set(ids(search.query(corpus_index, q))) == expected


def test_minus_is_not_and_plus_is_and(corpus_index):
    for signed, written in (("-coil", "NOT coil"), ("coil -machine", "coil NOT machine"),
                            ("+coil +copper", "coil AND copper")):
        found, expected = search.query(corpus_index, signed), search.query(corpus_index, written)
        assert (found.total, ids(found), found.facets) == (
            expected.total, ids(expected), expected.facets)


def test_plus_in_an_or_list_ranks_by_the_optional_words(corpus_index):
    """password OR +phone: every document with phone, the one with a password first."""
    found = ids(search.query(corpus_index, "password OR +phone"))
    assert found[0] == "US20130000003A1"
    assert set(found) == set(ids(search.query(corpus_index, "phone")))


@pytest.mark.parametrize("q", ["(", ")", "(("])
def test_parentheses_alone_that_do_not_pair_up_are_refused(corpus_index, q):
    with pytest.raises(search.QuerySyntaxError, match="matching|not closed"):
        search.query(corpus_index, q)


@pytest.mark.parametrize("q, expected", [
    ("year:[TO]", len(CORPUS)),
    ("year:[ TO ]", len(CORPUS)),
    ("coil year:{TO}", 2),
    ("year:[2300 TO *]", 0),
])
def test_an_open_year_range_matches_every_dated_document(corpus_index, q, expected):
    assert search.query(corpus_index, q).total == expected


@pytest.mark.parametrize("q", ["publication_date:[2013 TO 2011]",
                               "coil priority_date:[20120315 TO 20120314]"])
def test_a_backwards_date_range_is_refused(corpus_index, q):
    with pytest.raises(search.QuerySyntaxError, match="runs backwards: write the earlier date first"):
        search.query(corpus_index, q)
