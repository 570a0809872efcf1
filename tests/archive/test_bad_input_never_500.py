"""Bad input gets a clear answer, never a server error: every page's parameters (the pages read
from the URLconf, one test per page and parameter), every form field."""

from datetime import date

import pytest
from django.urls import reverse

from annotations.filters import AnnotationFilter
from archive.filters import (
    MessageFilter,
    PersonFilter,
    SourceFilter,
    TimelineEventFilter,
    TimelineMessageFilter,
)
from archive.search.forms import SearchForm
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


# A parameter no page reads: pages without parameters still get one, to show stray input is
# ignored rather than a server error.
STRAY = "stray"

# What each page reads, by its URL name; a page with arguments names them. The page list itself
# comes from the URLconf (`fuzzed_pages`): a new page without a line here fails
# test_every_page_of_the_urlconf_is_fuzzed.
PAGE_PARAMETERS = {
    "home": [STRAY],
    "archive:search": [*SearchForm.base_fields],
    "archive:message_list": [*MessageFilter.base_filters, "page", "cursor", "format"],
    "archive:timeline": [
        *dict.fromkeys([*TimelineMessageFilter.base_filters, *TimelineEventFilter.base_filters]),
        "cursor",
        "format",
    ],
    "archive:person_list": [*PersonFilter.base_filters, "cursor", "format"],
    "archive:source_list": [*SourceFilter.base_filters, "format"],
    "archive:data": [STRAY],
    "archive:context": [STRAY],
    # The request form takes the record (and the kind) it is about from its link.
    "archive:reader_request": ["record", "kind"],
    "archive:records_feed": ["collection"],
    "annotations:list": [*AnnotationFilter.base_filters, "cursor", "mine", "format"],
    "annotations:feed": [STRAY],
    "annotations:account": [STRAY],
    "sitemap": [STRAY],
    "robots_txt": [STRAY],
    # Record pages: their pages of notes and the note to open.
    ("archive:message_detail", "m-fuzz"): ["notes", "note"],
    ("archive:thread_detail", "t"): ["cursor"],
}
# The filters a list's view reads beside its FilterSet (not in `page.context["filter"]`).
VIEW_ONLY_PARAMETERS = {"page", "cursor", "format", "mine", STRAY}
# A search runs only with words to look for; the other fields are tried beside these.
BASE_QUERY = {"archive:search": {"q": "words"}}
# Not fuzzed here: the admin (tests/…admin…), the JSON API (test_api_schema_fuzz.py, against its
# own OpenAPI description), the sign-in and password forms (test_lockouts.py), and the health
# check (test_health_and_redis.py).
NOT_FUZZED_PREFIXES = ("admin/", "api/", "accounts/password", "accounts/reset", "accounts/log")
NOT_FUZZED_NAMES = {"healthz"}


def urlconf_pages():
    """(URL name, route) of every page a GET opens without arguments, from the URLconf."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif pattern.name:
                route = prefix + str(pattern.pattern)
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, route

    for name, route in dict.fromkeys(walk(get_resolver().url_patterns, "", None)):
        if "<" in route or route.startswith(NOT_FUZZED_PREFIXES) or name in NOT_FUZZED_NAMES:
            continue
        yield name, route


def fuzzed_pages():
    """Each (page, parameter) pair to try: the URLconf's pages and the record pages above."""
    pages = [name for name, _ in urlconf_pages()]
    pages += [key for key in PAGE_PARAMETERS if isinstance(key, tuple)]
    return [
        (page, parameter)
        for page in dict.fromkeys(pages)
        for parameter in PAGE_PARAMETERS.get(page, [STRAY])
    ]


def page_url(page):
    name, *args = page if isinstance(page, tuple) else (page,)
    return reverse(name, args=args)


@pytest.fixture
def records(build, users):
    message = build.message(
        thread=build.thread(external_id="t"),
        external_id="m-fuzz",
        text="Some words here.",
        day=date(2016, 10, 3),
    )
    make_annotation(users["author"], message=message, visibility="public", tags=["x"])
    return message


def test_every_page_of_the_urlconf_is_fuzzed():
    assert {name for name, _ in urlconf_pages()} <= set(PAGE_PARAMETERS)
    assert {"archive:person_list", "archive:source_list", "archive:search"} <= set(PAGE_PARAMETERS)


@pytest.mark.parametrize(
    "page",
    [
        "archive:message_list",
        "archive:timeline",
        "annotations:list",
        "archive:person_list",
        "archive:source_list",
    ],
)
def test_the_parameters_tried_are_the_filters_each_list_really_uses(client, users, records, page):
    client.force_login(users["member"])
    used = client.get(page_url(page)).context["filter"]
    assert set(PAGE_PARAMETERS[page]) - VIEW_ONLY_PARAMETERS == set(used.filters)
    # The notes list names its dates created_after/created_before, not date_from/date_to.
    assert {"created_after", "created_before"} <= set(PAGE_PARAMETERS["annotations:list"])
    assert "date_from" not in PAGE_PARAMETERS["annotations:list"]


@pytest.mark.parametrize(
    ("page", "parameter"),
    fuzzed_pages(),
    ids=lambda v: ("-".join(v) if isinstance(v, tuple) else v).replace(":", "."),
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_no_parameter_value_causes_a_server_error(
    client, users, records, page, parameter, signed_in
):
    if signed_in:
        client.force_login(users["member"])
    url = page_url(page)
    for value in NASTY:
        response = client.get(url, {**BASE_QUERY.get(page, {}), parameter: value})
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
