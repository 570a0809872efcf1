"""One rule, asked everywhere: for every persona and every kind of note, the W3C protocol, the
note's page and the admin give the answers of `visible_to`/`editable_by` and their instance twins
(and those answers are the ones written in the tables below)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from annotations.models import Annotation
from tests.support.annotation_helpers import make_annotation, make_group

PERSONAS = ["anonymous", "other", "member", "author", "curator", "moderator"]
SIGNED_IN = set(PERSONAS) - {"anonymous"}

# Who reads each note on the public pages and the API (curators moderate in the admin).
READERS = {
    "private": {"author"},
    "group": {"author", "member"},
    "public": set(PERSONAS),
    "hidden": {"author"},
    "withdrawn": {"author"},
    "deleted": set(),
    "deleted_group": set(),
}
EDITORS = {"private": {"author"}, "group": {"author"}, "public": {"author"}}
# Who is told a deleted note is gone (410), not that it never was (404).
TOLD_GONE = {"deleted": set(PERSONAS), "deleted_group": {"author"}}


@pytest.fixture
def people(users, django_user_model):
    moderator = django_user_model.objects.create_user(
        "moderator", password="pw-moderator-123", is_staff=True
    )
    moderator.user_permissions.set(Permission.objects.filter(content_type__app_label="annotations"))
    return {**users, "moderator": moderator, "anonymous": AnonymousUser()}


@pytest.fixture
def notes(build, users):
    message = build.message(text="Can we just talk about this?", external_id="m-rules")
    withdrawn = build.message(text="Words the curators withdrew.", is_published=False)
    group = make_group(users["author"], users["member"])
    author = users["author"]
    made = {
        "private": make_annotation(author, message=message, visibility="private"),
        "group": make_annotation(author, message=message, visibility="group", group=group),
        "public": make_annotation(author, message=message, visibility="public"),
        "hidden": make_annotation(
            author, message=message, visibility="public", is_hidden=True, hidden_reason="Off"
        ),
        "withdrawn": make_annotation(author, message=withdrawn, visibility="public"),
        "deleted": make_annotation(
            author, message=message, visibility="public", deleted_at=timezone.now()
        ),
        "deleted_group": make_annotation(
            author, message=message, visibility="group", group=group, deleted_at=timezone.now()
        ),
    }
    return {name: Annotation.objects.get(pk=note.pk) for name, note in made.items()}


def signed_in_client(client, people, persona):
    if persona != "anonymous":
        client.force_login(people[persona])
    return client


CASES = [(persona, kind) for persona in PERSONAS for kind in READERS]


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_the_queryset_rules_and_their_twins_give_the_tables_answers(people, notes, persona, kind):
    user, note = people[persona], notes[kind]
    visible = Annotation.objects.visible_to(user).filter(pk=note.pk).exists()
    editable = Annotation.objects.editable_by(user).filter(pk=note.pk).exists()
    assert visible is note.is_visible_to(user) is (persona in READERS[kind])
    assert editable is note.is_editable_by(user) is (persona in EDITORS.get(kind, set()))
    if note.is_deleted:
        assert note.was_visible_to(user) is (persona in TOLD_GONE[kind])


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_the_protocol_answers_as_the_model_does(client, people, notes, persona, kind):
    user, note = people[persona], notes[kind]
    response = signed_in_client(client, people, persona).get(f"/api/annotations/{note.uuid}")
    if note.is_visible_to(user):
        assert response.status_code == 200
        assert ("PUT" in response["Allow"]) is note.is_editable_by(user)
    elif note.is_deleted and note.was_visible_to(user):
        assert response.status_code == 410
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_the_notes_page_offers_what_the_model_allows(client, people, notes, persona, kind):
    user, note = people[persona], notes[kind]
    response = signed_in_client(client, people, persona).get(note.get_absolute_url())
    if not note.is_visible_to(user):
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert (reverse("annotations:edit", args=[note.uuid]) in page) is note.is_editable_by(user)
    assert ('id="report"' in page) is note.is_reportable_by(user)
    admin_url = reverse("admin:annotations_annotation_change", args=[note.pk])
    assert (admin_url in page) is Annotation.may_moderate(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_moderate_link_and_the_admin_ask_the_same_rule(client, people, notes, persona):
    """A curator without the permission is not offered a page that would refuse them."""
    user, note = people[persona], notes["public"]
    may = Annotation.may_moderate(user)
    assert may is (persona == "moderator")
    request = RequestFactory().get("/")
    request.user = user
    assert admin.site._registry[Annotation].has_change_permission(request, note) is may
    change = reverse("admin:annotations_annotation_change", args=[note.pk])
    answer = signed_in_client(client, people, persona).get(change)
    if user.is_authenticated and user.is_staff:
        assert answer.status_code == (200 if may else 403)
    else:
        assert answer.status_code == 302  # to the admin's sign-in
    page = client.get(note.get_absolute_url()).content.decode()
    assert (change in page) is may
