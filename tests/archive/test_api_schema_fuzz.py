"""The API keeps to its own OpenAPI description: schemathesis sends generated requests to every
operation and checks each answer — never a 5xx, always a documented status, content type and
body. A bounded number of examples per operation, derandomised, so a run is quick and the same
each time; and each detail operation is also asked for real ids, so full records are checked."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.support.api_helpers import api_archive

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 30
LISTS = ["messages", "threads", "events", "people", "sources"]


@pytest.fixture
def api_schema(build, users):
    api_archive(build, users)
    # Requests go to the WSGI application itself, whose end-of-request signal would close the
    # test's database connection (and its transaction); Django's test client unhooks it too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_description_is_openapi_3_1_and_the_index_keeps_to_it(api_schema):
    assert api_schema.raw_schema["openapi"] == "3.1.0"
    assert api_schema["/api/"]["GET"].Case().call_and_validate(checks=CHECKS).status_code == 200


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("detail", [False, True], ids=["list", "detail"])
def test_generated_requests_get_answers_the_description_allows(api_schema, name, detail):
    path = f"/api/{name}/{{external_id}}/" if detail else f"/api/{name}/"
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


@pytest.mark.parametrize(
    "name, ids",
    [
        ("messages", ["m01", "m02", "m03", "m04"]),
        ("threads", ["dms"]),
        ("events", ["e01", "e03"]),
        ("people", ["wikileaks", "junior"]),
        ("sources", ["atlantic", "root"]),
    ],
)
def test_real_records_and_full_lists_match_the_description(api_schema, name, ids):
    operation = api_schema[f"/api/{name}/{{external_id}}/"]["GET"]
    for external_id in ids:
        case = operation.Case(path_parameters={"external_id": external_id})
        assert case.call_and_validate(checks=CHECKS).status_code == 200
    listing = api_schema[f"/api/{name}/"]["GET"]
    for query in [{}, {"page_size": 1}]:
        response = listing.Case(query=query).call_and_validate(checks=CHECKS)
        assert response.status_code == 200
