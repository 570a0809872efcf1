"""A source that attests thousands of messages: its list entry, its page and its API record name
the first few and how many there are, and link to all of them in the messages list (which
filters by source), so none of them loads every message it attests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import ATTESTATION_REFS as SOURCE_REFS
from archive.views.sources import SOURCE_LIST_REFS, SOURCE_PAGE_MESSAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_source(build):
    """A source cited by 80 published messages and 1 withdrawn one; another cited by one."""
    source = build.source(external_id="busy", title="A much-cited page")
    thread = build.thread()
    for n in range(80):
        build.message(thread=thread, sources=[source], external_id=f"busy-{n:03d}")
    build.message(sources=[source], external_id="busy-withdrawn", is_published=False)
    build.message(sources=[build.source(external_id="quiet")], external_id="quiet-1")
    return source


def test_the_list_names_the_first_few_and_links_to_all(client, busy_source):
    page = client.get("/sources/").content.decode()
    entry = page[page.index('id="busy"') :].split("</li>")[0]
    assert entry.count("/messages/busy-") == SOURCE_LIST_REFS
    assert 'href="/messages/?source=busy&amp;sort=oldest">all 80 messages</a>' in entry
    assert "busy-withdrawn" not in page
    quiet = page[page.index('id="quiet"') :].split("</li>")[0]
    assert "/messages/quiet-1/" in quiet and "all 1 messages" not in quiet


def test_the_messages_list_filters_by_source(client, busy_source):
    listed = client.get("/messages/", {"source": "busy", "sort": "oldest"})
    assert listed.status_code == 200
    text = listed.content.decode()
    assert "busy-000" in text and "quiet-1" not in text and "busy-withdrawn" not in text
    assert "80 messages" in text
    api = client.get("/api/messages/", {"source": "busy", "sort": "oldest"}).json()
    assert [m["id"] for m in api["results"]][:3] == ["busy-000", "busy-001", "busy-002"]
    # A source nobody can look up is not a choice: a clear 400.
    assert client.get("/api/messages/", {"source": "nope"}).status_code == 400


def test_every_source_s_messages_url_answers_even_with_no_messages(client, busy_source, build):
    build.event(sources=[build.source(external_id="event-only")])
    build.source(external_id="cited-by-nothing")
    for external_id in ("event-only", "cited-by-nothing"):
        record = client.get(f"/api/sources/{external_id}/").json()
        assert record["message_count"] == 0
        listed = client.get(record["messages_url"])
        assert listed.status_code == 200 and listed.json()["results"] == []


def test_the_source_page_lists_the_first_messages_and_links_to_all(client, busy_source):
    page = client.get("/sources/busy/").content.decode()
    assert page.count('Message <a href="/messages/busy-') == min(80, SOURCE_PAGE_MESSAGES)
    assert "80 published messages; the first 50 by date are below." in page
    assert 'href="/messages/?source=busy&amp;sort=oldest">All 80 messages it attests</a>' in page


def test_the_api_record_has_the_first_few_a_count_and_a_link_to_all(client, busy_source):
    record = client.get("/api/sources/busy/").json()
    assert len(record["messages"]) == SOURCE_REFS and record["message_count"] == 80
    assert record["event_count"] == 0
    assert record["messages_url"].endswith("/api/messages/?source=busy&sort=oldest")
    assert client.get(record["messages_url"]).json()["results"][0]["id"] == "busy-000"


def test_the_list_is_no_bigger_and_no_slower_for_a_busier_source(client, busy_source, build):
    from django.core.cache import cache

    def measure():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/sources/")
        return len(queries), len(page.content)

    before = measure()
    thread = build.thread()
    for n in range(40):
        build.message(thread=thread, sources=[busy_source], external_id=f"more-{n:03d}")
    # The same queries, and the same page bar "all 80" becoming "all 120".
    assert measure() == (before[0], before[1] + 1)


def test_what_a_source_attests_follows_a_withdrawal_at_once(client, busy_source):
    from archive.models import Message

    assert "all 80 messages" in client.get("/sources/").content.decode()  # now cached
    withdrawn = Message.objects.get(external_id="busy-000")
    withdrawn.is_published = False
    withdrawn.save()
    page = client.get("/sources/").content.decode()
    assert "all 79 messages" in page and "/messages/busy-000/" not in page
    assert client.get("/api/sources/busy/").json()["message_count"] == 79
