"""Identifier parsing: every way people write a document number gives one key."""
from __future__ import annotations

import pytest

from reviewapp.priorart.identifiers import (
    GRANT,
    PUBLICATION,
    IdentifierError,
    UrlError,
    check_url,
    find_doi,
    normalise_title,
    normalise_url,
    parse_identifier,
    printed_number,
    rekey_npl,
    strip_kind_code,
)
from reviewapp.priorart.submitting import CREATED, ENDORSED, submit_prior_art
from tests.priorart.helpers import data


@pytest.mark.parametrize("text", [
    "US 7,123,456 B2", "US7123456", "7123456", "US 7123456 B1", "us7123456b2", "7,123,456",
    "US 07123456 B2", "U.S. 7,123,456".replace("U.S.", "US"), " US-7.123.456 ", "US\u00a07\u202f123\u202f456",
])
def test_us_grants_share_one_key_whatever_the_kind_code(text):
    identifier = parse_identifier("us", text)
    assert identifier.key == "US7123456"
    assert identifier.publication_type == GRANT
    assert identifier.kind == "us"


def test_us_grant_keeps_its_kind_code_for_display():
    identifier = parse_identifier("us", "US 7,123,456 B2")
    assert (identifier.kind_code, identifier.display, identifier.number) == ("B2", "US7123456B2", "7123456")
    assert parse_identifier("us", "7123456").display == "US7123456"


@pytest.mark.parametrize("text", [
    "US 2018/0000016 A1", "US20180000016A1", "2018/0000016", "US 2018/0000016", "20180000016",
    "US 2018-0000016 A1", "2018/16", "US 2018 / 0000016 A9",
])
def test_us_publications_share_one_key(text):
    identifier = parse_identifier("us", text)
    assert identifier.key == "US20180000016"
    assert identifier.publication_type == PUBLICATION


def test_short_publication_serial_is_padded():
    assert parse_identifier("us", "US 2005/123456 A1").key == "US20050123456"


@pytest.mark.parametrize("text, key, kind_code", [
    ("D512,345", "USD512345", ""),
    ("USD512345S1", "USD512345", "S1"),
    ("US D0512345 S", "USD512345", "S"),
    ("RE45,678 E", "USRE45678", "E"),
    ("US PP12,345 P2", "USPP12345", "P2"),
    ("US 11,234,567 B2", "US11234567", "B2"),
    ("US 5,123,456 A", "US5123456", "A"),
])
def test_us_series_and_eight_digit_grants(text, key, kind_code):
    identifier = parse_identifier("us", text)
    assert (identifier.key, identifier.kind_code) == (key, kind_code)


@pytest.mark.parametrize("text, message", [
    ("", "Enter the patent or publication number"),
    ("   ", "Enter the patent or publication number"),
    ("hello world", "is not a US patent or publication number"),
    ("US", "is not a US patent or publication number"),
    ("US 123456789", "grants have up to 8 digits"),
    ("0000000", "is not a US patent or publication number"),
    ("US 2018/0000016 B2", "B2 is the kind code of a granted patent"),
    ("US 7,123,456 A1", "A1 is the kind code of a published application"),
    ("EP 1 234 567 A1", "EP is not a US number"),
    ("JP2001-123456A", "JP is not a US number"),
    ("US 7123456 B22", "is not a US patent or publication number"),
    ("7123456; DROP TABLE", "is not a US patent or publication number"),
    ("１２３４５６７８９０１２", "is not a US patent or publication number"),
])
def test_junk_us_identifiers_are_refused_with_a_message(text, message):
    with pytest.raises(IdentifierError, match=message):
        parse_identifier("us", text)


@pytest.mark.parametrize("text, key, kind_code", [
    ("EP 1 234 567 A1", "EP1234567", "A1"),
    ("EP1234567B1", "EP1234567", "B1"),
    ("ep 1234567", "EP1234567", ""),
    ("WO 2010/123456", "WO2010123456", ""),
    ("WO2010123456A2", "WO2010123456", "A2"),
    ("JP2001-123456A", "JP2001123456", "A"),
    ("JP 2001-123456 A", "JP2001123456", "A"),
    ("DE 10 2004 012 345 A1", "DE102004012345", "A1"),
    ("GB 2 345 678 A", "GB2345678", "A"),
    ("KR 10-2005-0012345 A", "KR1020050012345", "A"),
    ("JP H11-123456 A", "JPH11123456", "A"),
    ("CN 101234567 A", "CN101234567", "A"),
])
def test_foreign_documents_key_on_country_and_digits(text, key, kind_code):
    identifier = parse_identifier("foreign", text)
    assert (identifier.key, identifier.kind_code) == (key, kind_code)
    assert identifier.country == key[:2]


def test_foreign_kind_codes_do_not_split_a_document():
    a1, b1 = parse_identifier("foreign", "EP 1 234 567 A1"), parse_identifier("foreign", "EP1234567B1")
    assert a1.key == b1.key


@pytest.mark.parametrize("text, message", [
    ("", "Enter the patent number with its country code"),
    ("1234567", "is not a patent number with a country code"),
    ("US 7,123,456", "This is a US number"),
    ("ZZ 1234567", "ZZ is not a known country"),
    ("EP 12", "too short"),
    ("EP", "is not a patent number with a country code"),
    ("EP 1234567 A12", "is not a patent number with a country code"),
    ("<script>", "is not a patent number with a country code"),
])
def test_junk_foreign_identifiers_are_refused(text, message):
    with pytest.raises(IdentifierError, match=message):
        parse_identifier("foreign", text)


@pytest.mark.parametrize("text, url", [
    ("doi:10.1145/3368089.3409763", ""),
    ("DOI: 10.1145/3368089.3409763", ""),
    ("10.1145/3368089.3409763", ""),
    ("https://doi.org/10.1145/3368089.3409763", ""),
    ("", "https://dx.doi.org/10.1145/3368089.3409763"),
    ("", "https://doi.org/10.1145%2F3368089.3409763"),
    ("see 10.1145/3368089.3409763.", ""),
])
def test_npl_with_a_doi_keys_on_the_lower_cased_doi(text, url):
    identifier = parse_identifier("npl", text, url=url, title="Whatever")
    assert identifier.key == "doi:10.1145/3368089.3409763"
    assert identifier.kind == "npl"


def test_doi_is_lower_cased():
    assert parse_identifier("npl", "doi:10.1000/ABC.Def").key == "doi:10.1000/abc.def"


def test_npl_without_doi_keys_on_the_normalised_url():
    a = parse_identifier("npl", "", url="https://www.Example.org/paper/?utm_source=x&b=2&a=1#sec2", title="A")
    b = parse_identifier("npl", "", url="http://example.org/paper?a=1&b=2", title="B")
    c = parse_identifier("npl", "", url="https://example.org/other", title="A")
    assert a.key == b.key != c.key
    assert a.key.startswith("npl:") and len(a.key) == 24


def test_npl_url_given_as_identifier_counts_as_url():
    assert (parse_identifier("npl", "https://example.org/paper", title="A").key
            == parse_identifier("npl", "", url="https://example.org/paper", title="B").key)


def test_npl_without_doi_or_url_keys_on_the_normalised_title():
    a = parse_identifier("npl", "", title="  Cooling of Lithium-Ion Batteries: a Review ")
    b = parse_identifier("npl", "", title="cooling of lithium ion batteries — a review")
    c = parse_identifier("npl", "", title="Heating of lithium ion batteries")
    assert a.key == b.key != c.key


def test_npl_title_and_url_never_collide():
    assert (parse_identifier("npl", "", title="example.org/x").key
            != parse_identifier("npl", "", url="https://example.org/x").key)


def test_an_npl_key_follows_an_edited_address_or_title():
    def rekey(text: str, url: str, title: str, new_url: str, new_title: str):
        stored = parse_identifier("npl", text, url=url, title=title)
        return rekey_npl(stored.key, stored.display, (url, title), (new_url, new_title))

    by_url = rekey("", "https://example.org/a", "A", "https://example.org/b", "A")
    assert by_url == (parse_identifier("npl", "", url="https://example.org/b"), "url")
    by_doi_link = rekey("", "https://doi.org/10.1000/x", "A", "https://doi.org/10.1000/y", "A")
    assert (by_doi_link[0].key, by_doi_link[1]) == ("doi:10.1000/y", "url")
    to_title = rekey("", "https://example.org/a", "A", "", "B")
    assert (to_title[0].key, to_title[1]) == (parse_identifier("npl", "", title="B").key, "title")
    cited = rekey("ISBN 978-3-16", "", "A", "", "B")  # the citation typed stays as shown
    assert cited == (parse_identifier("npl", "ISBN 978-3-16", title="B"), "title")
    assert cited[0].display == "ISBN 978-3-16"


@pytest.mark.parametrize("text", ["doi:10.1000/x", "https://example.org/paper"])
def test_an_npl_key_typed_as_the_identifier_does_not_follow_an_edit(text):
    stored = parse_identifier("npl", text, url="https://example.org/a", title="A")
    assert rekey_npl(stored.key, stored.display, ("https://example.org/a", "A"),
                     ("https://example.org/b", "B")) is None


def test_npl_with_nothing_to_key_on_is_refused():
    with pytest.raises(IdentifierError, match="Give the title"):
        parse_identifier("npl", "", title="  ?!  ")


def test_unknown_kind_is_refused():
    with pytest.raises(IdentifierError, match="Choose the kind"):
        parse_identifier("trademark", "123")


@pytest.mark.parametrize("url", [
    "https://example.org/paper.pdf", "http://example.org", "HTTPS://EXAMPLE.ORG/a?b=c#d",
    "  https://example.org/x  ",
])
def test_http_and_https_urls_are_accepted(url):
    assert check_url(url) == url.strip()


def test_empty_url_is_fine():
    assert check_url("") == "" and check_url("   ") == ""


@pytest.mark.parametrize("url, message", [
    ("javascript:alert(1)", "Only http:// and https://"),
    ("JavaScript:alert(document.cookie)", "Only http:// and https://"),
    ("java\tscript:alert(1)", "spaces or control characters"),
    ("data:text/html;base64,PHNjcmlwdD4=", "Only http:// and https://"),
    ("vbscript:msgbox", "Only http:// and https://"),
    ("ftp://example.org/file", "Only http:// and https://"),
    ("file:///etc/passwd", "Only http:// and https://"),
    ("//evil.example/x", "Only http:// and https://"),
    ("example.org/paper", "Only http:// and https://"),
    ("https://", "Enter a full web address"),
    ("http:/example.org", "Enter a full web address"),
    ("https://exa mple.org", "spaces"),
    ("http://[::1", "not a valid web address"),
    ("https://example.org/" + "a" * 2100, "at most 2,048"),
])
def test_other_urls_are_refused(url, message):
    with pytest.raises(UrlError, match=message):
        check_url(url)


def test_find_doi():
    assert find_doi("no doi here") is None
    assert find_doi("") is None
    assert find_doi("(doi:10.1000/182)") == "10.1000/182"


def test_normalise_url_drops_what_varies():
    assert normalise_url("https://www.Example.org:443/a/b/?utm_medium=x&z=1#top") == "example.org/a/b?z=1"
    assert normalise_url("http://example.org:8080/") == "example.org:8080"


def test_normalise_title():
    assert normalise_title("Ünïcode — Títle,  with   PUNCTUATION!") == "unicode title with punctuation"


def test_strip_kind_code_matches_only_the_same_number():
    assert strip_kind_code("US7123456B2", "US7123456") == "B2"
    assert strip_kind_code("USRE45678E", "USRE45678") == "E"
    assert strip_kind_code("US71234567B2", "US7123456") is None
    assert strip_kind_code("US20180000016A1", "US20180000016") == "A1"
    assert strip_kind_code("US7123456", "US7123456") == ""


@pytest.mark.parametrize("country, number, kind_code, printed", [
    ("US", "05745511", "A", "US 5,745,511 A"),
    ("US", "09073328", "B2", "US 9,073,328 B2"),
    ("", "7,123,456", "", "US 7,123,456"),
    ("US", "20140074147", "A1", "US 2014/0074147 A1"),
    ("US", "D0512345", "S", "US D512,345 S"),
    ("US", "RE045678", "E", "US RE45,678 E"),
    ("EP", "1234567", "A1", "EP 1234567 A1"),
    ("US", "not a number", "", "US not a number"),
])
def test_cited_numbers_are_printed_as_readers_write_them(country, number, kind_code, printed):
    assert printed_number(country, number, kind_code) == printed


# --- one document, one key, however it is typed (audit items 3 and 6) ----------------------

@pytest.mark.parametrize("kind, text, key", [
    ("us", "\u0667\u0661\u0662\u0663\u0664\u0665\u0666", "US7123456"),  # Arabic-Indic
    ("us", "US \u06f7,\u06f1\u06f2\u06f3,\u06f4\u06f5\u06f6 B2", "US7123456"),  # Persian
    ("us", "\u096d\u0967\u0968\u0969\u096a\u096b\u096c", "US7123456"),  # Devanagari
    ("us", "US \u0662\u0660\u0661\u0668/\u0661\u0666 A1", "US20180000016"),
    ("foreign", "EP \u0661\u0662\u0663\u0664\u0665\u0666\u0667 A1", "EP1234567"),
])
def test_non_ascii_digits_give_the_ascii_key(kind, text, key):
    identifier = parse_identifier(kind, text)
    assert identifier.key == key
    assert identifier.display.isascii() and identifier.number.isascii()


@pytest.mark.parametrize("text, kind_code", [
    ("US 2018\uff0f16", ""),  # full-width slash
    ("US 2018\u204416 A1", "A1"),  # fraction slash
    ("US 2018-16", ""),
    ("US 2018 - 16 A1", "A1"),
    ("US 2018\u201316", ""),  # en dash
    ("US 2018\u221216 A1", "A1"),  # minus sign
    ("2018\uff0d16", ""),  # full-width hyphen-minus
    ("US 2018-16-A1", "A1"),
])
def test_a_short_publication_serial_after_any_slash_or_dash_is_a_publication(text, kind_code):
    identifier = parse_identifier("us", text)
    assert (identifier.key, identifier.kind_code) == ("US20180000016", kind_code)
    assert identifier.publication_type == PUBLICATION


@pytest.mark.parametrize("text, key, kind_code", [
    ("US 7123456\u2212B2", "US7123456", "B2"),  # minus sign before the kind code
    ("US 7123456-B2", "US7123456", "B2"),
    ("7 123 456", "US7123456", ""),
    ("7-123-456", "US7123456", ""),
    ("US 2012345-B2", "US2012345", "B2"),  # a grant starting like a year stays a grant
    ("US 2,012,345", "US2012345", ""),
])
def test_grants_written_with_dashes_stay_grants(text, key, kind_code):
    identifier = parse_identifier("us", text)
    assert (identifier.key, identifier.kind_code, identifier.publication_type) == (key, kind_code, GRANT)


@pytest.mark.parametrize("text, url", [
    ("", "https://doi.org/10.1000/abc#sec1"),
    ("", "https://doi.org/10.1000/abc?utm_source=twitter"),
    ("", "https://doi.org/10.1000/abc/"),
    ("", "https://doi.org/10.1000/ABC/?utm_source=x#top"),
    ("https://doi.org/10.1000/abc#sec1", ""),
    ("https://doi.org/10.1000/abc?utm_source=x", "https://example.org/paper"),
    ("doi:10.1000/abc", ""),
    ("", "https://example.org/resolve?doi=10.1000/abc&utm_source=x"),
])
def test_a_doi_from_a_link_drops_the_links_query_fragment_and_slash(text, url):
    assert parse_identifier("npl", text, url=url, title="A").key == "doi:10.1000/abc"


def test_a_doi_keeps_its_own_punctuation_and_encoded_characters():
    assert find_doi("https://doi.org/10.1002/(SICI)1097-4636;2-X") == "10.1002/(sici)1097-4636;2-x"
    assert find_doi("https://doi.org/10.1000/a%23b?x=1") == "10.1000/a#b"
    assert find_doi("https://doi.org/10.1000/") is None


def test_a_citation_typed_beside_a_link_is_kept_as_the_identifier_shown():
    citation = "ISBN 978-0-13-468599-1, ch. 4"
    url = "https://books.example.org/battery-handbook"
    identifier = parse_identifier("npl", citation, url=url, title="Battery Handbook")
    # The link still gives the key: the same link without a citation is the same document.
    assert identifier.key == parse_identifier("npl", "", url=url, title="Other").key
    assert identifier.display == citation
    doi_link = parse_identifier("npl", citation, url="https://doi.org/10.1000/abc", title="B")
    assert (doi_link.key, doi_link.display) == ("doi:10.1000/abc", citation)
    # Punctuation alone is no citation: the link is shown.
    assert parse_identifier("npl", " - ", url=url, title="B").display == url
    # An edited link re-keys it, and the citation stays shown.
    rekeyed = rekey_npl(identifier.key, identifier.display, (url, "Battery Handbook"),
                        ("https://other.example/b", "Battery Handbook"))
    assert rekeyed is not None and rekeyed[1] == "url"
    assert rekeyed[0].key == parse_identifier("npl", "", url="https://other.example/b").key
    assert rekeyed[0].display == citation


def test_a_submission_with_a_citation_and_a_link_stores_the_citation(db, application, alice):
    outcome = submit_prior_art(db.session, application, alice, data(
        kind="npl", identifier="ISBN 978-0-13-468599-1, ch. 4", title="Battery Handbook",
        url="https://books.example.org/battery-handbook"))
    assert outcome.status == CREATED
    assert outcome.submission.identifier_raw == "ISBN 978-0-13-468599-1, ch. 4"
    assert outcome.submission.url == "https://books.example.org/battery-handbook"


def test_the_same_number_in_arabic_indic_digits_is_an_endorsement(db, application, alice, bob):
    assert submit_prior_art(db.session, application, alice, data()).status == CREATED
    outcome = submit_prior_art(db.session, application, bob, data(
        identifier="US \u0667,\u0661\u0662\u0663,\u0664\u0665\u0666 B2"))
    assert outcome.status == ENDORSED
