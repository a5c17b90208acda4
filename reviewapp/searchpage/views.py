"""The search page, its JSON twin, and "find documents like this claim"."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for

import search

from ..extensions import db
from ..loaders import get_application
from ..models import Reference
from ..priorart.citations import document_citations
from ..priorart.identifiers import printed_number
from ..security import RETRY_AFTER_UNAVAILABLE
from .forms import SearchForm
from .links import SearchLinks
from .services import SearchUnavailable, find_similar, get_document, match_number, search_documents

bp = Blueprint("searchpage", __name__)

# A search the index cannot answer is a 503, which says when to try again as the app's others do.
UNAVAILABLE = {"Retry-After": RETRY_AFTER_UNAVAILABLE}


@bp.app_template_filter("printed_number")
def printed_reference_number(reference: Reference) -> str:
    """Return a cited patent's number as readers write it: US 5,745,511 A."""
    return printed_number(reference.country, reference.number, reference.kind_code)


def run_search(form: SearchForm):
    """Return (results, error message, status) for a validated form."""
    try:
        results = search_documents(form.q.data or "", filters=form.filters(), before=form.before.data,
                                   sort=form.sort.data or "relevance", page=form.page.data or 1)
    except search.QuerySyntaxError as error:
        return None, str(error), 400
    except SearchUnavailable as error:  # missing or damaged index: the page says so (503)
        return None, str(error), 503
    return results, None, 200


@bp.route("/search")
def search_page():
    """Search applications and the prior-art library."""
    form = SearchForm(request.args)
    results, error, status = run_search(form) if request.args and form.validate() else (None, None, 200)
    links = SearchLinks.of(request.args.to_dict(), refused=form.errors)
    page = render_template("searchpage/search.html", form=form, results=results, error=error,
                           links=links)
    return (page, 503, UNAVAILABLE) if status == 503 else page


@bp.route("/api/v1/search")
def search_api():
    """Return search hits and facets as JSON."""
    form = SearchForm(request.args)
    if not form.validate():
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in form.errors.items())
        return jsonify(error=f"invalid parameters: {problems}"), 400
    results, error, status = run_search(form)
    if error:
        return jsonify(error=error), status, UNAVAILABLE if status == 503 else {}
    return results_response(results, form.page.data or 1)


def results_response(results: search.Results, page: int) -> Response:
    """Answer one page of results in JSON: a page past the last has no items."""
    # The engine hands back its last page for one past the end (the HTML page shows that); the
    # API answers it empty, as its other lists do, so a client paging until no items stops.
    hits = results.hits if page <= results.pagecount else []
    return jsonify(
        total=results.total, page=page, pages=results.pagecount,
        items=[{"number": h.id, "title": h.title, "score": round(h.score, 4), "kind": h.kind,
                "doc_type": h.doc_type, "status": h.status, "cpc": h.cpc,
                "publication_date": h.publication_date.isoformat() if h.publication_date else None,
                "snippet": h.snippet} for h in hits],
        facets={name: [{"value": v, "count": c} for v, c in values] for name, values in results.facets.items()},
    )


@bp.route("/applications/<number>/claims/<int:claim_number>/similar")
def similar(number: str, claim_number: int):
    """List library documents like one claim, published before the priority date."""
    application = get_application(db.session, number)
    if application is None:
        abort(404)
    claim = next((c for c in application.document.claims if c.number == claim_number), None)
    if claim is None:
        abort(404)
    try:
        found = find_similar(application, claim)
    except SearchUnavailable as error:
        return render_template("searchpage/similar.html", application=application, claim=claim, found=None,
                               error=str(error)), 503, UNAVAILABLE
    return render_template("searchpage/similar.html", application=application, claim=claim, found=found, error=None)


# <path:>: a publication number as printed has a slash (US 2014/0074147 A1).
@bp.route("/documents/<path:number>")
def document(number: str):
    """Show one library document with its claims and cited references."""
    found = get_document(db.session, number)
    if found is None:
        return redirect_to_document(number)
    if found.publication_number != number:  # us7000001b2, " US7000001B2": one page, one URL
        return redirect(with_query(url_for("searchpage.document", number=found.publication_number)),
                        301)
    return render_template("searchpage/document.html", document=found,
                           citations=document_citations(db.session, found))


def redirect_to_document(number: str):
    """Redirect a number written another way (US 9,752,311 B2, US9752311) to its document's page.

    Permanent (301) when the number named the document's kind code; else temporary (302): a
    number without one names the earliest of its kinds the library holds, which an import of
    an earlier kind would change. 404 when the library holds no such number.
    """
    match = match_number(db.session, number)
    if match is None:
        abort(404)
    target = url_for("searchpage.document", number=match.publication_number)
    return redirect(with_query(target), 301 if match.same_kind else 302)


def with_query(target: str) -> str:
    """Return a redirect's target with this request's query string (?from=citation)."""
    if not request.args:
        return target
    return target + "?" + urlencode(list(request.args.items(multi=True)))
