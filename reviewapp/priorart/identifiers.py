"""Prior-art identifiers: parse what volunteers type into one key per document (pure, no database)."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from ..models.submission import FOREIGN, NPL, US

GRANT, PUBLICATION = "grant", "publication"

# Series prefixes of US grants: design, reissue, plant, statutory invention registration,
# defensive publication.
US_SERIES = ("RE", "PP", "D", "H", "T")
# Number patterns are ASCII-only (re.ASCII, [0-9]): `compact` and `fold` turn every other
# decimal digit (Arabic-Indic, Devanagari...) into ASCII first, so keys are always ASCII and
# one document typed with either kind of digit is one key.
# A kind code: one letter and at most one digit (A1, B2, S1, E, P3...).
KIND_CODE = re.compile(r"[A-Z]\d?", re.ASCII)
# Dashes and slashes NFKC leaves alone (it folds the full-width ones): hyphens, en and em
# dashes, the minus sign; the fraction and division slashes.
DASHES = "\\-\u2010-\u2015\u2212"
SLASHES = "/\u2044\u2215"
# Separators people put in numbers: spaces, commas, dots, dashes, slashes.
SEPARATORS = re.compile(rf"[\s,.{DASHES}{SLASHES}]+")
# A US publication written year/serial or year-serial, with the serial's leading zeros sometimes
# left out. Only a 4-digit year (19xx, 20xx) right before the separator counts, so grants
# (7,123,456, 7 123 456, 7123456-B2) never match.
US_PUBLICATION_SLASH = re.compile(
    rf"^(?:US)?\s*((?:19|20)[0-9][0-9])\s*[{SLASHES}{DASHES}]\s*([0-9]{{1,7}})(?![0-9])", re.IGNORECASE)
US_NUMBER = re.compile(rf"^(?:US)?(?P<series>{'|'.join(US_SERIES)})?(?P<number>\d+)(?P<kind>[A-Z]\d?)?$",
                       re.ASCII)
FOREIGN_NUMBER = re.compile(r"^(?P<country>[A-Z]{2})(?P<number>[A-Z]?\d+)(?P<kind>[A-Z]\d?)?$", re.ASCII)
DOI = re.compile(r"\b(10\.[0-9]{4,9}/[^\s\"<>]+)", re.IGNORECASE)
# Query parameters that track the reader and say nothing about the document.
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|source)$", re.IGNORECASE)
MAX_URL = 2048

# Patent offices: ISO 3166-1 alpha-2 countries plus the regional and international offices.
COUNTRIES = frozenset(["AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CS", "CU", "CV", "CW", "CX", "CY", "CZ", "DD", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SU", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "YU", "ZA", "ZM", "ZW", "EP", "WO", "EA", "AP", "OA", "GC", "EM", "IB", "XN"])

US_EXAMPLES = "e.g. US 7,123,456 B2, US 2018/0000016 A1 or D512,345"
FOREIGN_EXAMPLES = "e.g. EP 1 234 567 A1, WO 2010/123456 or JP2001-123456A"


class IdentifierError(ValueError):
    """An identifier that cannot be read, with a message for the volunteer."""


class UrlError(ValueError):
    """A web address refused, with a message for the volunteer."""


@dataclass(frozen=True)
class Identifier:
    """A parsed prior-art identifier: the dedupe key and how to show it."""

    kind: str  # us | foreign | npl
    key: str  # one per document: US7123456, US20180000016, EP1234567, doi:10.1000/x, npl:3f2a...
    kind_code: str = ""  # B2, A1...: shown, never part of the key
    country: str = ""
    number: str = ""  # the key without the country: 7123456, D512345, 20180000016
    publication_type: str = ""  # grant | publication, for US documents
    display: str = ""  # the key with its kind code (US7123456B2), or the DOI or URL given

    @property
    def is_patent(self) -> bool:
        return self.kind in (US, FOREIGN)


def parse_identifier(kind: str, text: str, *, url: str = "", title: str = "") -> Identifier:
    """Return the identifier of a document of `kind` (us, foreign, npl) or raise IdentifierError."""
    if kind == US:
        return parse_us(text)
    if kind == FOREIGN:
        return parse_foreign(text)
    if kind == NPL:
        return parse_npl(text, url=url, title=title)
    raise IdentifierError("Choose the kind of document: US patent or publication, foreign patent, "
                          "or non-patent literature.")


def fold(text: str) -> str:
    """Return `text` in NFKC with every decimal digit in ASCII (٧١٢ and ７１２ -> 712)."""
    # NFKC folds full-width digits and slashes but not Arabic-Indic, Persian, Devanagari...
    # digits, which would otherwise make a second key for the same number.
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c
                   for c in unicodedata.normalize("NFKC", text))


def compact(text: str) -> str:
    """Return `text` folded, upper-cased, without spaces, commas, dots, dashes or slashes."""
    return SEPARATORS.sub("", fold(text)).upper()


def parse_us(text: str) -> Identifier:
    """Parse a US grant (7,123,456 B2, D512,345, RE45,678) or publication (2018/0000016 A1)."""
    text = (text or "").strip()
    if not text:
        raise IdentifierError(f"Enter the patent or publication number, {US_EXAMPLES}.")
    # "2005/123456" (or 2005-123456, 2005／123456) is publication 2005/0123456: pad the serial
    # before the separator disappears, after folding, so a full-width slash or non-ASCII digits
    # do not make it grant 2005123456.
    number_text = US_PUBLICATION_SLASH.sub(lambda m: f"US{m[1]}{m[2].zfill(7)}", fold(text), count=1)
    match = US_NUMBER.fullmatch(compact(number_text))
    if match is None:
        foreign = FOREIGN_NUMBER.fullmatch(compact(number_text))
        if foreign and foreign["country"] in COUNTRIES:
            raise IdentifierError(f"{foreign['country']} is not a US number: "
                                  "choose \"Foreign patent\" for it.")
        raise IdentifierError(f"\"{text}\" is not a US patent or publication number; {US_EXAMPLES}.")
    series, number, kind_code = match["series"] or "", match["number"], match["kind"] or ""
    if not series and len(number) == 11 and number[:2] in ("19", "20"):
        if kind_code.startswith("B"):
            raise IdentifierError(f"{kind_code} is the kind code of a granted patent, but {number[:4]}/"
                                  f"{number[4:]} is a publication number: check the number or the kind code.")
        key = f"US{number}"
        return Identifier(US, key, kind_code, "US", number, PUBLICATION, key + kind_code)
    number = number.lstrip("0")
    if not number or len(number) > 8:
        raise IdentifierError(f"\"{text}\" is not a US patent or publication number: grants have up to "
                              f"8 digits, publications 11 (year and serial); {US_EXAMPLES}.")
    if kind_code in ("A1", "A2", "A9"):
        raise IdentifierError(f"{kind_code} is the kind code of a published application, whose number has "
                              f"a year and a serial like 2018/0000016: check the number or the kind code.")
    key = f"US{series}{number}"
    return Identifier(US, key, kind_code, "US", series + number, GRANT, key + kind_code)


def parse_foreign(text: str) -> Identifier:
    """Parse a foreign patent document (EP 1 234 567 A1, WO 2010/123456, JP2001-123456A)."""
    text = (text or "").strip()
    if not text:
        raise IdentifierError(f"Enter the patent number with its country code, {FOREIGN_EXAMPLES}.")
    match = FOREIGN_NUMBER.fullmatch(compact(text))
    if match is None:
        raise IdentifierError(f"\"{text}\" is not a patent number with a country code; {FOREIGN_EXAMPLES}.")
    country, number, kind_code = match["country"], match["number"], match["kind"] or ""
    if country == "US":
        raise IdentifierError("This is a US number: choose \"US patent or publication\" for it.")
    if country not in COUNTRIES:
        raise IdentifierError(f"{country} is not a known country or patent office code; {FOREIGN_EXAMPLES}.")
    if sum(c.isdigit() for c in number) < 4:
        raise IdentifierError(f"\"{text}\" is too short for a patent number; {FOREIGN_EXAMPLES}.")
    key = country + number
    return Identifier(FOREIGN, key, kind_code, country, number, "", key + kind_code)


def parse_npl(text: str, *, url: str = "", title: str = "") -> Identifier:
    """Key non-patent literature by its DOI, else its normalised URL, else its normalised title."""
    return npl_identifier(text, url=url, title=title)[0]


def npl_identifier(text: str, *, url: str = "", title: str = "") -> tuple[Identifier, str]:
    """Return `parse_npl`'s identifier and the field its key comes from: identifier, url or title."""
    text, url, title = (text or "").strip(), (url or "").strip(), (title or "").strip()
    typed_doi = find_doi(text)
    doi = typed_doi or find_doi(url)
    if doi:
        key = f"doi:{doi}"
        if len(key) > 255:  # longer than the column: keep it unique all the same
            key = "npl:" + digest("doi", doi)
        # A citation typed beside a DOI link stays shown, as beside any other link.
        shown = text if not typed_doi and normalise_title(text) and not looks_like_url(text) else f"doi:{doi}"
        return Identifier(NPL, key, display=shown), "identifier" if typed_doi else "url"
    if looks_like_url(text):
        return Identifier(NPL, "npl:" + digest("url", normalise_url(text)), display=text), "identifier"
    if url:
        # A citation typed beside the link (an ISBN, a report number) is what the volunteer
        # cited: it is shown, and the link (stored in its own field) gives the key.
        shown = text if normalise_title(text) else url
        return Identifier(NPL, "npl:" + digest("url", normalise_url(url)), display=shown), "url"
    # Without a title, a citation typed as the identifier (an ISBN, a report number) will do.
    for normalised, source in ((normalise_title(title), "title"), (normalise_title(text), "identifier")):
        if normalised:
            return Identifier(NPL, "npl:" + digest("title", normalised), display=text), source
    raise IdentifierError("Give the title of this non-patent literature, or its DOI or web address.")


def rekey_npl(key: str, shown: str, before: tuple[str, str],
              after: tuple[str, str]) -> tuple[Identifier, str] | None:
    """Return edited non-patent literature's identifier and its field (url, title), if it follows them.

    `key` and `shown` are the stored key and identifier as shown; `before` and `after` the
    (url, title) before and after the edit. None when the key does not come from the address
    or title (a DOI or address typed as the identifier, which an edit does not change).
    """
    # The identifier field is not stored as typed: `shown` is what the key was made of. A
    # citation typed there (an ISBN) stays; an address or DOI shown there came from the fields
    # when the fields alone give the stored key.
    typed = "" if looks_like_url(shown) or find_doi(shown) else shown
    try:
        was, source = npl_identifier(typed, url=before[0], title=before[1])
    except IdentifierError:
        return None
    if was.key != key or source == "identifier":
        return None
    identifier, source = npl_identifier(typed, url=after[0], title=after[1])
    return identifier, "url" if source == "url" else "title"


def digest(namespace: str, value: str) -> str:
    """Return a short stable hash of `value`; namespaces keep a URL and a title apart."""
    return hashlib.sha1(f"{namespace}:{value}".encode()).hexdigest()[:20]


def find_doi(text: str) -> str | None:
    """Return the DOI in `text` (a bare DOI, doi:..., or a doi.org link), lower-cased."""
    if not text:
        return None
    text = text.strip()
    # In a link the DOI is the path: the query (?utm_source=...) and fragment (#sec1) are the
    # link's, so split before unquoting (a DOI's own '#' or '?' is percent-encoded in a link).
    # Only a DOI passed as a query value (?doi=10...) is looked for there.
    if looks_like_url(text):
        parts = urlsplit(text if "://" in text else "http://" + text)
        places = [unquote(parts.path), *(value for _, value in parse_qsl(parts.query))]
    else:
        places = [unquote(text)]
    for place in places:
        match = DOI.search(place)
        if match is not None:
            # A trailing slash ("10.1000/abc/") is the link's, never the DOI's.
            doi = match[1].rstrip(".,;:)]}'/").lower()
            if "/" in doi:  # not a bare prefix ("10.1000/" stripped)
                return doi
    return None


def looks_like_url(text: str) -> bool:
    """Tell whether `text` is a web address rather than a citation."""
    return bool(re.match(r"^(https?://|www\.)\S+$", text, re.IGNORECASE))


def check_url(url: str) -> str:
    """Return `url` trimmed when it is a full http(s) address, "" when empty; raise UrlError otherwise."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL:
        raise UrlError(f"This address is {len(url):,} characters long; at most {MAX_URL:,} are accepted.")
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        raise UrlError("A web address cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise UrlError("This is not a valid web address, e.g. https://example.org/paper.pdf.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UrlError("Only http:// and https:// links are accepted, e.g. https://example.org/paper.pdf.")
    if not host:
        raise UrlError("Enter a full web address, e.g. https://example.org/paper.pdf.")
    return url


def normalise_url(url: str) -> str:
    """Return `url` without what varies between copies: scheme, www., port 80/443, fragment, tracking."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:
        port = None
    path = re.sub(r"/+$", "", parts.path) or ""
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not TRACKING_PARAMS.match(k))
    return f"{host}{':' + str(port) if port else ''}{path}{'?' + urlencode(query) if query else ''}"


def normalise_title(title: str) -> str:
    """Return `title` case-folded, without accents, punctuation or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", title or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def strip_kind_code(publication_number: str, key: str) -> str | None:
    """Return the kind code when `publication_number` is `key` plus one (US7123456B2 -> B2), else None."""
    if not publication_number.startswith(key):
        return None
    rest = publication_number[len(key):]
    return rest if rest == "" or KIND_CODE.fullmatch(rest) else None


def printed_number(country: str, number: str, kind_code: str = "") -> str:
    """Return a cited patent's number as readers write it (US 5,745,511 A, US D512,345 S,
    US 2014/0074147 A1); as the XML gives it (EP 1234567 A1) when no US rule reads it."""
    given = " ".join(part for part in (country.strip(), number.strip(), kind_code.strip()) if part)
    if country.strip().upper() not in ("", "US"):
        return given
    try:
        parsed = parse_us(f"{number} {kind_code}")
    except IdentifierError:
        return given
    digits = parsed.number
    if parsed.publication_type == PUBLICATION:
        shown = f"{digits[:4]}/{digits[4:]}"
    else:
        series = digits.rstrip("0123456789")  # D, RE, PP, T...
        shown = f"{series}{int(digits[len(series):]):,}"
    return " ".join(part for part in ("US", shown, parsed.kind_code) if part)


def reference_key(country: str, number: str, kind_code: str = "") -> str:
    """Return the key of a cited patent document, as a volunteer's identifier would be keyed.

    `US 7,123,456 B2`, `US7123456` and a grant's `<doc-number>07123456</doc-number>` all give
    US7123456; "" when there is no number. Numbers no rule reads are kept compacted.
    """
    country, number, kind_code = (country or "").strip().upper(), (number or "").strip(), (kind_code or "").strip()
    if not number:
        return ""
    parse = parse_us if country in ("", "US") else parse_foreign
    prefix = "" if country in ("", "US") or compact(number).startswith(country) else country
    for text in (f"{prefix}{number} {kind_code}", f"{prefix}{number}"):
        try:
            return parse(text).key[:32]
        except IdentifierError:
            continue
    return compact(f"{country}{number}")[:32]
