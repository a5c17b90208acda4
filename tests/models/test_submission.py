"""A submission's kind is named once: pages, the CSV export and the API give the same label."""
from __future__ import annotations

from reviewapp.export.services import ExportFilters, iter_export
from reviewapp.models.submission import KIND_LABELS, KINDS, kind_label
from tests.factories import make_application, make_submission, make_user


def test_every_kind_has_a_label_and_unknown_codes_pass_through():
    assert set(KIND_LABELS) == set(KINDS)
    assert kind_label("npl") == "Non-patent literature"
    assert kind_label("odd") == "odd"


def test_the_page_the_csv_and_the_api_use_the_same_label(app, client, db):
    application = make_application()
    submission = make_submission(application, make_user(), kind="npl", identifier="npl:doi:10.1/x",
                                 title="A paper on coolant loops")
    db.session.commit()
    assert app.jinja_env.filters["kind_label"] is kind_label
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "<dd>Non-patent literature</dd>" in page
    header, rows = iter_export(db.session, "submissions", ExportFilters())
    [row] = [dict(zip(header, values)) for values in rows]
    assert (row["kind"], row["kind_label"]) == ("npl", "Non-patent literature")
    item = client.get(f"/api/v1/submissions/{submission.id}").get_json()
    assert (item["kind"], item["kind_label"]) == ("npl", "Non-patent literature")
