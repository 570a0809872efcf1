"""Invisible and direction-changing characters: refused in names and titles, stripped from
tags, and user text on pages is isolated so it cannot reorder what is around it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from annotations.forms import AnnotationForm, SourceLinkForm
from annotations.models import Annotation, ResearchGroup, normalise_tags
from tests.support.annotation_helpers import make_annotation, make_group

CONTROLS = [
    "\u202e",  # right-to-left override
    "\u202a",
    "\u202d",
    "\u2066",  # left-to-right isolate
    "\u2069",
    "\u200e",  # left-to-right mark
    "\u200f",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u2060",  # word joiner
    "\ufeff",  # byte-order mark
    "\u00ad",  # soft hyphen (another format character)
    "\x07",  # a control code
]


@pytest.mark.parametrize("control", CONTROLS)
def test_tags_are_stripped_of_controls(control):
    assert normalise_tags(f"seed{control}-error, {control}podesta") == ["seed-error", "podesta"]


@pytest.mark.parametrize("control", CONTROLS)
def test_source_link_title_and_publisher_refuse_controls(db, control):
    form = SourceLinkForm(
        data={
            "url": "https://example.org/a",
            "title": f"Real{control} title",
            "publisher": f"{control}Reuters",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"title", "publisher"}
    assert "invisible or direction-changing" in form.errors["title"][0]


def test_ordinary_text_in_other_scripts_is_accepted(db):
    form = SourceLinkForm(
        data={
            "url": "https://example.org/a",
            "title": "Ελληνικά — עברית — العربية",
            "publisher": "",
        }
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("control", CONTROLS)
def test_research_group_names_refuse_controls_in_the_admin(client, users, control):
    client.force_login(_superuser())
    response = client.post(
        reverse("admin:annotations_researchgroup_add"),
        {"name": f"Group{control}name", "slug": "group-name", "description": ""},
    )
    assert response.status_code == 200
    assert "invisible or direction-changing" in response.content.decode()
    assert not ResearchGroup.objects.exists()


@pytest.mark.parametrize("control", ["\u202e", "\u200b", "\ufeff"])
def test_usernames_and_names_refuse_controls_in_the_admin(client, users, control):
    admin_user = _superuser()
    client.force_login(admin_user)
    add = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": f"evil{control}name",
            "password1": "a-long-password-9",
            "password2": "a-long-password-9",
            "usable_password": "true",
        },
    )
    assert add.status_code == 200
    assert not get_user_model().objects.filter(username__startswith="evil").exists()
    author = users["author"]
    change = client.post(
        reverse("admin:auth_user_change", args=[author.pk]),
        {
            "username": "author",
            "first_name": f"Ann{control}",
            "last_name": "Smith",
            "email": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert change.status_code == 200
    assert "invisible or direction-changing" in change.content.decode()
    author.refresh_from_db()
    assert author.first_name == ""


def _superuser():
    return get_user_model().objects.create_superuser("boss", password="pw-boss-123")


def test_the_annotate_form_strips_controls_from_tags(build, users):
    message = build.message()
    form = AnnotationForm(
        data={
            "body": "x",
            "motivation": "commenting",
            "visibility": "private",
            "tags": "seed\u200b-error, \u202epodesta",
        },
        instance=Annotation(author=users["author"], message=message),
        user=users["author"],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["seed-error", "podesta"]


def test_user_text_on_pages_is_isolated(client, build, users):
    author = users["author"]
    author.first_name = "Mallory\u202e"  # stored before names were checked
    author.save()
    message = build.message(text="Some words to quote here.", text_status="verbatim")
    group = make_group(author, users["member"], name="Readers\u2067")
    note = make_annotation(
        author,
        message=message,
        visibility="group",
        group=group,
        body="Body \u202etxet",
        tags=["tagged"],
        quote_exact="words to quote",
    )
    note.links.create(url="https://example.org/x", title="Title\u202e", publisher="Pub\u202e")
    client.force_login(users["member"])
    for url in (message.get_absolute_url(), note.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<strong><bdi>Mallory\u202e</bdi></strong>" in page
        assert "Group: <bdi>Readers\u2067</bdi>" in page
        assert '<div class="annotation-body" dir="auto">' in page
        assert "<q><bdi>words to quote</bdi></q>" in page
        assert "<bdi>Title\u202e</bdi></a>, <bdi>Pub\u202e</bdi>" in page
        assert "#<bdi>tagged</bdi>" in page
    history = client.get(reverse("annotations:history", args=[note.uuid])).content.decode()
    assert '<div class="annotation-body" dir="auto">' in history
    assert "<bdi>author</bdi>" in history
