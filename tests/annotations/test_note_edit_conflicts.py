"""Editing a note from a stale form: a conflict shown like a wiki's, never a silent overwrite.

Two windows (two tabs of one author count) edit one note; a delete or a curator's hide made
while a form is open is never undone by saving it; an edit writes only what it changes.
"""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation, SourceLink
from tests.support.annotation_helpers import make_annotation
from tests.support.query_counts import EDIT_QUERIES, QUERIES_PER_LINK

TEXT = "We can publish it. Send it to us. We can publish it today, or we can wait."


@pytest.fixture
def message(build):
    return build.message(external_id="m-conflict", text=TEXT, text_status="verbatim")


@pytest.fixture
def note(users, message):
    return make_annotation(users["author"], message=message, body="The first words.", tags=["a"])


@pytest.fixture
def author_client(client, users):
    client.force_login(users["author"])
    return client


def edit_url(note):
    return reverse("annotations:edit", args=[note.uuid])


def form_values(page):
    """The edit form as a browser would submit it unchanged: every named field's value."""
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        values[name] = value
    for name, value in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', page, re.S
    ):
        values[name] = value
    for name, block in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', block)
        values[name] = chosen.group(1) if chosen else ""
    values.pop("csrfmiddlewaretoken", None)
    return {name: html.unescape(value) for name, value in values.items()}


def test_the_edit_form_carries_the_version_it_was_made_from(author_client, note):
    assert form_values(author_client.get(edit_url(note)).content.decode())["version"] == "1"


def test_two_tabs_the_later_save_is_a_conflict_showing_both_versions(author_client, note):
    first = form_values(author_client.get(edit_url(note)).content.decode())
    second = form_values(author_client.get(edit_url(note)).content.decode())
    saved = author_client.post(edit_url(note), {**first, "body": "Tab one wrote this."})
    assert saved.status_code == 302

    response = author_client.post(edit_url(note), {**second, "body": "Tab two wrote this."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed while you were editing" in page
    assert "Tab one wrote this." in page and "Tab two wrote this." in page
    assert "You (in another window)" in page
    note.refresh_from_db()
    assert note.body == "Tab one wrote this." and note.version == 2

    # The conflict page is a form made from the current version, the user's text still in it:
    # saving it again is a deliberate replacement, and both texts stay in the history.
    again = form_values(page)
    assert again["version"] == "2" and again["body"] == "Tab two wrote this."
    assert author_client.post(edit_url(note), again).status_code == 302
    note.refresh_from_db()
    assert note.body == "Tab two wrote this." and note.version == 3
    bodies = [rev.snapshot["body"] for rev in note.revisions.all()]
    assert bodies == ["The first words.", "Tab one wrote this.", "Tab two wrote this."]


def test_another_researchers_save_is_named_on_the_conflict_page(author_client, users, note):
    form = form_values(author_client.get(edit_url(note)).content.decode())
    # Saved meanwhile by someone else (a curator in the admin, say): the version moved on.
    note.body = "The curator's correction."
    assert note.save_edit(["body"], base_version=1)
    note.record_revision(users["curator"])
    response = author_client.post(edit_url(note), {**form, "body": "Mine."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "curator saved the version below" in page
    assert "The curator&#x27;s correction." in page and "Mine." in page


def test_a_save_without_a_version_is_a_conflict_not_an_overwrite(author_client, note):
    form = form_values(author_client.get(edit_url(note)).content.decode())
    del form["version"]
    response = author_client.post(edit_url(note), {**form, "body": "Blind overwrite."})
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.body == "The first words."


@pytest.mark.parametrize(
    ("withdraw", "said"),
    [
        ({"deleted_at": "2026-11-27T10:00:00Z"}, "was deleted while you were editing"),
        ({"is_hidden": True}, "was hidden by the curators while you were editing"),
    ],
)
def test_saving_after_a_delete_or_hide_keeps_it_withdrawn_and_gives_the_text_back(
    author_client, note, withdraw, said
):
    form = form_values(author_client.get(edit_url(note)).content.decode())
    Annotation.objects.filter(pk=note.pk).update(**withdraw)
    response = author_client.post(edit_url(note), {**form, "body": "Typed before it went."})
    assert response.status_code == 409
    page = response.content.decode()
    assert said in page and "Typed before it went." in page
    assert "Save changes" not in page
    note.refresh_from_db()
    assert note.body == "The first words." and note.version == 1
    assert note.deleted_at is not None or note.is_hidden


def test_an_edit_writes_only_the_columns_it_changes(author_client, note):
    form = form_values(author_client.get(edit_url(note)).content.decode())
    with CaptureQueriesContext(connection) as queries:
        response = author_client.post(edit_url(note), {**form, "body": "Only the body."})
    assert response.status_code == 302
    (update,) = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "annotations_annotation"')
    ]
    assert '"body"' in update and '"version"' in update
    for untouched in ["deleted_at", "is_hidden", "hidden_reason", "visibility", "tags", "quote"]:
        assert f'"{untouched}' not in update.split("WHERE")[0]


def test_deleting_writes_only_the_deletion_and_moves_the_version_on(author_client, note):
    with CaptureQueriesContext(connection) as queries:
        response = author_client.post(reverse("annotations:delete", args=[note.uuid]))
    assert response.status_code == 302
    (update,) = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "annotations_annotation"')
    ]
    written = update.split("WHERE")[0]
    assert written.count(" = ") == 2 and '"deleted_at"' in written and '"version"' in written
    note.refresh_from_db()
    assert note.deleted_at is not None and note.body == "The first words." and note.version == 2


def test_re_anchoring_never_writes_back_a_quote_the_author_changed_meanwhile(users, message):
    note = make_annotation(users["author"], message=message, quote_exact="Send it to us")
    stale = Annotation.objects.get(pk=note.pk)
    # The author replaced the quote after the re-anchoring read the note.
    note.quote_exact, note.quote_start, note.quote_end = "or we can wait", 59, 73
    assert note.save_edit(["quote_exact", "quote_start", "quote_end"], base_version=1)
    stale.anchor("Hello. " + TEXT)
    assert not stale.save_anchor()
    note.refresh_from_db()
    assert (note.quote_exact, note.quote_start, note.version) == ("or we can wait", 59, 2)


def test_a_curators_text_edit_re_anchors_without_touching_body_or_state(users, message):
    note = make_annotation(users["author"], message=message, quote_exact="Send it to us")
    Annotation.objects.filter(pk=note.pk).update(is_hidden=True, body="Changed meanwhile.")
    message.text = "Hello. " + TEXT
    message.save()
    note.refresh_from_db()
    assert message.text[note.quote_start : note.quote_end] == "Send it to us"
    assert note.is_hidden and note.body == "Changed meanwhile."


def test_a_links_only_edit_conflicts_too(author_client, note):
    first = form_values(author_client.get(edit_url(note)).content.decode())
    second = dict(first)
    links = {"links-TOTAL_FORMS": "1", "links-0-url": "https://example.org/one"}
    assert author_client.post(edit_url(note), {**first, **links}).status_code == 302
    response = author_client.post(
        edit_url(note), {**second, "links-TOTAL_FORMS": "1", "links-0-url": "https://e.org/two"}
    )
    assert response.status_code == 409
    assert "https://example.org/one" in response.content.decode()
    assert list(SourceLink.objects.values_list("url", flat=True)) == ["https://example.org/one"]


@pytest.mark.parametrize("links", [1, 10])
def test_edit_pages_query_counts_stay_flat(author_client, note, links, django_assert_num_queries):
    for n in range(links):
        SourceLink.objects.create(annotation=note, url=f"https://example.org/{n}")
    with django_assert_num_queries(EDIT_QUERIES["form"]):
        form = form_values(author_client.get(edit_url(note)).content.decode())
    stale = dict(form)
    with django_assert_num_queries(EDIT_QUERIES["save"] + QUERIES_PER_LINK * links):
        assert author_client.post(edit_url(note), {**form, "body": "Saved."}).status_code == 302
    with django_assert_num_queries(EDIT_QUERIES["conflict"] + QUERIES_PER_LINK * links):
        assert author_client.post(edit_url(note), {**stale, "body": "Late."}).status_code == 409


def test_a_curators_admin_save_read_before_a_delete_does_not_undo_it(admin_client, note):
    change = reverse("admin:annotations_annotation_change", args=[note.pk])
    form = form_values(admin_client.get(change).content.decode())
    assert "deleted_at" not in form and "is_hidden" not in form
    note.soft_delete()
    data = {key: value for key, value in form.items() if not key.startswith("_")}
    response = admin_client.post(change, {**data, "body": "A curator's fix."})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.deleted_at is not None and note.body == "A curator's fix."


def test_a_curators_admin_change_conflicts_with_the_authors_open_form(
    admin_client, author_client, note
):
    authors_form = form_values(author_client.get(edit_url(note)).content.decode())
    change = reverse("admin:annotations_annotation_change", args=[note.pk])
    data = form_values(admin_client.get(change).content.decode())
    data = {key: value for key, value in data.items() if not key.startswith("_")}
    assert admin_client.post(change, {**data, "body": "The curator's fix."}).status_code == 302
    response = author_client.post(edit_url(note), {**authors_form, "body": "The author's text."})
    assert response.status_code == 409
    assert "admin saved the version below" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "The curator's fix."


def test_a_curators_change_outside_the_notes_content_keeps_its_version(admin_client, note):
    change = reverse("admin:annotations_annotation_change", args=[note.pk])
    data = form_values(admin_client.get(change).content.decode())
    data = {key: value for key, value in data.items() if not key.startswith("_")}
    response = admin_client.post(change, {**data, "hidden_reason": "Kept for the record."})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.hidden_reason == "Kept for the record."
    assert note.version == 1 and note.revisions.count() == 1
