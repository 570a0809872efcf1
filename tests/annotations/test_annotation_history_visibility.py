"""A note's history shows each version only to those who could read it when it was written."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from annotations.models import AnnotationRevision
from tests.support.annotation_helpers import make_annotation, make_group
from tests.support.query_counts import QUERY_BOUNDS

PERSONAS = ["anonymous", "other", "member", "author", "curator"]


def edit(note, **fields):
    """An edit by the author, recorded the way the edit view records it."""
    for name, value in fields.items():
        setattr(note, name, value)
    note.save()
    note.record_revision(note.author)
    return note


@pytest.fixture
def widened(build, users):
    """Written for the group, then made public: the first version was the group's alone."""
    message = build.message(is_published=True)
    group = make_group(users["author"], users["member"])
    note = make_annotation(
        users["author"], message=message, visibility="group", group=group, body="group-only words"
    )
    return edit(note, visibility="public", group=None, body="public words")


def history_of(client, users, persona, note):
    if persona != "anonymous":
        client.force_login(users[persona])
    response = client.get(reverse("annotations:history", args=[note.uuid]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_group_version_is_shown_only_to_the_group_after_the_note_is_made_public(
    client, users, widened, persona
):
    page = history_of(client, users, persona, widened)
    assert "public words" in page
    could_read_it = persona in {"author", "member"}
    assert ("group-only words" in page) is could_read_it
    assert ("1 earlier version is not shown to you" in page) is not could_read_it
    # The current version keeps its number (2), shown or not the one before it.
    assert '<li class="revision" value="2">' in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_private_first_draft_is_the_authors_alone(client, build, users, persona):
    message = build.message(is_published=True)
    note = make_annotation(users["author"], message=message, visibility="private", body="draft")
    edit(note, body="second private draft")
    edit(note, visibility="public", body="published words")
    page = history_of(client, users, persona, note)
    assert "published words" in page
    assert ("second private draft" in page) is (persona == "author")
    if persona != "author":
        assert "2 earlier versions are not shown to you" in page
        # The one version shown is not presented as compared with something unseen.
        assert "changed:" not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_what_changed_is_measured_against_versions_the_reader_may_see(
    client, build, users, persona
):
    """public → group → public: others compare the last version with the first, never the
    group version in between (whose tags and words they may not know)."""
    message = build.message(is_published=True)
    group = make_group(users["author"], users["member"])
    note = make_annotation(
        users["author"], message=message, visibility="public", body="same words", tags=["a"]
    )
    edit(note, visibility="group", group=group, body="secret words", tags=["secret-tag"])
    edit(note, visibility="public", group=None, body="same words", tags=["a"])
    page = history_of(client, users, persona, note)
    if persona in {"author", "member"}:
        assert "secret words" in page and "#<bdi>secret-tag</bdi>" in page
        assert "changed: note, tags, sharing" in page
    else:
        assert "secret words" not in page and "secret-tag" not in page
        assert "1 earlier version is not shown to you" in page
        # Against the first version, the last one only changed nothing visible.
        assert "compared with the last version shown to you, saved without changes" in page


def test_a_revision_is_visible_to_its_queryset_and_its_instance_twin_alike(users, widened):
    revisions = list(widened.revisions.all())
    for persona in PERSONAS:
        user = AnonymousUser() if persona == "anonymous" else users[persona]
        visible = set(AnnotationRevision.objects.visible_to(user))
        for revision in revisions:
            assert (revision in visible) is revision.is_visible_to(user), persona
    assert AnnotationRevision.objects.visible_to(None).count() == 1


def test_older_snapshots_that_name_only_their_group_still_reach_its_members(users, widened):
    first = widened.revisions.order_by("created", "pk").first()
    del first.snapshot["group_id"]
    first.save()
    member_sees = AnnotationRevision.objects.visible_to(users["member"])
    assert first in member_sees and first.is_visible_to(users["member"])
    assert first not in AnnotationRevision.objects.visible_to(users["other"])


def test_the_history_page_makes_a_bounded_number_of_queries(
    client, users, widened, django_assert_num_queries
):
    for n in range(10):
        edit(widened, body=f"public words {n}")
    client.force_login(users["other"])
    with django_assert_num_queries(QUERY_BOUNDS["annotation_history"]):
        client.get(reverse("annotations:history", args=[widened.uuid]))
