"""A filter's dropdown never offers what the list it filters would hide."""

import re

import pytest
from django.urls import reverse

from archive.models import Event
from tests.support.annotation_helpers import make_annotation, make_group

PERSONAS = ["anonymous", "other", "member", "author", "curator"]


def options(page, name):
    """The option values of the <select name=…> in a page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    return set(re.findall(r'<option value="([^"]*)"', select.group(1))) - {""}


def login(client, users, persona):
    if persona != "anonymous":
        client.force_login(users[persona])


@pytest.fixture
def authors(build, users, django_user_model):
    """Each author's only note has one visibility; one more note is on a withdrawn message."""
    message = build.message(is_published=True)
    withdrawn = build.message(is_published=False)
    group = make_group(users["author"], users["member"])
    for name, visibility in [("shares", "public"), ("keeps", "private"), ("tells", "group")]:
        writer = django_user_model.objects.create_user(name)
        if visibility == "group":
            group.members.add(writer)
        make_annotation(
            writer,
            message=message,
            visibility=visibility,
            group=group if visibility == "group" else None,
        )
    withdrawer = django_user_model.objects.create_user("withdrawn-author")
    make_annotation(withdrawer, message=withdrawn, visibility="public")
    make_annotation(users["author"], message=message, visibility="private")


# Who each persona may find in the author dropdown (the authors of notes they may read).
AUTHOR_CHOICES = {
    "anonymous": {"shares"},
    "other": {"shares"},
    "member": {"shares", "tells"},
    "author": {"shares", "tells", "author"},
    "curator": {"shares"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_author_dropdown_offers_authors_of_notes_the_reader_may_see(
    client, users, authors, persona
):
    login(client, users, persona)
    page = client.get(reverse("annotations:list")).content.decode()
    assert options(page, "author") == AUTHOR_CHOICES[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_choosing_a_hidden_author_by_hand_is_an_error_not_a_hint(client, users, authors, persona):
    login(client, users, persona)
    response = client.get(reverse("annotations:list"), {"author": "keeps"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.fixture
def withdrawn_correspondents(build):
    """Two people whose only messages (and event) are unpublished, and one published pair."""
    hidden_thread = build.thread(title="Withdrawn thread")
    secret_sender = build.account(person=build.person(name="Secret Sender", external_id="secret"))
    secret_recipient = build.account(person=build.person(name="Secret Recipient"))
    build.message(
        thread=hidden_thread,
        sender=secret_sender,
        recipients=[secret_recipient],
        is_published=False,
    )
    event = Event.objects.create(
        external_id="ev-hidden", slug="ev-hidden-x", title="Withdrawn", is_published=False
    )
    event.participants.add(build.person(name="Secret Participant"))
    shown = build.message(
        sender=build.account(person=build.person(name="Open Sender")),
        recipients=[build.account(person=build.person(name="Open Recipient"))],
        is_published=True,
    )
    return shown


@pytest.mark.parametrize("persona", ["anonymous", "curator"])
def test_message_and_timeline_dropdowns_offer_only_people_and_threads_of_published_records(
    client, users, withdrawn_correspondents, persona
):
    login(client, users, persona)
    shown = withdrawn_correspondents
    page = client.get(reverse("archive:message_list")).content.decode()
    assert options(page, "sender") == {shown.sender.person.external_id}
    assert options(page, "recipient") == {shown.recipients.get().person.external_id}
    assert options(page, "thread") == {shown.thread.external_id}
    assert "Secret" not in page and "Withdrawn thread" not in page

    timeline = client.get(reverse("archive:timeline")).content.decode()
    people = {shown.sender.person.external_id, shown.recipients.get().person.external_id}
    assert options(timeline, "person") == people
    assert "Secret" not in timeline
    # The filter refuses them too, rather than filtering by someone it does not list.
    secret = client.get(reverse("archive:timeline"), {"person": "secret"})
    assert secret.status_code == 200
    assert "Select a valid choice" in secret.content.decode()
    refused = client.get(reverse("archive:message_list"), {"sender": "secret"})
    assert "Select a valid choice" in refused.content.decode()
