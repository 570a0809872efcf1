"""The permission matrix: persona × visibility × action → the expected outcome."""

import pytest
from django.urls import reverse

from annotations.models import Annotation, Flag
from tests.annotation_helpers import make_annotation, make_group

PERSONAS = ["anonymous", "other", "member", "author", "curator"]
VISIBILITIES = ["private", "group", "public"]

# Who may read an annotation of each visibility (curators moderate in the admin, not here).
READERS = {
    "private": {"author"},
    "group": {"author", "member"},
    "public": set(PERSONAS),
}


@pytest.fixture
def setting(build, users):
    message = build.message(text="Can we just talk about this?", external_id="m-perm")
    group = make_group(users["author"], users["member"])
    notes = {
        visibility: make_annotation(
            users["author"],
            message=message,
            visibility=visibility,
            group=group if visibility == "group" else None,
            body=f"{visibility} note body",
        )
        for visibility in VISIBILITIES
    }
    return message, notes


def client_for(client, users, persona):
    if persona != "anonymous":
        client.force_login(users[persona])
    return client


def cases():
    for persona in PERSONAS:
        for visibility in VISIBILITIES:
            yield persona, visibility


@pytest.mark.parametrize(("persona", "visibility"), list(cases()))
def test_view_list_and_counts(client, users, setting, persona, visibility):
    message, notes = setting
    note = notes[visibility]
    client = client_for(client, users, persona)
    can_read = persona in READERS[visibility]

    assert client.get(note.get_absolute_url()).status_code == (200 if can_read else 404)
    history = client.get(reverse("annotations:history", args=[note.uuid]))
    assert history.status_code == (200 if can_read else 404)

    listing = client.get(reverse("annotations:list")).content.decode()
    assert (f"{visibility} note body" in listing) is can_read

    page = client.get(message.get_absolute_url()).content.decode()
    assert (f"{visibility} note body" in page) is can_read

    expected_count = sum(persona in READERS[v] for v in VISIBILITIES)
    rows = client.get(reverse("archive:message_list")).content.decode()
    assert (
        (f"{expected_count} note" in rows)
        if expected_count
        else ("note" not in rows.split("m-perm")[1].split("</li>")[0])
    )
    for url in [message.thread.get_absolute_url(), reverse("archive:timeline")]:
        listed = client.get(url).content.decode()
        count_links = listed.count("#notes")
        assert count_links == (1 if expected_count else 0), url
        if expected_count:
            assert f">{expected_count} note" in listed, url


@pytest.mark.parametrize(("persona", "visibility"), list(cases()))
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_edit_and_delete_are_the_authors_alone(client, users, setting, persona, visibility, action):
    _, notes = setting
    note = notes[visibility]
    client = client_for(client, users, persona)
    url = reverse(f"annotations:{action}", args=[note.uuid])
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif persona == "author":
        assert response.status_code == 200
    else:
        assert response.status_code == 404
        # A POST changes nothing either.
        assert client.post(url, {"body": "hijacked"}).status_code == 404
        note.refresh_from_db()
        assert note.deleted_at is None and note.body != "hijacked"


@pytest.mark.parametrize(("persona", "visibility"), list(cases()))
def test_flag(client, users, setting, persona, visibility):
    _, notes = setting
    note = notes[visibility]
    client = client_for(client, users, persona)
    url = reverse("annotations:flag", args=[note.uuid])
    assert client.get(url).status_code == 405
    response = client.post(url, {"reason": "Looks wrong"})
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif persona in READERS[visibility]:
        assert response.status_code == 302
        assert Flag.objects.filter(annotation=note, reporter=users[persona]).exists()
    else:
        assert response.status_code == 404
        assert not Flag.objects.exists()


def test_visible_to_and_instance_twin_agree(users, setting):
    _, notes = setting
    from django.contrib.auth.models import AnonymousUser

    for persona in PERSONAS:
        user = AnonymousUser() if persona == "anonymous" else users[persona]
        visible = set(Annotation.objects.visible_to(user))
        for note in notes.values():
            assert (note in visible) is note.is_visible_to(user), (persona, note.visibility)


def test_deleted_and_hidden_notes_are_invisible_to_everyone(client, users, setting):
    _, notes = setting
    public = notes["public"]
    public.is_hidden = True
    public.save()
    client.force_login(users["author"])
    assert client.get(public.get_absolute_url()).status_code == 404
    assert not Annotation.objects.editable_by(users["author"]).filter(pk=public.pk).exists()
