"""Record pages with hundreds of notes stay one bounded page, and every note stays reachable."""

import random
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from annotations.highlighting import segments
from annotations.models import Annotation
from archive.views.notes import NOTES_PER_PAGE
from tests.support.query_counts import QUERY_BOUNDS

MANY = 520
TEXT = "WikiLeaks wrote to Donald Trump Jr. about a website, a password and a launch date."
QUOTES = ["WikiLeaks", "Donald Trump Jr.", "a website", "a password", "launch date", "wrote to"]
PAGE_BYTES = 120_000
NOTE_ID = re.compile(r'<article class="annotation[^"]*" id="annotation-([0-9a-f-]{36})"')


def add_notes(author, n, **target):
    start = timezone.now() - timedelta(days=1)
    notes = []
    for i in range(n):
        quote = QUOTES[i % len(QUOTES)] if target.get("message") and i % 2 else ""
        note = Annotation(
            author=author,
            body=f"Note {i}: " + "words " * 40,
            tags=["seed-error", f"t{i % 7}"],
            visibility="public",
            created=start + timedelta(seconds=i),
            **target,
        )
        if quote:
            note.quote_exact = quote
            note.quote_start = TEXT.index(quote)
            note.quote_end = note.quote_start + len(quote)
        notes.append(note)
    Annotation.objects.bulk_create(notes)
    return list(Annotation.objects.order_by("-created").values_list("uuid", flat=True))


@pytest.fixture
def crowded_message(build, users):
    message = build.message(text=TEXT, text_status="verbatim")
    return message, add_notes(users["author"], MANY, message=message)


@pytest.fixture
def crowded_event(build, users):
    from archive.models import Event

    event = Event.objects.create(
        external_id="e-many",
        title="A crowded event",
        date_earliest="2016-10-03",
        date_latest="2016-10-03",
        is_published=True,
    )
    return event, add_notes(users["author"], MANY, event=event)


@pytest.mark.parametrize("persona", ["anonymous", "other"])
def test_a_message_with_hundreds_of_notes_is_a_bounded_page(
    client, users, crowded_message, django_assert_max_num_queries, persona
):
    message, newest_first = crowded_message
    # The only note on the word "about" is the oldest of all: far beyond the first page.
    start = TEXT.index("about")
    lone = Annotation.objects.create(
        author=users["author"],
        message=message,
        visibility="public",
        body="Oldest",
        quote_exact="about",
        quote_start=start,
        quote_end=start + 5,
        created=timezone.now() - timedelta(days=30),
    )
    if persona != "anonymous":
        client.force_login(users[persona])
    with django_assert_max_num_queries(QUERY_BOUNDS["message_with_many_notes"]):
        response = client.get(message.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < PAGE_BYTES
    assert f"Notes ({MANY + 1})" in page
    assert NOTE_ID.findall(page) == [str(u) for u in newest_first[:NOTES_PER_PAGE]]
    # Highlights: one per distinct stretch of quoted words, not one per note.
    assert page.count('<mark class="hl">') <= len(QUOTES) * 2
    assert f'{MANY // 2}<span class="visually-hidden"> notes)' not in page  # counts are per words
    # A highlight of a note on another page leads to the page that holds it.
    assert f'<a href="?note={lone.uuid}#annotation-{lone.uuid}" class="hl-link">about</a>' in page


def test_an_event_with_hundreds_of_notes_is_a_bounded_page(
    client, crowded_event, django_assert_max_num_queries
):
    event, newest_first = crowded_event
    with django_assert_max_num_queries(QUERY_BOUNDS["event_with_many_notes"]):
        response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    assert len(response.content) < PAGE_BYTES
    assert NOTE_ID.findall(response.content.decode()) == [
        str(u) for u in newest_first[:NOTES_PER_PAGE]
    ]


def test_every_note_is_reached_by_paging(client, crowded_message):
    message, newest_first = crowded_message
    seen, url = [], message.get_absolute_url()
    while url:
        page = client.get(url).content.decode()
        seen += NOTE_ID.findall(page)
        older = re.search(r'<a rel="next" href="([^"]+)">Older notes</a>', page)
        url = message.get_absolute_url() + older.group(1).replace("&amp;", "&") if older else None
    assert seen == [str(u) for u in newest_first]


def test_a_link_to_one_note_opens_the_page_that_holds_it(client, crowded_message):
    message, newest_first = crowded_message
    oldest = Annotation.objects.get(uuid=newest_first[-1])
    assert oldest.target_url.startswith(f"{message.get_absolute_url()}?note={oldest.uuid}")
    page = client.get(oldest.target_url.split("#")[0]).content.decode()
    assert f'id="annotation-{oldest.uuid}"' in page
    assert "Newer notes" in page and "Older notes" not in page


@pytest.mark.parametrize("query", ["?notes=999", "?notes=x", "?note=not-a-uuid", "?note="])
def test_odd_paging_parameters_give_a_page_not_an_error(client, crowded_message, query):
    message, _ = crowded_message
    assert client.get(message.get_absolute_url() + query).status_code == 200


def _span(start, end, order):
    return SimpleNamespace(
        quote_exact="x", is_orphaned=False, quote_start=start, quote_end=end, order=order
    )


def test_segments_agree_with_counting_each_note_one_by_one():
    rng = random.Random(8)
    text = "abcdefghijklmnopqrstuvwxyz" * 4
    for _ in range(50):
        notes = []
        for order in range(rng.randint(0, 30)):
            start = rng.randrange(len(text))
            notes.append(_span(start, rng.randint(start + 1, len(text) + 3), order))
        result = segments(text, notes)
        assert "".join(segment.text for segment in result) == text
        position = 0
        for segment in result:
            covering = [
                n
                for n in notes
                if n.quote_end <= len(text)
                and n.quote_start <= position
                and position + len(segment.text) <= n.quote_end
            ]
            assert segment.count == len(covering)
            assert segment.first is (covering[0] if covering else None)
            position += len(segment.text)
