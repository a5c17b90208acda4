"""Machine-found candidates: leads for volunteers, a separate ranked list for the examiner."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from reviewapp.indexing import rebuild_index
from reviewapp.models import MachineLead
from reviewapp.ranking.candidates import machine_candidates, store_machine_leads
from reviewapp.ranking.jobs import run_rescore_job
from tests.factories import make_application, make_document, make_submission, make_user

COOLING = [(1, "A battery pack cooled by a liquid coolant loop through a cold plate.", [])]


@pytest.fixture
def library(db):
    """Index an application and four library grants: one too late, one submitted, one off topic."""
    application = make_application(
        title="Liquid cooled battery pack", priority_date=dt.date(2019, 6, 1),
        claims=[(1, ("A battery pack comprising a cold plate through which a liquid coolant "
                    "circulates, said coolant pumped by a pump."), [])])
    early = make_document(number="US7000001B2", title="Cold plate for battery cells",
                          claims=COOLING, publication_date=dt.date(2012, 3, 6),
                          cpc=["H01M 10/6556"])
    late = make_document(number="US9900001B2", title="Improved cold plate for battery",
                         claims=COOLING, publication_date=dt.date(2020, 3, 3))
    submitted = make_document(number="US7000003B2", title="Coolant loop for battery",
                              claims=COOLING, publication_date=dt.date(2011, 1, 4))
    make_document(number="US7000002B2", title="Bicycle saddle", abstract="A soft saddle.",
                  claims=[(1, "A saddle comprising foam.", [])])
    make_submission(application, make_user(), identifier="US7000003B2",
                    library_document_id=submitted.id)
    db.session.commit()
    rebuild_index()
    run_rescore_job(application.id)  # what the worker does after any change to the application
    return application, early, late, submitted


def test_only_earlier_unsubmitted_documents_like_the_claims_are_proposed(db, library):
    application, _early, late, submitted = library
    found = machine_candidates(db.session, application)
    numbers = [c.document.publication_number for c in found]
    assert numbers[0] == "US7000001B2"
    assert late.publication_number not in numbers  # published after priority
    assert submitted.publication_number not in numbers  # a volunteer submitted it already
    assert [c.rank for c in found] == list(range(1, len(found) + 1))
    assert found[0].claims == (1,) and found[0].explanation.reasons


def test_no_index_means_no_candidates_not_an_error(db, app):
    application = make_application()
    db.session.commit()
    assert machine_candidates(db.session, application) == []


def test_volunteers_see_leads_that_open_a_normal_submission(client, auth, db, library):
    application = library[0]
    anonymous = client.get(f"/applications/{application.number}").get_data(as_text=True)
    assert "Leads found by the machine" not in anonymous  # no searches for crawlers
    auth.login(make_user())
    html = client.get(f"/applications/{application.number}").get_data(as_text=True)
    assert "Leads found by the machine" in html
    link = re.search(r'href="([^"]*/submit\?[^"]*identifier=US7000001B2[^"]*)"', html)
    assert link, "a lead links to the submission form"
    form = client.get(link[1].replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="US7000001B2"' in form  # the normal form, started from the lead


def test_the_examiner_sees_machine_candidates_apart_and_named_by_model(client, auth, db, library):
    application = library[0]
    auth.login(make_user("examiner"))
    html = client.get(f"/examiner/applications/{application.number}").get_data(as_text=True)
    ranked = html.index('id="ranked"')
    machine = html.index('id="machine-found"')
    assert machine > ranked
    section = html[machine:]
    assert "not submitted by reviewers" in section and "US7000001B2" in section
    assert "heuristic ranker: documented prior weights" in section
    # The crowd's list does not hold the machine's documents.
    assert "US7000001B2" not in html[ranked:machine]


def test_a_damaged_index_leaves_the_pages_working(client, auth, db, library, app):
    import pathlib

    application = library[0]
    for path in pathlib.Path(app.config["INDEX_DIR"]).glob("*.toc"):
        path.write_bytes(b"garbage")
    auth.login(make_user("examiner"))
    assert client.get(f"/applications/{application.number}").status_code == 200
    assert client.get(f"/examiner/applications/{application.number}").status_code == 200


def test_the_rescore_job_stores_the_leads_the_search_finds(db, library):
    application, early, _late, _submitted = library
    found = machine_candidates(db.session, application)
    stored = MachineLead.ranked_for(db.session, application.id)
    assert [(lead.document_id, lead.rank, tuple(lead.claims)) for lead in stored] == [
        (c.document.id, c.rank, c.claims) for c in found]
    assert stored[0].document.publication_number == early.publication_number
    assert stored[0].model_version == "heuristic" and stored[0].reasons
    assert stored[0].reasons[0][:2] in ("+ ", "- ")


def test_a_lead_submitted_since_drops_out_at_the_next_job(db, library):
    application, early, *_ = library
    make_submission(application, make_user(), identifier=early.publication_number,
                    library_document_id=early.id)
    db.session.commit()
    run_rescore_job(application.id)
    db.session.expire_all()
    numbers = [lead.document.publication_number
               for lead in MachineLead.ranked_for(db.session, application.id)]
    assert early.publication_number not in numbers
    assert store_machine_leads(db.session, 10**9) == 0  # an application deleted meanwhile


def test_the_pages_read_stored_leads_and_never_search(client, auth, db, library, monkeypatch):
    import search

    application = library[0]
    searches: list[str] = []
    monkeypatch.setattr(search.Index, "like_claim",
                        lambda self, *args, **kwargs: searches.append("like_claim"))
    auth.login(make_user())
    assert "US7000001B2" in client.get(f"/applications/{application.number}").get_data(as_text=True)
    auth.login(make_user("examiner"))
    html = client.get(f"/examiner/applications/{application.number}").get_data(as_text=True)
    assert "US7000001B2" in html[html.index('id="machine-found"'):]
    assert searches == []


def test_without_a_job_run_the_pages_show_no_leads(client, auth, db):
    application = make_application()
    db.session.commit()
    auth.login(make_user("examiner"))
    html = client.get(f"/examiner/applications/{application.number}").get_data(as_text=True)
    assert "Machine-found candidates, not submitted by reviewers (0)" in html
