"""Keyset pages (lib/keyset.py): every row once, in order, both ways, whatever happens between
requests; forged cursors are harmless; counts say whether they are exact."""

import base64
import json
from datetime import date, timedelta

import pytest
from django.test import override_settings

from archive.models import Message
from archive.views import messages as views
from lib.counting import bounded_count
from lib.keyset import KeysetPaginator, cursor_after, cursor_at_offset

PER_PAGE = 3


@pytest.fixture
def listed(build):
    """13 messages: dated ones sharing days (ties broken by position and id) and undated ones."""
    threads = [build.thread(), build.thread()]
    days = [date(2016, 10, 3), date(2016, 10, 3), date(2016, 10, 4), None]
    for i in range(13):
        build.message(thread=threads[i % 2], day=days[i % len(days)])
    return Message.objects.public()


def walk_forwards(queryset):
    paginator = KeysetPaginator(queryset, PER_PAGE)
    page, pages = paginator.page(None), []
    while True:
        pages.append(page)
        if not page.has_next:
            return pages
        page = paginator.page(page.next_cursor)


def ids(rows):
    return [row.external_id for row in rows]


def everything(pages):
    return [row.external_id for page in pages for row in page]


@pytest.mark.parametrize("sort", ["newest_first", "chronological"])
def test_walking_the_pages_reads_every_row_once_in_order(listed, sort):
    queryset = getattr(listed, sort)()
    pages = walk_forwards(queryset)
    assert everything(pages) == ids(queryset)
    assert all(len(page) == PER_PAGE for page in pages[:-1])
    # Undated messages come last in either sort.
    assert [row.date_earliest for row in pages[-1]][-1] is None
    assert not pages[0].has_previous and pages[1].has_previous


@pytest.mark.parametrize("sort", ["newest_first", "chronological"])
def test_walking_back_from_the_last_page_gives_the_same_pages(listed, sort):
    queryset = getattr(listed, sort)()
    paginator = KeysetPaginator(queryset, PER_PAGE)
    forwards = walk_forwards(queryset)
    page, backwards = forwards[-1], []
    while page.has_previous:
        page = paginator.page(page.previous_cursor)
        backwards.append(ids(page))
    assert backwards == [ids(page) for page in reversed(forwards[:-1])]


def test_a_page_can_end_in_the_dated_rows_and_the_next_start_in_the_undated(build):
    thread = build.thread()
    for day in [date(2016, 1, 1), date(2016, 1, 2), None, None]:
        build.message(thread=thread, day=day)
    queryset = Message.objects.public().newest_first()
    first = KeysetPaginator(queryset, 2).page(None)
    second = KeysetPaginator(queryset, 2).page(first.next_cursor)
    assert [m.date_earliest for m in first] == [date(2016, 1, 2), date(2016, 1, 1)]
    assert [m.date_earliest for m in second] == [None, None]
    back = KeysetPaginator(queryset, 2).page(second.previous_cursor)
    assert ids(back) == ids(first)


@pytest.mark.parametrize("sort", ["newest_first", "chronological"])
def test_rows_added_between_requests_appear_only_ahead_of_the_reader(build, listed, sort):
    queryset = getattr(listed, sort)()
    paginator = KeysetPaginator(queryset, PER_PAGE)
    before = set(ids(queryset))
    page, seen, added_ahead = paginator.page(None), [], []
    thread = build.thread()
    while True:
        seen += ids(page)
        if not page.has_next:
            break
        # Between two requests: one row lands among the pages already read, one among those
        # still ahead (a later date in newest-first is behind the reader, and so on).
        read_days = [m.date_earliest for m in page if m.date_earliest]
        # (Once the reader is among the undated rows, every dated row is behind.)
        if page.object_list[-1].date_earliest:
            behind = max(read_days) if sort == "newest_first" else min(read_days)
            ahead = min(read_days) if sort == "newest_first" else max(read_days)
            step = timedelta(days=400)
            build.message(thread=thread, day=behind + (step if sort == "newest_first" else -step))
            added_ahead.append(
                build.message(
                    thread=thread, day=ahead - (step if sort == "newest_first" else -step)
                ).external_id
            )
        page = paginator.page(page.next_cursor)
    assert len(seen) == len(set(seen)), "a row was shown twice"
    assert before <= set(seen), "a row that was there all along was skipped"
    assert set(added_ahead) <= set(seen)


@pytest.mark.parametrize("sort", ["newest_first", "chronological"])
def test_cursor_at_offset_opens_the_page_that_starts_there(listed, sort):
    queryset = getattr(listed, sort)()
    every = ids(queryset)
    for offset in range(1, len(every)):
        page = KeysetPaginator(queryset, PER_PAGE).page(cursor_at_offset(queryset, offset))
        assert ids(page) == every[offset : offset + PER_PAGE]
    assert cursor_at_offset(queryset, 0) is None
    # Just after the last row: an empty last page; further: no such page.
    assert not KeysetPaginator(queryset, PER_PAGE).page(cursor_at_offset(queryset, len(every)))
    assert cursor_at_offset(queryset, len(every) + 1) is None


def test_cursor_after_a_row_continues_from_it(listed):
    queryset = listed.newest_first()
    every = list(queryset)
    page = KeysetPaginator(queryset, PER_PAGE).page(cursor_after(queryset, every[4]))
    assert ids(page) == ids(every[5:8])


def encoded(value):
    raw = json.dumps(value).encode() if not isinstance(value, bytes) else value
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED = [
    "x",
    "!!!",
    "%00",
    "a" * 5000,
    encoded(b"\xff\xfe"),
    encoded("just a string"),
    encoded(["a"]),
    encoded(["z", ["2016-10-03", 1, 1]]),
    encoded(["a", ["2016-10-03", 1]]),
    encoded(["a", ["2016-13-45", 1, 1]]),
    encoded(["a", ["2016-10-03", "one", 1]]),
    encoded(["a", ["2016-10-03", -1, 1]]),
    encoded(["a", ["2016-10-03", 1, 10**30]]),
    encoded(["a", ["2016-10-03", None, 1]]),
    encoded(["a", ["2016-10-03", 1.5, 1]]),
    encoded(["a", [True, 1, 1]]),
    encoded(["b", [None, {"x": 1}, 1]]),
    encoded(["a", ["2016-10-03", 1, "1; DROP TABLE archive_message"]]),
]


@pytest.mark.parametrize("cursor", FORGED, ids=range(len(FORGED)))
def test_a_forged_cursor_opens_the_first_page_with_a_word_never_an_error(client, listed, cursor):
    response = client.get("/messages/", {"cursor": cursor})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.cursor_was_invalid
    assert ids(page) == ids(listed.newest_first()[: views.MESSAGES_PER_PAGE])
    assert "not valid" in response.content.decode()


def test_a_well_formed_cursor_only_moves_within_the_list(client, build):
    shown = build.message(day=date(2016, 1, 1))
    build.message(day=date(2017, 1, 1), is_published=False)
    # A cursor from beyond every published row still reads published rows only.
    cursor = encoded(["b", [None, 10**6, 10**9]])
    response = client.get("/messages/", {"cursor": cursor})
    assert response.status_code == 200
    assert ids(response.context["page"]) == [shown.external_id]


def test_the_messages_list_pages_by_cursor_in_both_sorts(client, listed, monkeypatch):
    monkeypatch.setattr(views, "MESSAGES_PER_PAGE", PER_PAGE)
    for sort, ordered in [("newest", listed.newest_first()), ("oldest", listed.chronological())]:
        response = client.get("/messages/", {"sort": sort})
        seen = ids(response.context["page"])
        while response.context["page"].has_next:
            cursor = response.context["page"].next_cursor
            response = client.get("/messages/", {"sort": sort, "cursor": cursor})
            seen += ids(response.context["page"])
        assert seen == ids(ordered)


@override_settings(LIST_COUNT_BOUND=5)
def test_a_bounded_count_is_exact_up_to_the_bound_and_says_more_than_above_it(client, build):
    thread = build.thread(external_id="big")
    for _ in range(5):
        build.message(thread=thread)
    five = client.get("/messages/", {"thread": "big"})
    assert (five.context["count"].value, five.context["count"].is_exact) == (5, True)
    assert "5 messages match these filters." in five.content.decode()
    build.message(thread=thread)
    six = client.get("/messages/", {"thread": "big"})
    assert (six.context["count"].value, six.context["count"].is_exact) == (5, False)
    assert "More than 5 messages match these filters" in six.content.decode()
    assert bounded_count(Message.objects.all(), bound=100).value == 6


@override_settings(LIST_COUNT_BOUND=2)
def test_the_unfiltered_count_is_exact_and_follows_a_publish(client, build):
    messages = [build.message() for _ in range(4)]
    response = client.get("/messages/")
    assert (response.context["count"].value, response.context["count"].is_exact) == (4, True)
    assert "4 messages." in response.content.decode()
    # Withdrawn in the admin (a queryset update sends no signal: the admin action forgets).
    messages[0].is_published = False
    messages[0].save()
    assert client.get("/messages/").context["count"].value == 3
