"""Atom feeds: public notes (all, per record, per tag, per author) and new or corrected records.

Every feed is anonymous: a private, group, hidden or deleted note, or any note on a withdrawn
record, never reaches one, whoever asks.
"""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations.models import Annotation
from archive.importing.fixtures import load_fixture_files
from archive.models import Correction, Event, Message
from tests.archive.test_security_payloads import dangers
from tests.support import DATA
from tests.support.annotation_helpers import make_annotation, make_group
from tests.support.query_counts import QUERY_BOUNDS

A = "{http://www.w3.org/2005/Atom}"
XSS = [line for line in (DATA / "xss_payloads.txt").read_text().splitlines() if line.strip()]


def atom(response):
    """The feed parsed, after checking what every Atom feed and entry must carry."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == A + "feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(A + name) or "").strip(), name
    for entry in feed.findall(A + "entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(A + name) or "").strip(), name
        assert entry.find(A + "link").get("href").startswith("http://testserver/")
        assert entry.findtext(f"{A}author/{A}name").strip()
    return feed


def entries(feed):
    return feed.findall(A + "entry")


def summaries(feed):
    return " ".join(entry.findtext(A + "summary") or "" for entry in entries(feed))


@pytest.fixture
def archive(build, users):
    """A message and an event with notes of every kind, and a withdrawn message with a note."""
    message = build.message(external_id="m1", text="Hello there.", text_status="verbatim")
    event = build.event(external_id="e1", slug="e1-debate", title="Debate")
    withdrawn = build.message(external_id="m9", text="Withdrawn words.")
    group = make_group(users["author"], users["member"])
    author, other = users["author"], users["other"]
    make_annotation(
        author, message=message, body="Public **bold** note.", visibility="public", tags=["leak"]
    )
    make_annotation(other, event=event, body="Public event note.", visibility="public")
    make_annotation(author, message=message, body="Private note.", visibility="private")
    make_annotation(author, message=message, body="Group note.", visibility="group", group=group)
    hidden = make_annotation(
        author, message=message, body="Hidden note.", visibility="public", tags=["leak"]
    )
    Annotation.objects.filter(pk=hidden.pk).update(is_hidden=True)
    make_annotation(
        author, message=message, body="Deleted note.", visibility="public", tags=["leak"]
    ).soft_delete()
    make_annotation(
        author,
        message=withdrawn,
        body="Note on a withdrawn record.",
        visibility="public",
        tags=["leak"],
    )
    Message.objects.filter(pk=withdrawn.pk).update(is_published=False)
    return message, event, withdrawn


def feed_urls(message, event):
    return {
        "all": reverse("annotations:feed"),
        "message": reverse("annotations:message_feed", args=[message.external_id]),
        "event": reverse("annotations:event_feed", args=[event.slug]),
        "tag": reverse("annotations:tag_feed", args=["leak"]),
        "author": reverse("annotations:author_feed", args=["author"]),
    }


HIDDEN_FROM_FEEDS = ["Private note.", "Group note.", "Hidden note.", "Deleted note.", "withdrawn"]


@pytest.mark.parametrize("feed", ["all", "message", "event", "tag", "author"])
@pytest.mark.parametrize("reader", ["anonymous", "author", "member", "curator"])
def test_feeds_hold_only_public_notes_on_published_records_whoever_asks(
    client, users, archive, feed, reader
):
    if reader != "anonymous":
        client.force_login(users[reader])
    content = summaries(atom(client.get(feed_urls(*archive[:2])[feed])))
    for words in HIDDEN_FROM_FEEDS:
        assert words not in content
    expected = {
        "all": ["Public <strong>bold</strong> note.", "Public event note."],
        "message": ["Public <strong>bold</strong> note."],
        "event": ["Public event note."],
        "tag": ["Public <strong>bold</strong> note."],
        "author": ["Public <strong>bold</strong> note."],
    }[feed]
    for words in expected:
        assert words in content
    assert len(entries(atom(client.get(feed_urls(*archive[:2])[feed])))) == len(expected)


def test_an_entry_carries_title_author_permalink_dates_tags_and_a_stable_id(
    client, archive, settings
):
    note = Annotation.objects.get(body="Public **bold** note.")
    Annotation.objects.filter(pk=note.pk).update(
        created=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        modified=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
    )
    feed = atom(client.get(reverse("annotations:message_feed", args=["m1"])))
    (entry,) = entries(feed)
    assert entry.findtext(A + "title") == "author on message m1 (Commenting)"
    assert entry.findtext(f"{A}author/{A}name") == "author"
    assert entry.find(A + "link").get("href") == f"http://testserver/annotations/{note.uuid}/"
    assert entry.findtext(A + "id") == f"urn:uuid:{note.uuid}"
    assert entry.findtext(A + "published") == "2024-01-02T03:04:05+00:00"
    assert entry.findtext(A + "updated") == "2024-02-03T04:05:06+00:00"
    assert [c.get("term") for c in entry.findall(A + "category")] == ["leak"]
    assert entry.find(A + "summary").get("type") == "html"
    assert feed.findtext(A + "updated") == "2024-02-03T04:05:06+00:00"
    assert feed.findtext(A + "id") == settings.SITE_URL + "/feeds/annotations/messages/m1.atom"


def test_a_quoted_note_shows_the_words_it_is_about(client, build, users):
    message = build.message(text="Can you comment on this?", text_status="verbatim")
    make_annotation(
        users["author"], message=message, quote_exact="comment", visibility="public", body="Why?"
    )
    content = summaries(atom(client.get(reverse("annotations:feed"))))
    assert "On the words: “comment”" in content


def test_withdrawing_a_record_takes_its_notes_out_of_every_feed(client, archive):
    message, event, _ = archive
    urls = feed_urls(message, event)
    Message.objects.filter(pk=message.pk).update(is_published=False)
    content = summaries(atom(client.get(urls["all"])))
    assert "bold" not in content and "Public event note." in content
    # Its own feed, and the tag and author feeds that now hold no public note, are gone.
    for name in ("message", "tag", "author"):
        assert client.get(urls[name]).status_code == 404
    Event.objects.filter(pk=event.pk).update(is_published=False)
    assert entries(atom(client.get(urls["all"]))) == []
    assert client.get(urls["event"]).status_code == 404


def test_a_tag_feed_reads_the_tag_as_the_notes_store_it(client, archive):
    url = reverse("annotations:tag_feed", args=["Leak"])
    feed = atom(client.get(url))
    assert len(entries(feed)) == 1
    assert feed.find(A + "link[@rel='self']").get("href").endswith("/tags/leak.atom")


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/annotations/tags/unknown.atom",
        "/feeds/annotations/tags/!!!.atom",
        "/feeds/annotations/tags/" + "x" * 200 + ".atom",
        "/feeds/annotations/authors/nobody.atom",
        "/feeds/annotations/authors/member.atom",  # only a group note: no public one
        "/feeds/annotations/authors/has%20space.atom",
        "/feeds/annotations/messages/unknown.atom",
        "/feeds/annotations/messages/m9.atom",  # withdrawn
        "/feeds/annotations/events/unknown.atom",
    ],
)
def test_unknown_or_not_public_things_have_no_feed(client, archive, users, url):
    make_annotation(
        users["member"],
        message=archive[0],
        visibility="group",
        group=users["member"].research_groups.get(),
    )
    assert client.get(url).status_code == 404


def test_an_event_feed_follows_an_old_slug_or_the_bare_external_id(client, archive):
    for slug in ("e1", "e1-old-title"):
        feed = atom(client.get(reverse("annotations:event_feed", args=[slug])))
        assert "Public event note." in summaries(feed)


@pytest.mark.parametrize("payload", XSS)
def test_strange_input_in_feed_addresses_never_fails(client, archive, payload):
    for name in ("tag_feed", "author_feed"):
        try:
            url = reverse(f"annotations:{name}", args=[payload])
        except Exception:  # noqa: BLE001 - a payload with "/" has no such address at all
            continue
        assert client.get(url).status_code in (200, 404)
    for path in ("/feeds/annotations/tags/", "/feeds/annotations/authors/", "/feeds/"):
        assert client.get(path + payload.replace("/", "%2F") + ".atom").status_code in (200, 404)


@pytest.mark.parametrize("payload", XSS)
def test_a_note_full_of_script_is_inert_in_the_feed(client, build, users, payload):
    message = build.message()
    make_annotation(users["author"], message=message, body=payload, visibility="public", tags=["x"])
    summary = entries(atom(client.get(reverse("annotations:feed"))))[0].findtext(A + "summary")
    assert dangers(summary) == []


def many_notes(build, users, count):
    group = make_group(users["author"], users["member"])
    targets = [build.message(), build.event()]
    for n in range(count):
        make_annotation(
            users["author" if n % 2 else "other"],
            **({"message": targets[0]} if n % 3 else {"event": targets[1]}),
            body=f"Note {n}",
            visibility="public" if n % 4 else "group",
            group=None if n % 4 else group,
            tags=["busy"],
        )
    return targets


@pytest.mark.parametrize("count", [2, 70])
def test_note_feeds_read_a_bounded_number_of_queries(
    client, build, users, count, django_assert_max_num_queries
):
    message, event = many_notes(build, users, count)
    urls = [
        reverse("annotations:feed"),
        reverse("annotations:message_feed", args=[message.external_id]),
        reverse("annotations:event_feed", args=[event.slug]),
        reverse("annotations:tag_feed", args=["busy"]),
        reverse("annotations:author_feed", args=["author"]),
    ]
    for url in urls:
        with django_assert_max_num_queries(QUERY_BOUNDS["notes_feed"]):
            feed = atom(client.get(url))
        assert len(entries(feed)) <= 50
    public = sum(1 for n in range(count) if n % 4)
    assert len(entries(atom(client.get(urls[0])))) == min(50, public)


# The records feed


def test_new_records_and_corrections_are_entries_withdrawn_ones_are_not(
    client, build, users, settings
):
    message = build.message(external_id="m1", text="Original words.", text_status="verbatim")
    build.event(external_id="e1", slug="e1-debate", title="Debate")
    build.message(external_id="m-draft", is_published=False)
    before = Message.objects.get(pk=message.pk)
    message.text = "Corrected words."
    message.save()
    correction = Correction.record(before, message, editor=users["curator"], note="A typo.")
    feed = atom(client.get(reverse("archive:records_feed")))
    titles = [entry.findtext(A + "title") for entry in entries(feed)]
    assert titles[0].startswith("Corrected: message m1 (text)")
    assert any(title.startswith("New: message m1 —") for title in titles)
    assert any(title.startswith("New: event e1 — Debate") for title in titles)
    assert not any("m-draft" in title for title in titles)
    corrected = entries(feed)[0]
    assert corrected.find(A + "link").get("href") == (
        f"http://testserver/messages/m1/#{correction.anchor}"
    )
    assert corrected.findtext(A + "id") == f"{settings.SITE_URL}/messages/m1/#{correction.anchor}"
    assert "Original words." in corrected.findtext(A + "summary")
    assert "A typo." in corrected.findtext(A + "summary")
    # The anchor is on the record's page.
    assert f'id="{correction.anchor}"' in client.get(message.get_absolute_url()).content.decode()

    Message.objects.filter(pk=message.pk).update(is_published=False)
    titles = [
        entry.findtext(A + "title") for entry in entries(atom(client.get("/feeds/records.atom")))
    ]
    assert not any("m1" in title for title in titles) and len(titles) == 1


def test_a_record_is_dated_when_first_published_and_keeps_that_date(build):
    draft = build.message(is_published=False)
    assert draft.first_published_at is None
    Message.objects.filter(pk=draft.pk).publish()
    first = Message.objects.get(pk=draft.pk).first_published_at
    assert first is not None
    Message.objects.filter(pk=draft.pk).update(is_published=False)
    Message.objects.filter(pk=draft.pk).publish()
    draft.refresh_from_db()
    assert draft.first_published_at == first
    draft.save()
    assert Message.objects.get(pk=draft.pk).first_published_at == first


def test_a_record_published_before_the_date_was_kept_is_not_announced_as_new(client, build):
    message = build.message(external_id="m-old")
    Message.objects.filter(pk=message.pk).update(first_published_at=None)
    assert entries(atom(client.get(reverse("archive:records_feed")))) == []


def test_loading_a_fixture_again_keeps_the_first_publication_date(db, tmp_path):
    record = {
        "model": "archive.event",
        "fields": {
            "external_id": "e-load",
            "slug": "e-load-a-meeting",
            "title": "A meeting",
            "description": "Described.",
            "kind": "other",
            "date_earliest": "2016-10-04",
            "date_latest": "2016-10-04",
            "is_published": True,
        },
    }
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps([record]))
    load_fixture_files([path])
    first = Event.objects.get(external_id="e-load").first_published_at
    assert first is not None
    record["fields"]["description"] = "Described again."
    path.write_text(json.dumps([record]))
    report = load_fixture_files([path])
    assert report.updated == 1
    assert Event.objects.get(external_id="e-load").first_published_at == first
    assert load_fixture_files([path]).unchanged == 1


@pytest.mark.parametrize("count", [2, 60])
def test_the_records_feed_reads_a_bounded_number_of_queries(
    client, build, users, count, django_assert_max_num_queries
):
    recipient = build.account()
    for n in range(count):
        message = build.message(recipients=[recipient])
        before = Message.objects.get(pk=message.pk)
        message.text = f"Corrected {n}"
        message.save()
        Correction.record(before, message, editor=users["curator"])
        build.event()
    with django_assert_max_num_queries(QUERY_BOUNDS["records_feed"]):
        feed = atom(client.get(reverse("archive:records_feed")))
    assert len(entries(feed)) == min(50, 3 * count)


def test_records_feed_entries_are_newest_first(client, build):
    old = build.message(external_id="m-old")
    Message.objects.filter(pk=old.pk).update(first_published_at=timezone.now() - timedelta(days=3))
    build.message(external_id="m-new")
    titles = [e.findtext(A + "title") for e in entries(atom(client.get("/feeds/records.atom")))]
    assert titles[0].startswith("New: message m-new") and titles[1].startswith("New: message m-old")


# The pages that advertise the feeds


def alternates(content):
    return [
        line
        for line in content.splitlines()
        if 'rel="alternate" type="application/atom+xml"' in line
    ]


def test_pages_advertise_their_feeds_in_the_head_and_show_a_link(client, archive):
    message, event, _ = archive
    pages = {
        reverse("home"): ["/feeds/annotations.atom", "/feeds/records.atom"],
        reverse("annotations:list"): ["/feeds/annotations.atom"],
        reverse("annotations:list") + "?tag=Leak": ["/feeds/annotations/tags/leak.atom"],
        reverse("annotations:list") + "?author=author": ["/feeds/annotations/authors/author.atom"],
        message.get_absolute_url(): ["/feeds/annotations/messages/m1.atom"],
        event.get_absolute_url(): ["/feeds/annotations/events/e1-debate.atom"],
        reverse("archive:timeline"): ["/feeds/records.atom"],
    }
    for page, feeds in pages.items():
        content = client.get(page).content.decode()
        head = content.split("</head>")[0]
        assert len(alternates(head)) == len(feeds), page
        for feed in feeds:
            assert f'href="{feed}"' in head
            assert f'<a href="{feed}" type="application/atom+xml">' in content.split("</head>")[1]
            assert client.get(feed).status_code == 200


def test_ones_own_notes_list_advertises_no_public_feed(client, users, archive):
    client.force_login(users["author"])
    content = client.get(reverse("annotations:list") + "?mine").content.decode()
    assert alternates(content.split("</head>")[0]) == []


def test_the_admins_publish_action_dates_a_first_publication(client, build, curator):
    draft = build.message(external_id="m-draft", is_published=False)
    assert entries(atom(client.get(reverse("archive:records_feed")))) == []
    client.force_login(curator)
    client.post(
        reverse("admin:archive_message_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    assert Message.objects.get(pk=draft.pk).first_published_at is not None
    client.logout()
    (entry,) = entries(atom(client.get(reverse("archive:records_feed"))))
    assert entry.findtext(A + "title").startswith("New: message m-draft")


@pytest.mark.parametrize("publish", [True, False])
def test_an_import_dates_its_messages_only_when_it_publishes_them(db, tmp_path, publish):
    from archive.importing.importer import import_path
    from tests.support import import_samples as samples

    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    import_path(path, publish=publish)
    dated = Message.objects.filter(first_published_at__isnull=False).count()
    assert dated == (Message.objects.count() if publish else 0) and Message.objects.exists()
