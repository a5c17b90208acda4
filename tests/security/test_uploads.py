"""Request size limits (friendly 413) and hostile archives through `reviewapp import`.

XML safety of the import (billion laughs, external and parameter entities refused, never
fetched) is proven in tests/ingest/test_hostile.py; the zip guard's unit tests are in
tests/ingest/test_sources.py. These tests take the same guards through the command line.
"""
from __future__ import annotations

import io
import json
import struct
import zipfile
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from reviewapp.ingest import sources
from reviewapp.models import Document
from tests.ingest.samples import grant, zip_bytes

FRIENDLY = "Back to the applications"


def assert_friendly_413(response) -> None:
    """Check a 413 answer is the site's error page."""
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "413 Request Entity Too Large" in page and FRIENDLY in page


def test_default_request_limit_is_small_and_answers_413(app, client):
    """Refuse a body over MAX_CONTENT_LENGTH (1 MiB: no uploads here) with the friendly page."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    body = b"email=" + b"x" * limit
    response = client.post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
    assert_friendly_413(response)


def test_the_largest_legitimate_form_fits_the_limit(app, client, auth, db):
    """Accept a submission with every field at its maximum in 4-byte characters: not a 413."""
    from tests.factories import make_application, make_user

    application = make_application()
    user = make_user()
    db.session.commit()
    auth.login(user)
    wide = "\U0001F50B"  # a battery emoji: 4 bytes in UTF-8, 12 once percent-encoded
    form = {"kind": "npl", "identifier": wide * 255, "title": wide * 1000, "authors": wide * 1000,
            "publication_date": "2012-01-01", "url": "https://example.org/" + "%F0" * 676,
            "pinpoint": wide * 255, "excerpt": wide * 20000, "claims": ["1", "2", "3"],
            "explanation": wide * 1000, "conflict": "declare", "conflict_statement": wide * 2000}
    size = len(urlencode(form, doseq=True))
    assert 300_000 < size < app.config["MAX_CONTENT_LENGTH"]
    response = client.post(f"/applications/{application.number}/submit", data=form)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("csrf", [False, True])
def test_configured_request_limit_answers_413_before_any_view(app, client, csrf):
    """Answer 413 to an oversized form, also when the CSRF check is the first to read it."""
    app.config.update(MAX_CONTENT_LENGTH=10_000, WTF_CSRF_ENABLED=csrf)
    assert_friendly_413(client.post("/auth/forgot", data={"email": "a" * 20_000}))
    small = client.post("/auth/forgot", data={"email": "ada@example.org"})
    assert small.status_code == (400 if csrf else 302)


def test_one_huge_multipart_field_is_refused(app, client):
    """Refuse a multipart text field beyond MAX_FORM_MEMORY_SIZE even under the body limit."""
    field_limit = app.config["MAX_FORM_MEMORY_SIZE"]
    assert field_limit < app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/auth/forgot", data={"email": "x" * (field_limit + 1)},
                           content_type="multipart/form-data")
    assert_friendly_413(response)


# --- hostile archives through the command line -------------------------------------------------

def import_json(runner, *paths, status: int = 0) -> dict:
    """Run `reviewapp import --json` and return its summary; `status` is the exit status
    expected (1 when a file or zip member was refused whole, or nothing was imported)."""
    result = runner.invoke(args=["import", "--json", *map(str, paths)])
    assert result.exit_code == status, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def documents(db) -> int:
    """Return how many documents the database holds."""
    return db.session.scalar(select(func.count()).select_from(Document))


def test_zip_bomb_is_refused_by_the_import_command(app, db, runner, tmp_path):
    """Refuse a member inflating over 500 times at the real limits, without inflating it; import the rest."""
    assert sources.MAX_COMPRESSION_RATIO == 500
    bomb = grant("07000001", body="0" * (40 << 20))  # 40 MiB deflating to about 40 KiB
    archive = tmp_path / "ipg990105.zip"
    archive.write_bytes(zip_bytes({"bomb.xml": bomb, "fine.xml": grant("07000002")}))
    assert archive.stat().st_size < 200_000
    summary = import_json(runner, archive, status=1)
    assert summary["grants"] == 1 and summary["created"] == 1
    (error,) = summary["errors"]
    assert error["file"] == f"{archive}:bomb.xml" and "zip bomb" in error["error"]
    assert documents(db) == 1


def lying_zip(content: bytes, declared: int) -> bytes:
    """Return a zip whose one member says it inflates to `declared` bytes but inflates to more."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ipg.xml", content)
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, 22, declared)  # local file header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)  # central directory: uncompressed size
    return bytes(data)


def test_member_lying_about_its_size_is_an_error_not_a_bomb(app, db, runner, tmp_path):
    """Stop inflating a member at its declared size: the forged one fails its CRC, nothing is imported."""
    content = grant("07000003", body="0" * (20 << 20)).encode()
    archive = tmp_path / "liar.zip"
    archive.write_bytes(lying_zip(content, declared=4096))
    info = zipfile.ZipFile(archive).infolist()[0]
    assert info.file_size == 4096 and sources.zip_member_refusal(info) is None  # passes the ratio guard
    summary = import_json(runner, archive, status=1)
    assert summary["created"] == 0 and summary["errors"], summary
    assert all(error["file"].startswith(str(archive)) for error in summary["errors"])
    assert documents(db) == 0


def test_entity_bomb_inside_a_zip_is_refused_by_the_import_command(app, db, runner, tmp_path):
    """Refuse a billion-laughs document inside an archive, and import its neighbour."""
    from tests.ingest.test_hostile import BILLION_LAUGHS

    archive = tmp_path / "ipg990112.zip"
    archive.write_bytes(zip_bytes({"ipg.xml": grant("07000004", title="&lol9;", doctype=BILLION_LAUGHS)
                                   + grant("07000005")}))
    summary = import_json(runner, archive)
    assert summary["created"] == 1 and len(summary["errors"]) == 1
    assert "entit" in summary["errors"][0]["error"].lower()
    assert documents(db) == 1
