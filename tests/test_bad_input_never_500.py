"""Bad input gets a clear answer, never a server error: every list parameter, every form field."""

from datetime import date

import pytest
from django.urls import reverse

from tests.annotation_helpers import make_annotation

NASTY = [
    "",
    "abc",
    "-1",
    "0",
    "2016.5",
    "99999999999999999999",
    "1e309",
    "2016-13-45",
    "\x00",
    "'; DROP TABLE archive_message;--",
    "<script>alert(1)</script>",
    "🙂" * 300,
    "a" * 5000,
]

LIST_PARAMETERS = {
    "/messages/": [
        "page", "sort", "sender", "recipient", "channel", "thread", "date_from", "date_to",
        "answered", "reply", "text_status", "annotated", "q", "format",
    ],
    "/timeline/": ["year", "start", "kind", "person", "q"],
    "/annotations/": ["tag", "motivation", "author", "target", "date_from", "date_to", "page"],
    "/threads/t/": ["page"],
}  # fmt: skip


@pytest.fixture
def records(build, users):
    message = build.message(
        thread=build.thread(external_id="t"), text="Some words here.", day=date(2016, 10, 3)
    )
    make_annotation(users["author"], message=message, visibility="public", tags=["x"])
    return message


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("signed_in", [False, True])
def test_no_list_parameter_value_causes_a_server_error(client, users, records, value, signed_in):
    if signed_in:
        client.force_login(users["member"])
    for url, parameters in LIST_PARAMETERS.items():
        for parameter in parameters:
            response = client.get(url, {parameter: value})
            assert response.status_code < 500, (url, parameter, value[:20])
            if response.status_code == 400:
                assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_no_annotate_field_value_causes_a_server_error(client, users, records, value):
    client.force_login(users["author"])
    note = records.annotations.get()
    urls = [
        reverse("annotations:annotate_message", args=[records.external_id]),
        reverse("annotations:edit", args=[note.uuid]),
    ]
    valid = {
        "body": "A note.",
        "motivation": "commenting",
        "tags": "",
        "visibility": "public",
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-0-url": "https://example.org/",
    }
    for field in [
        "body", "motivation", "tags", "visibility", "group", "quote_exact", "quote_prefix",
        "quote_suffix", "quote_start", "quote_end", "links-TOTAL_FORMS", "links-0-url",
        "links-0-title", "links-0-accessed_on", "links-0-archived_url",
    ]:  # fmt: skip
        for url in urls:
            response = client.post(url, {**valid, field: value})
            assert response.status_code < 500, (url, field, value[:20])
    response = client.post(reverse("annotations:flag", args=[note.uuid]), {"reason": value})
    assert response.status_code < 500
    client.logout()
    response = client.post(reverse("login"), {"username": value, "password": value})
    assert response.status_code < 500
