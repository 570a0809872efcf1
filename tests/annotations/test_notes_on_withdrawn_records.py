"""Notes on a record the curators withdraw (unpublish) leave every public page with it.

Only the note's author still sees it, in their own lists and on its permalink, marked as being on
a withdrawn record; no one else does — on any page, count, list, dropdown or export.
"""

from datetime import date

import pytest
from django.urls import reverse

from archive.models import Event, Message
from tests.support.annotation_helpers import make_annotation, make_group

READERS_OTHER_THAN_THE_AUTHOR = ["anonymous", "other", "member", "curator"]


@pytest.fixture
def withdrawn(build, users):
    """A message and an event, each with public and group notes, then withdrawn by a curator."""
    thread = build.thread()
    sender = build.account()
    message = build.message(
        thread=thread, sender=sender, text="Words the curators withdrew.", is_published=True
    )
    # A published neighbour keeps the thread, sender and timeline pages alive.
    neighbour = build.message(thread=thread, sender=sender, is_published=True)
    event = Event.objects.create(
        external_id="ev-withdrawn",
        slug="ev-withdrawn-meeting",
        title="A meeting",
        description="Described.",
        date_earliest=date(2016, 10, 4),
        date_latest=date(2016, 10, 4),
        is_published=True,
    )
    event.participants.add(sender.person)
    group = make_group(users["author"], users["member"])
    notes = []
    for target in [{"message": message}, {"event": event}]:
        for visibility in ["public", "group"]:
            kind = "message" if "message" in target else "event"
            notes.append(
                make_annotation(
                    users["author"],
                    visibility=visibility,
                    group=group if visibility == "group" else None,
                    body=f"withdrawn-note-{visibility}-{kind}",
                    **target,
                )
            )
    return {"message": message, "neighbour": neighbour, "event": event, "notes": notes}


def withdraw(setting):
    Message.objects.filter(pk=setting["message"].pk).update(is_published=False)
    Event.objects.filter(pk=setting["event"].pk).update(is_published=False)


def pages(setting):
    """Every page that shows notes, counts them, lists their authors or exports records."""
    note = setting["notes"][0]
    neighbour = setting["neighbour"]
    urls = [
        reverse("home"),
        reverse("annotations:list"),
        reverse("annotations:list") + "?tag=&motivation=commenting",
        reverse("archive:message_list"),
        reverse("archive:message_list") + "?annotated=yes",
        reverse("archive:message_list") + "?format=csv",
        reverse("archive:message_list") + "?format=json",
        reverse("archive:timeline"),
        neighbour.get_absolute_url(),
        neighbour.thread.get_absolute_url(),
        neighbour.sender.person.get_absolute_url(),
        reverse("sitemap"),
    ]
    for note in setting["notes"]:
        urls += [note.get_absolute_url(), reverse("annotations:history", args=[note.uuid])]
    return urls


def content_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("persona", READERS_OTHER_THAN_THE_AUTHOR)
def test_no_page_shows_or_counts_a_note_on_a_withdrawn_record(client, users, withdrawn, persona):
    if persona != "anonymous":
        client.force_login(users[persona])
    before = client.get(reverse("annotations:list")).content.decode()
    assert "withdrawn-note-public-message" in before  # the notes were public until withdrawn

    withdraw(withdrawn)
    for url in pages(withdrawn):
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        page = content_of(response)
        assert "withdrawn-note" not in page, url
        if response.status_code == 200:  # a 404 page repeats its own address
            for note in withdrawn["notes"]:
                assert str(note.uuid) not in page, url
        # No count of notes on anything left in the lists.
        assert "#notes" not in page, url

    listing = client.get(reverse("annotations:list")).content.decode()
    assert "0 notes." in listing
    # The author filter offers no one whose only notes are on withdrawn records.
    assert 'value="author"' not in listing


@pytest.mark.parametrize("persona", READERS_OTHER_THAN_THE_AUTHOR)
def test_the_withdrawn_records_own_pages_are_gone_with_their_notes(
    client, users, withdrawn, persona
):
    if persona != "anonymous":
        client.force_login(users[persona])
    withdraw(withdrawn)
    for record in [withdrawn["message"], withdrawn["event"]]:
        assert client.get(record.get_absolute_url()).status_code == 404
    for note in withdrawn["notes"]:
        assert client.get(note.get_absolute_url()).status_code == 404
        assert client.get(reverse("annotations:history", args=[note.uuid])).status_code == 404
        if persona != "anonymous":
            flag = client.post(reverse("annotations:flag", args=[note.uuid]), {"reason": "x"})
            assert flag.status_code == 404


def test_the_author_keeps_their_notes_marked_as_on_a_withdrawn_record(client, users, withdrawn):
    withdraw(withdrawn)
    client.force_login(users["author"])
    mine = client.get(reverse("annotations:list") + "?mine").content.decode()
    for note in withdrawn["notes"]:
        assert note.body in mine
    assert mine.count("On a withdrawn record") == len(withdrawn["notes"])
    # Its record's page is gone, so the note does not link to it.
    assert withdrawn["message"].get_absolute_url() not in mine
    note = withdrawn["notes"][0]
    permalink = client.get(note.get_absolute_url())
    assert permalink.status_code == 200
    assert "On a withdrawn record" in permalink.content.decode()
    # Kept as it was: not editable until the record is published again.
    assert client.get(reverse("annotations:edit", args=[note.uuid])).status_code == 404


def test_publishing_the_record_again_brings_its_notes_back(client, withdrawn):
    withdraw(withdrawn)
    Message.objects.filter(pk=withdrawn["message"].pk).update(is_published=True)
    listing = client.get(reverse("annotations:list")).content.decode()
    assert "withdrawn-note-public-message" in listing
    assert "withdrawn-note-public-event" not in listing
