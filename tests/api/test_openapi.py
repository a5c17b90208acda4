"""The OpenAPI document: served, complete, and obeyed by every operation (schemathesis)."""
from __future__ import annotations

import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR
from sqlalchemy.exc import OperationalError
from wtforms import SelectField
from wtforms.validators import Length, NumberRange

from reviewapp.api.services import ApiError, parse_filters
from reviewapp.api.views import openapi_document
from reviewapp.extensions import db
from reviewapp.indexing import rebuild_index
from reviewapp.searchpage.forms import SearchForm
from tests.export.helpers import make_conflict

EXAMPLE_NUMBER = "US20180000016A1"  # the documented example: a real application in these tests


@pytest.fixture
def api_schema(app, corpus):
    """Load the served document against the app, with the known review in the database."""
    make_conflict(corpus.battery, corpus.alice)
    db.session.commit()
    rebuild_index()  # /api/v1/search answers from the index
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# schemathesis' own pytest integration (`from_fixture(...).parametrize()`) rewrites
# `node._nodeid`, which pytest 9 no longer has: drive its Hypothesis strategies directly.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("as_examiner", [False, True], ids=["anonymous", "examiner"])
def test_every_operation_conforms_and_never_fails(api_schema, token, mode, as_examiner):
    headers = {"Authorization": f"Bearer {token}"} if as_examiner else None
    operations = {result.ok().label for result in api_schema.get_all_operations()}
    assert operations == {"GET /api/v1/applications", "GET /api/v1/applications/{number}",
                          "GET /api/v1/applications/{number}/prior-art", "GET /api/v1/search",
                          "GET /api/v1/submissions/{submission_id}"}
    seen = set()

    @given(case=api_schema.as_strategy(generation_mode=mode))
    @settings(max_examples=150, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        seen.add(case.operation.label)
        # Every built-in check: not_a_server_error, status code, content type, headers and
        # response schema conformance, negative data rejected, positive data accepted...
        case.call_and_validate(headers=headers)

    check()
    if mode == GenerationMode.NEGATIVE:
        # A bare string path parameter has no invalid value: only query parameters do.
        operations.discard("GET /api/v1/applications/{number}")
    assert seen == operations


def test_the_document_is_served_and_covers_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.get_data())
    assert document["openapi"].startswith("3.")
    routes = {  # every JSON route, whichever blueprint serves it
        rule.rule.replace("<number>", "{number}").replace("<int:submission_id>", "{submission_id}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
        and "<path:" not in rule.rule
    }
    assert routes == set(document["paths"])
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path
        # Every path checks a bearer token, and answers 503 while the database is down.
        assert operations["get"]["security"] == [{}, {"bearerAuth": []}], path
        assert {"401", "403", "503"} <= set(operations["get"]["responses"]), path


def test_the_documented_example_returns_real_data(client, corpus):
    response = client.get(f"/api/v1/applications/{EXAMPLE_NUMBER}")
    assert response.status_code == 200


def test_real_answers_match_the_schema(app, corpus, token):
    """Check the rich answers, examiner fields included, against the schema on purpose."""
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for path, params, headers in [
        ("/api/v1/applications", {"per_page": 1}, {}),
        ("/api/v1/applications/{number}", {}, {}),
        ("/api/v1/applications/{number}/prior-art", {}, {}),
        ("/api/v1/applications/{number}/prior-art", {"per_page": 2}, {"Authorization": f"Bearer {token}"}),
    ]:
        operation = loaded[path]["GET"]
        path_parameters = {"number": EXAMPLE_NUMBER} if "{number}" in path else None
        case = operation.Case(path_parameters=path_parameters, query=params, headers=headers)
        response = case.call_and_validate()
        assert response.status_code == 200
        if headers:
            assert all("feedback" in item for item in response.json()["items"])


def _schemas_with_siblings_of_ref(node, path="#"):
    """Yield where a `$ref` has sibling keys: 3.1 reads them, 3.0 silently ignores them."""
    if isinstance(node, dict):
        if "$ref" in node and len(node) > 1:
            yield path
        for key, value in node.items():
            yield from _schemas_with_siblings_of_ref(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas_with_siblings_of_ref(value, f"{path}/{index}")


def test_the_document_is_valid_openapi_3_0(client):
    """Validate the whole document against the OpenAPI 3.0 schema: no 3.1-only construct."""
    document = json.loads(openapi_document())
    assert document["openapi"] == "3.0.3"
    assert client.get("/api/v1/openapi.json").get_json() == document
    # The 3.0 schema refuses 3.1's type lists ("null" among them), const, examples, $schema...
    errors = [f"{'/'.join(map(str, error.instance_path))}: {error}"[:300]
              for error in OPENAPI_30_VALIDATOR.iter_errors(document)]
    assert errors == []
    assert list(_schemas_with_siblings_of_ref(document)) == []


@pytest.mark.parametrize("cpc", [
    "", " ", "H", "h", "Y", "H04", "h04l", "H04L", "H04L 9", "H04L9/", "H 04 L 9 / 32", "H04L9/32",
    "H04L 1234/123456", "Z", "I", "H4L", "banana", "/", "H04L9/32/1", "H04L 12345", "H04L9/1234567",
    "H04L 9x", " H04L ",
])
def test_the_documented_cpc_pattern_is_the_apis_own_rule(cpc):
    """The document promises what the API accepts: schemathesis holds it to both sides."""
    schema = json.loads(openapi_document())["components"]["parameters"]["cpc"]["schema"]
    documented = len(cpc) <= schema["maxLength"] and re.search(schema["pattern"], cpc) is not None
    try:
        parse_filters({"cpc": cpc})
        accepted = True
    except ApiError:
        accepted = False
    assert documented == accepted


def test_the_search_operation_declares_every_parameter_of_its_form_with_its_limits(app):
    """The search API reads SearchForm: each field is a documented parameter, bounded alike."""
    operation = json.loads(openapi_document())["paths"]["/api/v1/search"]["get"]
    declared = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    with app.test_request_context("/api/v1/search"):
        fields = list(SearchForm())
    assert set(declared) == {field.name for field in fields}
    for field in fields:
        schema = declared[field.name]
        integer = next((s for s in schema.get("anyOf", []) if s["type"] == "integer"), None)
        for validator in field.validators:
            if isinstance(validator, Length):
                assert schema["maxLength"] == validator.max, field.name
            if isinstance(validator, NumberRange):
                assert (integer["minimum"], integer["maximum"]) == (validator.min, validator.max)
        if isinstance(field, SelectField):
            assert {value for value, *_ in field.choices} <= set(schema["enum"]), field.name


# Every other check still runs: the 503's status, content type, headers and body must be documented.
EXPECTED_5XX = [not_a_server_error]


def test_search_without_an_index_answers_the_documented_503(app, corpus):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    case = loaded["/api/v1/search"]["GET"].Case(query={"q": "battery"})
    response = case.call_and_validate(excluded_checks=EXPECTED_5XX)
    assert response.status_code == 503  # no index was built in this test


def test_a_database_outage_answers_the_documented_503(app, corpus, monkeypatch):
    def outage(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("reviewapp.api.views.list_applications", outage)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    response = loaded["/api/v1/applications"]["GET"].Case().call_and_validate(excluded_checks=EXPECTED_5XX)
    assert response.status_code == 503 and response.headers["retry-after"] == ["5"]
