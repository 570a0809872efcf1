"""A forged cursor is never a server error, on any list that pages by cursor.

Each list's real cursor (taken from its own "next" link, one row a page) is decoded and bent
into every shape a forger might send: wrong length, a list or an object where a value goes, huge
numbers, floats, strings where numbers go, strings the database cannot store, and things that
are not base64 or not JSON at all. The HTML lists show their first page (with a notice), the
JSON API answers 400; nothing is a 500."""

import base64
import json
import re
from datetime import date

import pytest

from annotations import views as annotation_views
from archive.search import results as search_results
from archive.views import messages, people, threads, timeline
from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

# Every list that reads ?cursor=, with the page-size setting that makes a two-row list two pages.
HTML_LISTS = {
    "/messages/": (messages, "MESSAGES_PER_PAGE"),
    "/threads/t/": (threads, "THREAD_PAGE_SIZE"),
    "/timeline/": (timeline, "TIMELINE_PAGE_SIZE"),
    "/people/": (people, "PEOPLE_PER_PAGE"),
    "/annotations/": (annotation_views, "ANNOTATIONS_PER_PAGE"),
    **{
        f"/search/?q=words&sort=oldest&kind={kind}": (search_results, "RESULTS_PER_PAGE")
        for kind in ("messages", "events", "people", "sources", "notes")
    },
}
API_LISTS = ["/api/messages/", "/api/threads/", "/api/events/", "/api/people/", "/api/sources/"]
CURSOR = re.compile(r"[?&](?:amp;)?cursor=([A-Za-z0-9_-]+)")


def encoded(value):
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decoded(cursor):
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def replacing_each_value(real, bad_values):
    """The real cursor with one of its parts (or one value of its key) replaced at a time."""
    *head, values = real
    for index in range(len(head)):
        for bad in bad_values:
            yield [*head[:index], bad, *head[index + 1 :], values]
    for index in range(len(values)):
        for bad in bad_values:
            yield [*head, [*values[:index], bad, *values[index + 1 :]]]


def undecodable(real):
    yield from ["!!!", "%00", "é", "a" * 5000, "====", encoded(b"\xff\xfe"), encoded(b"{not json")]
    yield from [encoded(v) for v in ("a string", 7, 1.5, None, True, {"a": 1}, [])]


def wrong_length(real):
    *head, values = real
    yield from [encoded(real[:n]) for n in range(len(real))]
    yield encoded([*real, "extra"])
    yield encoded([*head, values[:-1]])
    yield encoded([*head, [*values, 1]])
    yield encoded([*head, []])


def shaped(*bad_values):
    def forged(real):
        return [encoded(c) for c in replacing_each_value(real, bad_values)]

    return forged


SHAPES = {
    "undecodable": undecodable,
    "wrong-length": wrong_length,
    "lists": shaped([], [1], [[1, 2]], ["a", "b", "c"]),
    "objects": shaped({}, {"x": 1}, {"a": [1]}),
    "huge-ints": shaped(10**30, -(10**30), 2**63, -(2**63)),
    "floats": shaped(1.5, -0.5, 1e308, 0.0),
    "strings-for-ints": shaped("one", "1; DROP TABLE archive_message", "", "2016-13-45"),
    "null-and-bool": shaped(None, True, False),
    "unstorable-strings": shaped("\ud800", "a\x00b", "\udfff\ud800"),
}


@pytest.fixture
def two_of_everything(build, users):
    thread = build.thread(external_id="t")
    for day in (date(2016, 10, 3), date(2016, 10, 4)):
        # A person is public while a published record names them, a source while one cites it.
        sender = build.account(person=build.person(name="words person"))
        source = build.source(title="words story")
        message = build.message(
            thread=thread, day=day, text="Some words here.", sender=sender, sources=[source]
        )
        build.event(day=day, title="words")
        make_annotation(users["author"], message=message, visibility="public", body="words")
    build.message(sender=sender, sources=[source])  # a second conversation


def real_cursor(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    if url.startswith("/api/"):
        return response.json()["next"].split("cursor=")[1].split("&")[0]
    found = CURSOR.search(response.content.decode())
    assert found, f"{url} shows no next-page link"
    return found.group(1)


def with_cursor(url, cursor):
    return f"{url}{'&' if '?' in url else '?'}cursor={cursor}"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("url", HTML_LISTS)
def test_a_forged_cursor_shows_an_html_lists_first_page(
    client, two_of_everything, monkeypatch, url, shape
):
    module, setting = HTML_LISTS[url]
    monkeypatch.setattr(module, setting, 1)
    real = decoded(real_cursor(client, url))
    for cursor in SHAPES[shape](real):
        response = client.get(with_cursor(url, cursor))
        # A shape that happens to be a valid position (an undated row's null date) is a page too.
        assert response.status_code == 200, (url, decoded_or_raw(cursor))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("url", API_LISTS)
def test_a_forged_cursor_is_a_json_400_from_the_api(client, two_of_everything, url, shape):
    real = decoded(real_cursor(client, f"{url}?page_size=1"))
    for cursor in SHAPES[shape](real):
        response = client.get(f"{url}?page_size=1&cursor={cursor}")
        assert response.status_code in (200, 400), (url, decoded_or_raw(cursor))
        if response.status_code == 400:
            assert "cursor" in response.json()["errors"]


def decoded_or_raw(cursor):
    try:
        return decoded(cursor)
    except ValueError:
        return cursor
