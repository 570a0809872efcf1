"""The permission matrix: persona × visibility × action → the expected outcome."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from annotations.models import Annotation, Flag
from annotations.templatetags.annotation_tags import editable_by as editable_by_filter
from tests.support.annotation_helpers import make_annotation, make_group

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

    # Search: the note's words are a result, a count and a snippet only for who may read it.
    found = client.get(reverse("archive:search"), {"q": f"{visibility} note", "kind": "notes"})
    assert found.context["results"].count == (1 if can_read else 0)
    assert (f"<mark>{visibility}</mark>" in found.content.decode()) is can_read
    searched = client.get(reverse("archive:search"), {"q": "body"}).context["results"]
    assert {tab.kind.slug: tab.count for tab in searched.tabs}["notes"] == expected_count


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


# Each state a note can be in, and who may still read it then (applied to every visibility).
STATES = {
    "live": None,
    "hidden by a curator": {"author"},
    "on a withdrawn message": {"author"},
    "deleted": set(),
}


def readers(state, visibility):
    return READERS[visibility] if STATES[state] is None else STATES[state]


def put_in_state(note, state):
    if state == "hidden by a curator":
        Annotation.objects.filter(pk=note.pk).update(is_hidden=True, hidden_reason="Off topic")
    elif state == "on a withdrawn message":
        type(note.message).objects.filter(pk=note.message_id).update(is_published=False)
    elif state == "deleted":
        Annotation.objects.filter(pk=note.pk).update(deleted_at=timezone.now())
    return Annotation.objects.select_related("message", "event", "group").get(pk=note.pk)


def as_user(users, persona):
    return AnonymousUser() if persona == "anonymous" else users[persona]


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_visible_to_and_its_instance_twin_agree_for_every_persona(
    users, setting, state, visibility
):
    _, notes = setting
    note = put_in_state(notes[visibility], state)
    for persona in PERSONAS:
        user = as_user(users, persona)
        in_queryset = Annotation.objects.visible_to(user).filter(pk=note.pk).exists()
        expected = persona in readers(state, visibility)
        assert in_queryset is expected, persona
        assert note.is_visible_to(user) is expected, persona
    assert Annotation.objects.visible_to(None).filter(pk=note.pk).exists() is (
        "anonymous" in readers(state, visibility)
    )
    assert note.is_visible_to(None) is ("anonymous" in readers(state, visibility))


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_editable_by_and_its_instance_twin_agree_for_every_persona(
    users, setting, state, visibility
):
    """Only the author edits, and only a live note on a published record: a hidden note stays
    read-only with the curators' reason; one on a withdrawn record is kept as it was."""
    _, notes = setting
    note = put_in_state(notes[visibility], state)
    for persona in PERSONAS:
        user = as_user(users, persona)
        expected = persona == "author" and state == "live"
        assert Annotation.objects.editable_by(user).filter(pk=note.pk).exists() is expected
        assert note.is_editable_by(user) is expected, persona
        assert editable_by_filter(note, user) is expected, persona
    assert note.is_editable_by(None) is False


@pytest.mark.parametrize("state", ["hidden by a curator", "on a withdrawn message", "deleted"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_permalink_history_and_flag_follow_the_state(client, users, setting, state, persona):
    _, notes = setting
    note = put_in_state(notes["public"], state)
    client = client_for(client, users, persona)
    can_read = persona in readers(state, "public")
    for url in [note.get_absolute_url(), reverse("annotations:history", args=[note.uuid])]:
        response = client.get(url)
        assert response.status_code == (200 if can_read else 404), url
        if not can_read:
            assert "public note body" not in response.content.decode()
    if persona != "anonymous":
        response = client.post(reverse("annotations:flag", args=[note.uuid]), {"reason": "x"})
        assert response.status_code == (302 if can_read else 404)


def test_the_edit_link_is_the_models_rule_not_the_templates(client, users, setting):
    """A hidden note's author sees it, with no Edit link (the model says it is read-only)."""
    _, notes = setting
    note = put_in_state(notes["public"], "hidden by a curator")
    client.force_login(users["author"])
    page = client.get(note.get_absolute_url()).content.decode()
    assert "public note body" in page
    assert reverse("annotations:edit", args=[note.uuid]) not in page
    assert client.get(reverse("annotations:edit", args=[note.uuid])).status_code == 404
