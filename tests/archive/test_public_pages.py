from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse

from archive.models import Message
from lib.keyset import cursor_after
from tests.support.query_counts import PAGE_QUERIES, add_notes, archive_with_rows


@pytest.fixture
def conversation(build):
    """A small exchange: a question, a reply with a reported delay, an unanswered follow-up."""
    wikileaks = build.account(handle="@wl", person=build.person("Leak Org"))
    son = build.account(handle="@son", person=build.person("The Son"))
    thread = build.thread(external_id="dm", title="The DMs")
    question = build.message(
        thread=thread,
        sender=wikileaks,
        recipients=[son],
        external_id="q1",
        text="Can you comment on this?",
        text_status="verbatim",
        day=date(2016, 10, 3),
    )
    reply = build.message(
        thread=thread,
        sender=son,
        recipients=[wikileaks],
        external_id="r1",
        text="Already did earlier today.",
        text_status="excerpt",
        in_reply_to=question,
        reported_delay=timedelta(minutes=90),
        day=date(2016, 10, 3),
    )
    return question, reply


def test_home_shows_what_the_archive_holds(client, conversation):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"2</strong> messages" in response.content
    assert reverse("archive:message_list").encode() in response.content


def test_home_routes_to_search_and_shows_only_public_notes(client, conversation, users):
    from annotations.models import Annotation
    from tests.support.annotation_helpers import make_annotation

    question, _ = conversation
    make_annotation(users["author"], message=question, body="A public remark.", visibility="public")
    make_annotation(users["author"], message=question, body="A private thought.")
    assert Annotation.objects.get(body="A private thought.").visibility == "private"
    client.force_login(users["author"])
    content = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("archive:search")}"' in content and 'name="q"' in content
    assert "A public remark." in content
    assert (
        "A private thought." not in content
    )  # the home page shows public notes, even to their author


def test_page_titles_name_the_archive_from_settings(client, conversation, settings):
    settings.ARCHIVE_NAME = "Another Archive"
    settings.ARCHIVE_TITLE = "Letters of somebody else"
    content = client.get(reverse("archive:message_list")).content.decode()
    assert "<title>Messages · Another Archive</title>" in content
    assert 'content="A public, annotated research archive: Letters of somebody else."' in content


def test_message_list_shows_published_messages_newest_first(client, build, conversation):
    build.message(external_id="unpublished-msg", is_published=False)
    build.message(external_id="later", day=date(2017, 7, 11))
    response = client.get(reverse("archive:message_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "unpublished-msg" not in content
    assert content.index(">later<") < content.index(">q1<")


def test_message_page_shows_provenance_text_status_and_reply_latency(client, conversation):
    question, reply = conversation
    response = client.get(question.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "@wl → @son" in content
    assert "3 Oct 2016" in content
    assert "Verbatim" in content
    assert "about 90 minutes (reported)" in content
    assert reply.get_absolute_url() in content

    content = client.get(reply.get_absolute_url()).content.decode()
    assert "In reply to" in content and question.get_absolute_url() in content
    assert "Excerpt" in content


def test_unpublished_or_unknown_message_is_404(client, build):
    hidden = build.message(is_published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/messages/nope/").status_code == 404


READERS = ["anonymous", "anonymous+notes", "member", "member+notes"]


@pytest.mark.parametrize("rows", [2, 200])
@pytest.mark.parametrize("reader", READERS)
def test_each_page_makes_exactly_the_queries_in_the_table(
    client, build, users, django_assert_num_queries, rows, reader, monkeypatch
):
    # Every page here is its list's last (the costliest: it also reads the undated records), so
    # that 2 rows and 200 are the same case and only growth with the rows shows.
    monkeypatch.setattr("archive.views.timeline.TIMELINE_PAGE_SIZE", 1000)
    thread, messages, person, source, event = archive_with_rows(build, rows)
    oldest = Message.objects.public().chronological()
    if reader.endswith("+notes"):
        # More notes per record with more rows: a page's count must grow with neither.
        add_notes(users, messages[:20], [event], per_record=3 if rows == 2 else 12)
    if reader.startswith("member"):
        client.force_login(users["member"])
    urls = {
        "home": reverse("home"),
        # The last page, the costliest: it reads the end of the dated messages and then the
        # undated ones (lib/keyset.py), whatever the list's size.
        "message_list": reverse("archive:message_list")
        + "?"
        + urlencode({"sort": "oldest", "cursor": cursor_after(oldest, messages[-2])}),
        "message_detail": messages[0].get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "timeline": reverse("archive:timeline"),
        "person": person.get_absolute_url(),
        "sources": reverse("archive:source_list"),
        "source": source.get_absolute_url(),
        "event": event.get_absolute_url(),
        "annotations": reverse("annotations:list"),
        "sitemap": "/sitemap.xml",
        "search": reverse("archive:search") + "?q=text",
        "search_messages": reverse("archive:search") + "?q=text&kind=messages",
    }
    # The admin's lines are measured by the admin tests.
    assert set(urls) == {name for name in PAGE_QUERIES if not name.startswith("admin_")}
    for name, url in urls.items():
        cache.clear()  # each page cold: cached figures and shared search counts computed
        with django_assert_num_queries(PAGE_QUERIES[name][reader]):
            assert client.get(url).status_code == 200, name
