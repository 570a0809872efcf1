"""Bad input gets a clear answer, never a server error: every list parameter, every form field."""

from datetime import date

import pytest
from django.urls import reverse

from annotations.filters import AnnotationFilter
from archive.filters import MessageFilter, TimelineEventFilter, TimelineMessageFilter
from tests.support.annotation_helpers import make_annotation

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


def parameters_of(*filtersets, view_reads=()):
    """A list's parameters: its FilterSets' filters, by their real names, and what the view reads.

    Read from the FilterSets themselves, so a renamed or added filter is tested under its name.
    """
    names = [name for filterset in filtersets for name in filterset.base_filters]
    return list(dict.fromkeys([*names, *view_reads]))


LIST_PARAMETERS = {
    "/messages/": parameters_of(MessageFilter, view_reads=["page", "cursor", "format"]),
    "/timeline/": parameters_of(TimelineMessageFilter, TimelineEventFilter),
    "/annotations/": parameters_of(AnnotationFilter, view_reads=["cursor", "mine"]),
    "/threads/t/": ["cursor"],
}
VIEW_ONLY_PARAMETERS = {"page", "cursor", "format", "mine"}


@pytest.fixture
def records(build, users):
    message = build.message(
        thread=build.thread(external_id="t"), text="Some words here.", day=date(2016, 10, 3)
    )
    make_annotation(users["author"], message=message, visibility="public", tags=["x"])
    return message


@pytest.mark.parametrize("url", ["/messages/", "/timeline/", "/annotations/"])
def test_the_parameters_tried_are_the_filters_each_list_really_uses(client, users, records, url):
    client.force_login(users["member"])
    used = client.get(url).context["filter"]
    assert set(LIST_PARAMETERS[url]) - VIEW_ONLY_PARAMETERS == set(used.filters)
    # The notes list names its dates created_after/created_before, not date_from/date_to.
    assert {"created_after", "created_before"} <= set(LIST_PARAMETERS["/annotations/"])
    assert "date_from" not in LIST_PARAMETERS["/annotations/"]


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
