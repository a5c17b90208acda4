"""Search page, JSON search, query-by-claim, and the index kept in step with the database."""
from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from reviewapp.indexing import check_index, rebuild_index
from reviewapp.models import Document
from reviewapp.security import RETRY_AFTER_UNAVAILABLE
from reviewapp.tasks import mark_for_index
from tests.factories import make_application, make_document

COOLING = [(1, "A battery pack cooled by a liquid coolant loop through a cold plate.", [])]


@pytest.fixture(params=["whoosh", "tantivy"])
def library(db, app, request):
    """Index an application and three library grants, one published too late (each backend)."""
    app.config["SEARCH_BACKEND"] = request.param
    application = make_application(
        title="Liquid cooled battery pack", priority_date=dt.date(2019, 6, 1),
        claims=[(1, ("A battery pack comprising a cold plate through which a liquid coolant "
                    "circulates, said coolant pumped by a pump."), [])],
    )
    early = make_document(number="US7000001B2", title="Cold plate for battery cells", claims=COOLING,
                          publication_date=dt.date(2012, 3, 6), cpc=["H01M 10/6556"])
    late = make_document(number="US9900001B2", title="Improved cold plate for battery", claims=COOLING,
                         publication_date=dt.date(2020, 3, 3), cpc=["H01M 10/6556"])
    other = make_document(number="US7000002B2", title="Bicycle saddle", abstract="A soft saddle.",
                          claims=[(1, "A saddle comprising foam.", [])], cpc=["B62J 1/00"])
    db.session.commit()
    rebuild_index()
    return application, early, late, other


def test_search_page_lists_hits_with_facets(client, library):
    response = client.get("/search?q=cold+plate")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "US7000001B2" in page and "US9900001B2" in page and "Bicycle saddle" not in page
    assert "<h3>CPC subclass</h3>" in page and "<h3>Document type</h3>" in page and "H01M" in page


def test_facet_filter_and_date_limit(client, library):
    page = client.get("/search?q=cold+plate&before=2015-01-01").get_data(as_text=True)
    assert "US7000001B2" in page and "US9900001B2" not in page
    page = client.get("/search?q=*&cpc_subclass=B62J").get_data(as_text=True)
    assert "Bicycle saddle" in page and "US7000001B2" not in page


def test_malformed_query_gets_a_friendly_message(client, library):
    response = client.get('/search?q=title:"unbalanced')
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    response = client.get('/api/v1/search?q=(battery')
    assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize("q", ["?*", "**x", "title:* OR claims:*", "a OR *", "NOT NOT NOT",
                               "publication_date:[1 TO]"])
def test_costly_or_broken_queries_get_a_message_page_and_json_400(client, library, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    response = client.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 400 and response.is_json
    assert set(response.get_json()) == {"error"} and response.get_json()["error"]


def test_json_search(client, library):
    data = client.get("/api/v1/search?q=title:saddle").get_json()
    assert data["total"] == 1
    assert data["items"][0]["number"] == "US7000002B2"
    assert {"value": "B", "count": 1} in data["facets"]["cpc_section"]


def test_json_search_past_the_last_page_is_empty_as_the_other_lists(client, app, library):
    """Page until no items comes back: each hit once, then a stop (the page shows its last page)."""
    app.config["ITEMS_PER_PAGE"] = 2
    seen, page = [], 1
    while page <= 4:  # a bound on a broken server, which would repeat its last page forever
        body = client.get(f"/api/v1/search?q=cold+plate&page={page}").get_json()
        assert (body["total"], body["pages"], body["page"]) == (3, 2, page)
        if not body["items"]:
            break
        seen += [item["number"] for item in body["items"]]
        page += 1
    application, early, late, _other = library
    assert page == 3 and sorted(seen) == sorted([application.number, early.publication_number,
                                                 late.publication_number])
    beyond = client.get("/api/v1/search?q=cold+plate&page=10000").get_json()
    assert (beyond["items"], beyond["page"], beyond["total"], beyond["pages"]) == ([], 10000, 3, 2)
    assert beyond["facets"]["doc_type"]  # facets count every hit, on any page
    assert "page 2 of 2" in client.get("/search?q=cold+plate&page=9").get_data(as_text=True)


def test_bad_parameters_are_refused_clearly(client, library):
    response = client.get("/api/v1/search?q=x&before=yesterday")
    assert response.status_code == 400 and "before:" in response.get_json()["error"]


@pytest.mark.parametrize("param, shown", [
    ("page=999999", "page: Number must be between 1 and 10000."),
    ("year=12", "year: Number must be between 1790 and 2200."),
    ("sort=oldest", "sort: Not a valid choice."),
    ("kind=" + "B" * 9, "kind: Field cannot be longer than 4 characters."),
])
def test_bad_parameters_of_a_link_are_named_on_the_page(client, library, param, shown):
    """A parameter the form does not show (an edited or stale link) still gets its message."""
    response = client.get(f"/search?q=saddle&{param}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert shown in html.unescape(page)
    assert "US7000002B2" not in page  # no results for a request that was not understood


def named_links(page: str) -> dict[str, str]:
    """Return each link's accessible name (screen-reader text in, aria-hidden out) -> href."""
    found = {}
    for href, inner in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', page, re.DOTALL):
        inner = re.sub(r'<span aria-hidden="true">.*?</span>', "", inner)
        found[" ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split())] = html.unescape(href)
    return found


def params(href: str) -> dict[str, str]:
    """Return a link's query parameters (one value each)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}


FILTERED = {"q": "cold plate", "cpc_section": "H", "doc_type": "grant", "sort": "date",
            "before": "2030-01-01", "page": "1"}


def test_a_chosen_facet_links_to_the_same_search_without_it(client, library):
    page = client.get("/search", query_string=FILTERED).get_data(as_text=True)
    chosen = re.findall(r'<a href="([^"]*)" class="active">', page)
    assert [params(html.unescape(href)) for href in chosen] == [
        {"q": "cold plate", "doc_type": "grant", "sort": "date", "before": "2030-01-01"},  # H
        {"q": "cold plate", "cpc_section": "H", "sort": "date", "before": "2030-01-01"},  # grant
    ]
    others = [params(html.unescape(href)) for href in re.findall(
        r'<li><a href="([^"]*)">', page.split('<aside class="facets">')[1])]
    assert others and all("page" not in link and link["q"] == "cold plate" for link in others)


def test_the_active_filters_are_listed_each_with_a_remove_link(client, library):
    page = client.get("/search", query_string=FILTERED).get_data(as_text=True)
    links = named_links(page.split('<div class="search-layout">')[0])
    kept = {"q": "cold plate", "sort": "date"}
    assert params(links["Remove filter CPC section H"]) == {
        **kept, "doc_type": "grant", "before": "2030-01-01"}
    assert params(links["Remove filter Document type grant"]) == {
        **kept, "cpc_section": "H", "before": "2030-01-01"}
    assert params(links["Remove filter Published before 2030-01-01"]) == {
        **kept, "cpc_section": "H", "doc_type": "grant"}
    assert params(links["Clear all filters"]) == kept
    # Followed, the filter is gone from the page and from the next search's hidden inputs.
    page = client.get(links["Remove filter CPC section H"]).get_data(as_text=True)
    assert 'name="cpc_section"' not in page and "Remove filter CPC section" not in page
    assert "Remove filter Document type grant" in named_links(page)
    assert "Filtered by" not in client.get(links["Clear all filters"]).get_data(as_text=True)


def test_the_active_filters_show_without_results_too(client, library):
    """A new query keeps the filters: the page says so even when nothing or an error comes back."""
    for q in ("saddle", "(saddle"):
        page = client.get("/search", query_string={"q": q, "cpc_section": "H"}).get_data(as_text=True)
        assert params(named_links(page)["Remove filter CPC section H"]) == {"q": q}
        assert '<input type="hidden" name="cpc_section" value="H">' in page


def test_a_refused_filter_is_not_carried_into_the_next_search(client, library):
    page = client.get("/search?q=saddle&kind=BBBBBBBBB&cpc_section=B").get_data(as_text=True)
    assert 'name="kind"' not in page and "kind=" not in page
    assert '<input type="hidden" name="cpc_section" value="B">' in page
    assert params(named_links(page)["Remove filter CPC section B"]) == {"q": "saddle"}


@pytest.mark.parametrize("name, blank", [("before", "%1D"), ("before", "%20"), ("page", "%20"),
                                         ("sort", "%1D"), ("year", "%09")])
def test_whitespace_is_a_bad_value_not_a_missing_one(client, library, name, blank):
    """What the OpenAPI schema refuses (a date, a page, a sort order) the API refuses too."""
    response = client.get(f"/api/v1/search?q=x&{name}={blank}")
    assert response.status_code == 400 and f"{name}:" in response.get_json()["error"]
    assert client.get(f"/api/v1/search?q=x&{name}=").status_code == 200  # empty: not given


def test_like_claim_lists_only_earlier_documents(client, library):
    application = library[0]
    response = client.get(f"/applications/{application.number}/claims/1/similar")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "US7000001B2" in page
    assert "US9900001B2" not in page  # published after the priority date: not prior art
    assert "2019-06-01" in page
    terms = re.findall(r'<span class="term">([^<]+)</span>', page)
    words = set(re.findall(r"\w+", application.document.claims[0].text.lower()))
    assert terms and set(terms) <= words  # the claim's words ("circulates"), never stems ("circul")
    assert client.get(f"/applications/{application.number}/claims/99/similar").status_code == 404


def test_library_document_page(client, library):
    page = client.get("/documents/US7000001B2").get_data(as_text=True)
    assert "Cold plate for battery cells" in page and "liquid coolant loop" in page
    assert client.get("/documents/US0000000B1").status_code == 404


def test_without_an_index_searches_answer_503_saying_when_to_retry(client, app, db):
    """As the app's other 503s (the database down) do: Retry-After, on the pages and in the API."""
    application = make_application(claims=COOLING)
    db.session.commit()
    shutil.rmtree(app.config["INDEX_DIR"], ignore_errors=True)  # never built, or gone
    for path in ("/search?q=cold", "/api/v1/search?q=cold",
                 f"/applications/{application.number}/claims/1/similar"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == RETRY_AFTER_UNAVAILABLE, path


def test_search_command_prints_json_lines(runner, library):
    result = runner.invoke(args=["search", "cold plate", "--before", "2015-01-01", "--json"])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines()]
    assert [h["number"] for h in hits] == ["US7000001B2"]
    assert set(hits[0]) == {"number", "title", "score"}


def test_search_command_reports_bad_syntax(runner, library):
    result = runner.invoke(args=["search", '"open'])
    assert result.exit_code != 0 and "Error" in result.output


def test_commit_reaches_the_index_and_check_sees_staleness(db, library):
    early = db.session.get(Document, library[1].id)
    assert check_index().stale == []
    early.title = "Renamed cold plate"
    db.session.commit()
    assert check_index().stale == ["US7000001B2"]  # the DB changed, nobody asked to index it
    mark_for_index(db.session, [early.id])
    db.session.commit()
    report = check_index()
    assert (report.missing, report.stale, report.extra) == ([], [], [])


def test_rolled_back_changes_are_not_indexed(db, library):
    new = make_document(number="US7000099B2", title="Never committed")
    mark_for_index(db.session, [new.id])
    db.session.rollback()
    assert check_index().extra == []


def test_index_commands(runner, db, library):
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 0 and "0 missing, 0 stale, 0 extra" in result.output
    make_document(number="US7000123B2", title="Not indexed yet")
    db.session.commit()
    result = runner.invoke(args=["index", "check", "--json"])
    assert result.exit_code == 1 and json.loads(result.output)["missing"] == ["US7000123B2"]
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0


def test_a_library_document_and_an_application_show_the_same_bibliographic_rows(client, db):
    """Both pages render the one partial: every row, in order, with the document's own values."""
    application = make_application(application_number="16/123,456")
    grant = make_document(number="US7000003B2", priority_date=dt.date(2008, 2, 1), cpc=["F28D 15/00"])
    db.session.commit()
    for url, document, cpc in ((f"/documents/{grant.publication_number}", grant, "F28D 15/00"),
                               (f"/applications/{application.number}", application.document,
                                "H01M 10/613, H01M 10/625")):
        page = client.get(url).get_data(as_text=True)
        rows = re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page)
        assert [name for name, _ in rows][:8] == ["Publication", "Application", "Earliest priority",
                                                   "CPC", "IPC", "USPC", "Applicants", "Inventors"]
        values = dict(rows)
        assert values["Publication"] == f"{document.publication_number} ({document.publication_date})"
        assert values["Earliest priority"] == str(document.priority_date)
        assert values["CPC"] == cpc


def test_phrases_on_applicants_and_inventors_find_the_document(client, db, library):
    named = make_document(number="US7000005B2", title="Frozen noodles", applicants=["Sunnock Food Co"],
                          inventors=["Odile Ravensworth"])
    db.session.commit()
    rebuild_index()
    for q in ('applicants:"Sunnock Food"', 'inventors:"odile ravensworth"'):
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code == 200, response.get_json()
        assert [item["number"] for item in response.get_json()["items"]] == [named.publication_number]
        page = client.get("/search", query_string={"q": q})
        assert page.status_code == 200 and named.publication_number in page.get_data(as_text=True)
    assert client.get("/api/v1/search", query_string={"q": 'applicants:"food sunnock"'}).get_json()["total"] == 0


@pytest.mark.parametrize("q", ['uspc:"429 50"', 'cpc:"H01M, B62J"', "con" + "?" * 60])
def test_a_query_the_backend_cannot_build_never_reads_as_a_damaged_index(client, app, library, caplog, q):
    """Not a 503 "rebuild the index" and no ERROR for an admin: the user's query to change."""
    response = client.get("/api/v1/search", query_string={"q": q})
    page = client.get("/search", query_string={"q": q})
    assert response.status_code in (200, 400) and page.status_code == 200
    assert "rebuild" not in response.get_data(as_text=True) + page.get_data(as_text=True)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if app.config["SEARCH_BACKEND"] == "tantivy":  # refused with the reason (Whoosh: no hits)
        assert response.status_code == 400 and response.get_json()["error"]
        assert 'class="error"' in page.get_data(as_text=True)


@pytest.mark.parametrize("before", ["0001-01-01", "0001-01-02", "9999-12-31"])
def test_before_the_first_or_last_day_of_the_calendar(client, library, before):
    response = client.get(f"/api/v1/search?q=cold+plate&before={before}")
    assert response.status_code == 200
    everything = [item["number"] for item in client.get("/api/v1/search?q=cold+plate").get_json()["items"]]
    found = [item["number"] for item in response.get_json()["items"]]
    assert found == ([] if before.startswith("0001") else everything)
    assert client.get(f"/search?q=cold+plate&before={before}").status_code == 200
    assert client.get(f"/api/v1/search?before={before}").status_code == 200


@pytest.mark.parametrize("written, status", [
    ("US7000001", 302),  # no kind code: the library's document of that number
    ("us7000001", 302),
    ("US 7,000,001 B2", 301),  # as the site prints it: another spelling of the same document
    ("US7,000,001B2", 301),
    ("US 7000001 B1", 302),  # a kind the library does not hold: the one it holds
])
def test_a_document_number_written_another_way_redirects_to_its_page(client, library, written, status):
    response = client.get(f"/documents/{written}", query_string={"from": "citation"})
    assert response.status_code == status
    assert response.headers["Location"].endswith("/documents/US7000001B2?from=citation")
    assert "Cold plate for battery cells" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_publication_number_picks_the_kind_given_else_the_earliest(client, db):
    first = make_document(doc_type="application", number="US20140074147A1",
                          publication_date=dt.date(2014, 3, 13))
    make_document(doc_type="application", number="US20140074147A9", publication_date=dt.date(2014, 9, 4))
    db.session.commit()
    for written, target, status in (("US 2014/0074147 A1", first.publication_number, 301),
                                    ("US20140074147", first.publication_number, 302),
                                    ("2014/0074147 A9", "US20140074147A9", 301)):
        response = client.get(f"/documents/{written}")
        assert response.status_code == status, written
        assert response.headers["Location"].endswith(f"/documents/{target}")
    assert client.get("/documents/US20140074147A9").status_code == 200
    for unknown in ("US7000009", "US 2014/0074148 A1", "EP 1 234 567 A1", "not a number"):
        assert client.get(f"/documents/{unknown}").status_code == 404, unknown


@pytest.mark.parametrize("written", ["us7000001b2", "Us7000001B2", "%20US7000001B2%20", "US7000001B2%09"])
def test_a_document_page_at_another_spelling_redirects_to_its_one_url(client, library, written):
    """Not a copy of the page at a second URL: one address to bookmark, link and index."""
    response = client.get(f"/documents/{written}", query_string={"from": "citation"})
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/documents/US7000001B2?from=citation")
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get("/documents/us7000001b2").headers["Location"].endswith("/documents/US7000001B2")


@pytest.mark.parametrize("query, field, error_id", [
    ({"q": "battery ("}, "q", "q-error"),
    ({"q": "a" * 1001}, "q", "q-error"),
    ({"q": "battery", "before": "notadate"}, "before", "before-error"),
])
def test_a_refused_query_or_date_is_described_by_its_message(client, library, query, field, error_id):
    page = client.get("/search", query_string=query).get_data(as_text=True)
    control = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', page).group()
    assert 'aria-invalid="true"' in control
    assert error_id in re.search(r'aria-describedby="([^"]*)"', control).group(1).split()
    assert re.search(rf'<p class="error"[^>]*\bid="{error_id}"', page)


def test_the_query_box_is_described_by_its_help_and_is_valid_until_refused(client, library):
    page = client.get("/search", query_string={"q": "battery"}).get_data(as_text=True)
    control = re.search(r'<input[^>]*\bid="q"[^>]*>', page).group()
    assert re.search(r'aria-describedby="q-help"', control) and "aria-invalid" not in control
    assert 'id="q-help"' in page


def test_search_command_on_a_missing_index_says_so_and_builds_none(app, runner):
    """As the site's 503: a shell search must not turn "not built" into an empty index."""
    import search

    result = runner.invoke(args=["search", "battery"])
    assert result.exit_code == 2, result.output
    assert "no search index" in result.output and "reviewapp index rebuild" in result.output
    assert not search.exists(app.config["INDEX_DIR"], backend=app.config["SEARCH_BACKEND"])
