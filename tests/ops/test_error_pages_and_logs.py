"""Errors are pages in our design with a request id to quote (JSON under /api/), never a stack
trace or a setting; every request is one JSON log line."""

import io
import json
import logging

import pytest
from django.test import Client

from ops.log_format import JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_log():
    """What backchannel.requests writes, through the JSON formatter the settings use."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("backchannel.requests")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_every_response_has_its_own_request_id(client):
    ids = {client.get(url)["X-Request-ID"] for url in ["/", "/api/messages/", "/nope/", "/healthz"]}
    assert len(ids) == 4 and all(len(i) == 32 for i in ids)


def test_an_incoming_request_id_is_kept_only_from_the_declared_proxy(client, settings):
    assert client.get("/", HTTP_X_REQUEST_ID="client-made-id-123")["X-Request-ID"] != (
        "client-made-id-123"
    )
    settings.BEHIND_TLS_PROXY = True
    proxied = Client()
    assert proxied.get("/", HTTP_X_REQUEST_ID="proxy-id-12345")["X-Request-ID"] == "proxy-id-12345"
    odd = proxied.get("/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")["X-Request-ID"]
    assert odd != "<script>alert(1)</script>" and len(odd) == 32


def test_one_json_line_per_request_without_the_query_string(client, users, request_log):
    client.force_login(users["author"])
    answer = client.get("/messages/", {"q": "secret-token-in-query"})
    line = json.loads(request_log.getvalue().strip().splitlines()[-1])
    assert line["method"] == "GET" and line["path"] == "/messages/" and line["status"] == 200
    assert line["user"] == users["author"].pk and line["request_id"] == answer["X-Request-ID"]
    assert line["duration_ms"] >= 0 and line["level"] == "INFO"
    assert "secret-token-in-query" not in request_log.getvalue()
    client.logout()
    client.get("/nope/")
    line = json.loads(request_log.getvalue().strip().splitlines()[-1])
    assert (line["status"], line["user"]) == (404, "anonymous")


def test_a_404_page_shows_the_request_id_in_our_design(client):
    answer = client.get("/no-such-page/")
    page = answer.content.decode()
    assert answer.status_code == 404 and answer["X-Request-ID"] in page
    assert "We could not find that page" in page and "<main" in page and "Sign in" in page


def test_a_form_without_its_csrf_token_gets_our_page_and_nothing_is_lost_silently(users):
    browser = Client(enforce_csrf_checks=True)
    answer = browser.post("/accounts/login/", {"username": "author", "password": "x"})
    page = answer.content.decode()
    assert answer.status_code == 403
    assert "This form could not be sent" in page and "Nothing you typed was saved" in page
    assert answer["X-Request-ID"] in page
    assert "CSRF_COOKIE" not in page and "Traceback" not in page


def test_a_bad_host_is_our_400_page():
    answer = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert answer.status_code == 400
    assert "We could not read that request" in answer.content.decode()


def test_a_bug_is_our_500_page_with_the_request_id_and_no_trace(settings, request_log):
    settings.ROOT_URLCONF = "tests.support.error_urls"
    browser = Client(raise_request_exception=False)
    answer = browser.get("/broken/")
    page = answer.content.decode()
    assert answer.status_code == 500 and answer["X-Request-ID"] in page
    assert "on purpose" not in page and "Traceback" not in page and "SECRET" not in page
    api = browser.get("/api/broken/")
    assert api.status_code == 500 and api.json()["request_id"] == api["X-Request-ID"]


def test_an_error_is_one_json_line_with_its_traceback():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "boom %s", ("x",), None
    )
    try:
        raise ValueError("inside")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "boom x" and line["level"] == "ERROR"
    assert "ValueError: inside" in line["exception"] and "\n" not in JsonFormatter().format(record)


def test_the_request_log_names_the_client_address_throttling_counts(client, settings, request_log):
    """Behind the declared TLS proxy, the proxy's own (right-most) X-Forwarded-For entry; without
    one, the connection's address, whatever the header claims."""
    client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.7")
    assert json.loads(request_log.getvalue().splitlines()[-1])["client"] == "198.51.100.7"
    settings.BEHIND_TLS_PROXY = True
    client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.44", REMOTE_ADDR="10.0.0.2")
    assert json.loads(request_log.getvalue().splitlines()[-1])["client"] == "192.0.2.44"
