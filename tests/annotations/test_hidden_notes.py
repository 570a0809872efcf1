"""A note the curators hide stays with its author, marked, with their reason; no one else sees it.

The admin's hide action asks for that reason on a confirmation page; restoring clears it.
"""

import pytest
from django.urls import reverse

from annotations.models import Annotation
from tests.support.annotation_helpers import make_annotation, make_group

CHANGELIST = "admin:annotations_annotation_changelist"


@pytest.fixture
def notes(build, users):
    message = build.message(is_published=True, text="Words worth a note.")
    group = make_group(users["author"], users["member"])
    return {
        "public": make_annotation(users["author"], message=message, visibility="public"),
        "group": make_annotation(
            users["author"], message=message, visibility="group", group=group, body="For us."
        ),
    }


def hide_in_admin(client, notes, reason):
    ids = [str(note.pk) for note in notes]
    confirm = client.post(reverse(CHANGELIST), {"action": "hide", "_selected_action": ids})
    assert confirm.status_code == 200
    assert "Reason, shown to each note" in confirm.content.decode()
    assert not Annotation.objects.filter(is_hidden=True).exists()  # nothing happens yet
    return client.post(
        reverse(CHANGELIST),
        {"action": "hide", "_selected_action": ids, "confirm": "yes", "reason": reason},
    )


def test_the_hide_action_asks_for_a_reason_and_keeps_it(admin_client, notes):
    response = hide_in_admin(
        admin_client, list(notes.values()), "Personal data about a third party"
    )
    assert response.status_code == 302
    for note in notes.values():
        note.refresh_from_db()
        assert note.is_hidden and note.hidden_at is not None
        assert note.hidden_reason == "Personal data about a third party"
        assert note.version == 2  # a form opened before the hide is now stale


def test_hiding_without_a_reason_asks_again_and_hides_nothing(admin_client, notes):
    note = notes["public"]
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "hide", "_selected_action": [note.pk], "confirm": "yes", "reason": "  "},
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    note.refresh_from_db()
    assert not note.is_hidden and note.hidden_reason == ""


def test_restoring_clears_the_reason(admin_client, notes):
    note = notes["public"]
    hide_in_admin(admin_client, [note], "Spam")
    admin_client.post(reverse(CHANGELIST), {"action": "restore", "_selected_action": [note.pk]})
    note.refresh_from_db()
    assert not note.is_hidden and note.hidden_at is None and note.hidden_reason == ""


@pytest.mark.parametrize("visibility", ["public", "group"])
def test_the_author_sees_the_hidden_note_with_the_reason_everywhere_it_was(
    client, admin_client, users, notes, visibility
):
    note = notes[visibility]
    hide_in_admin(admin_client, [note], "Unsourced claim about a person")
    client.force_login(users["author"])
    for url in [
        reverse("annotations:list") + "?mine",
        note.get_absolute_url(),
        note.message.get_absolute_url(),
    ]:
        page = client.get(url).content.decode()
        assert note.body in page, url
        assert "Hidden by the curators" in page, url
        assert "Unsourced claim about a person" in page, url
        # Read-only: the reason is shown, the edit link is not.
        assert reverse("annotations:edit", args=[note.uuid]) not in page, url
        # Nor is reporting their own note to the curators who hid it.
        assert reverse("annotations:flag", args=[note.uuid]) not in page, url
    assert client.get(reverse("annotations:edit", args=[note.uuid])).status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "other", "member", "curator"])
def test_no_one_else_sees_a_hidden_note_or_its_reason(client, admin_client, users, notes, persona):
    note = notes["group"]
    hide_in_admin(admin_client, [notes["public"], note], "Unsourced claim")
    if persona != "anonymous":
        client.force_login(users[persona])
    for url in [reverse("annotations:list"), note.message.get_absolute_url(), reverse("home")]:
        page = client.get(url).content.decode()
        assert "Unsourced claim" not in page and "Hidden by the curators" not in page, url
        assert note.body not in page, url
    assert client.get(note.get_absolute_url()).status_code == 404
