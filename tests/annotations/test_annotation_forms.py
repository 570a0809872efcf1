"""Annotating: the no-JavaScript form, every bad input, revisions, deletion, re-anchoring."""

import pytest
from django.urls import reverse

from annotations.models import Annotation, AnnotationRevision, SourceLink
from tests.support.annotation_helpers import make_annotation, make_group, note_form_data

TEXT = "We can publish it. Send it to us. We can publish it today, or we can wait."


@pytest.fixture
def message(build):
    return build.message(external_id="m-form", text=TEXT, text_status="verbatim")


@pytest.fixture
def author_client(client, users):
    client.force_login(users["author"])
    return client


def post_note(client, message, **data):
    # One blank link row, as the form shows it.
    payload = note_form_data(
        [""],
        **{f"links-0-{name}": "" for name in ("title", "publisher", "accessed_on", "archived_url")},
    )
    payload.update(data)
    return client.post(reverse("annotations:annotate_message", args=[message.external_id]), payload)


def test_a_unique_quote_is_placed_by_the_server(author_client, message):
    response = post_note(author_client, message, body="About sending.", quote_exact="Send it to us")
    assert response.status_code == 302
    note = Annotation.objects.get()
    assert TEXT[note.quote_start : note.quote_end] == "Send it to us"
    assert note.quote_prefix.endswith("publish it. ") and note.quote_suffix.startswith(". We")
    assert response["Location"].endswith(f"#annotation-{note.uuid}")


def test_offsets_from_the_browser_are_used_when_they_agree(author_client, message):
    start = TEXT.rindex("We can publish it")
    post_note(
        author_client,
        message,
        body="The second one.",
        quote_exact="We can publish it",
        quote_start=str(start),
        quote_end=str(start + 17),
    )
    assert Annotation.objects.get().quote_start == start


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"body": "", "quote_exact": "Send it"}, "Write a note, or add a tag or a source link"),
        ({"body": "x", "quote_exact": "not in the text"}, "not in the message"),
        ({"body": "x", "quote_exact": "We can publish it"}, "appear 2 times"),
        ({"body": "x", "links-0-url": "javascript:alert(1)"}, "starting with http"),
        ({"body": "x", "links-0-url": "data:text/html,hi"}, "starting with http"),
        (
            {
                "body": "x",
                "links-0-url": "https://ok.example/",
                "links-0-archived_url": "ftp://x.example/",
            },
            "starting with http",
        ),
        ({"body": "y" * 10_001}, "at most 10000 characters"),
        ({"body": "x", "tags": ",".join(f"t{i}" for i in range(13))}, "at most 12 tags"),
        ({"body": "x", "tags": "a" * 41}, "at most 40 characters"),
        ({"body": "x", "visibility": "group"}, "Choose the research group"),
        ({"body": "x", "motivation": "shouting"}, "Select a valid choice"),
    ],
)
def test_bad_input_re_renders_with_the_users_text_and_an_error(author_client, message, data, error):
    data = {"body": "My careful note", **data}
    response = post_note(author_client, message, **data)
    content = response.content.decode()
    assert response.status_code == 400
    assert error in content
    if data["body"] and len(data["body"]) < 100:
        assert data["body"] in content
    assert not Annotation.objects.exists()


def test_group_visibility_needs_a_group_the_author_belongs_to(author_client, users, message):
    foreign = make_group(users["other"], name="Other team")
    response = post_note(author_client, message, body="x", visibility="group", group=foreign.pk)
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    mine = make_group(users["author"], name="My team")
    assert (
        post_note(author_client, message, body="x", visibility="group", group=mine.pk).status_code
        == 302
    )


def test_tags_are_normalised(author_client, message):
    post_note(author_client, message, body="x", tags=" Seed Error, dates,seed error ,  ")
    assert Annotation.objects.get().tags == ["seed-error", "dates"]


def test_a_link_alone_is_a_note(author_client, message):
    response = post_note(
        author_client,
        message,
        **{"links-0-url": "https://example.org/a", "links-0-title": "A source"},
    )
    assert response.status_code == 302
    assert Annotation.objects.get().links.get().title == "A source"


def test_event_annotations_have_no_quote(client, users, build):
    from archive.models import Event

    event = Event.objects.create(external_id="ev1", title="Something", description="d")
    event.sources.set([build.source()])
    client.force_login(users["author"])
    response = client.post(
        reverse("annotations:annotate_event", args=[event.slug]),
        {
            "body": "On the event",
            "motivation": "commenting",
            "tags": "",
            "visibility": "public",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Annotation.objects.get().event == event
    assert "On the event" in client.get(event.get_absolute_url()).content.decode()


def test_every_save_is_a_revision_and_the_page_says_edited(author_client, message):
    post_note(author_client, message, body="First version")
    note = Annotation.objects.get()
    edit = reverse("annotations:edit", args=[note.uuid])
    form = author_client.get(edit).content.decode()
    assert "First version" in form
    response = author_client.post(
        edit,
        {
            "version": "1",
            "body": "Second version",
            "motivation": "questioning",
            "tags": "x",
            "visibility": "public",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert AnnotationRevision.objects.filter(annotation=note).count() == 2
    page = author_client.get(message.get_absolute_url()).content.decode()
    assert "Second version" in page and ">edited</a>" in page
    history = author_client.get(reverse("annotations:history", args=[note.uuid])).content.decode()
    assert "First version" in history and "Second version" in history
    assert "changed: note, motivation, tags" in history
    assert history.count("Written ") == 1


def test_delete_is_confirm_then_post_and_soft(author_client, message, admin_client):
    note = make_annotation(
        Annotation.objects.model._meta.get_field("author").remote_field.model.objects.get(
            username="author"
        ),
        message=message,
        visibility="public",
    )
    url = reverse("annotations:delete", args=[note.uuid])
    assert "Delete your note" in author_client.get(url).content.decode()
    assert author_client.post(url).status_code == 302
    note.refresh_from_db()
    assert note.deleted_at is not None
    assert author_client.get(note.get_absolute_url()).status_code == 404
    admin_client.post(
        reverse("admin:annotations_annotation_changelist"),
        {"action": "restore", "_selected_action": [note.pk]},
    )
    note.refresh_from_db()
    assert note.deleted_at is None
    assert author_client.get(note.get_absolute_url()).status_code == 200


def test_text_edit_re_anchors_by_quote_and_context(users, message):
    note = make_annotation(
        users["author"], message=message, visibility="public", quote_exact="Send it to us"
    )
    message.text = "Hello. " + TEXT
    message.save()
    note.refresh_from_db()
    assert message.text[note.quote_start : note.quote_end] == "Send it to us"
    assert not note.is_orphaned


def test_ambiguous_quote_re_anchors_to_the_one_its_context_names(users, message):
    second = TEXT.rindex("We can publish it")
    note = make_annotation(
        users["author"],
        message=message,
        visibility="public",
        quote_exact="We can publish it",
        quote_start=second,
        quote_end=second + 17,
        quote_prefix="Send it to us. ",
        quote_suffix=" today, or we",
    )
    message.text = "Intro. " + TEXT
    message.save()
    note.refresh_from_db()
    assert note.quote_start == second + 7


def test_a_vanished_quote_is_kept_and_shown_as_not_found(client, users, message):
    note = make_annotation(
        users["author"],
        message=message,
        visibility="public",
        quote_exact="Send it to us",
        body="Kept anyway",
    )
    message.text = "Entirely different words now."
    message.save()
    note.refresh_from_db()
    assert note.is_orphaned and note.quote_exact == "Send it to us"
    page = client.get(message.get_absolute_url()).content.decode()
    assert "Quote no longer found" in page and "Send it to us" in page and "Kept anyway" in page


def test_highlights_show_counts_and_lead_to_the_notes(client, users, message):
    for _ in range(2):
        make_annotation(
            users["author"], message=message, visibility="public", quote_exact="Send it to us"
        )
    page = client.get(message.get_absolute_url()).content.decode()
    assert '<mark class="hl"><a href="#annotation-' in page
    assert '>2<span class="visually-hidden"> notes)' in page


def test_an_orphaned_note_can_be_edited_and_keeps_its_quote(author_client, users, message):
    note = make_annotation(
        users["author"],
        message=message,
        visibility="public",
        quote_exact="Send it to us",
        body="Before",
    )
    message.text = "Entirely different words now."
    message.save()
    note.refresh_from_db()
    form = author_client.get(reverse("annotations:edit", args=[note.uuid])).content.decode()
    assert "Send it to us" in form
    response = author_client.post(
        reverse("annotations:edit", args=[note.uuid]),
        {
            "version": note.version,
            "body": "After",
            "motivation": "commenting",
            "tags": "",
            "visibility": "public",
            "quote_exact": "Send it to us",
            "quote_prefix": note.quote_prefix,
            "quote_suffix": note.quote_suffix,
            "quote_start": note.quote_start or "",
            "quote_end": note.quote_end or "",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "After" and note.quote_exact == "Send it to us" and note.is_orphaned


def test_changed_parts_names_what_an_edit_changed():
    from annotations.models import changed_parts

    before = {"body": "a", "tags": ["x"], "visibility": "private", "group": None, "links": []}
    assert changed_parts(before, dict(before)) == []
    after = {**before, "visibility": "group", "group": "Team", "links": [{"url": "https://e.org/"}]}
    assert changed_parts(before, after) == ["sharing", "source links"]


def test_a_link_saved_from_another_window_is_not_added_twice(author_client, users, message):
    note = make_annotation(users["author"], message=message, body="Kept.", visibility="public")
    SourceLink.objects.create(annotation=note, url="https://example.org/a", title="A")
    # This window opened the edit form before link A was saved: its form shows no links.
    response = author_client.post(
        reverse("annotations:edit", args=[note.uuid]),
        {
            "version": note.version,
            "body": "Kept, and edited.",
            "motivation": "commenting",
            "visibility": "public",
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-url": "https://example.org/a",
        },
    )
    assert response.status_code == 400
    assert "already links to that address" in response.content.decode()
    assert "Kept, and edited." in response.content.decode()
    assert list(note.links.values_list("url", flat=True)) == ["https://example.org/a"]


def test_the_tags_field_shows_tags_as_typed_never_a_stored_list(author_client, users, message):
    blank = author_client.get(message.get_absolute_url()).content.decode()
    assert 'name="tags"' in blank
    assert 'value="[]"' not in blank and "[]" not in blank.split('name="tags"')[1][:80]
    note = make_annotation(users["author"], message=message, tags=["dates", "podesta"])
    form = author_client.get(reverse("annotations:edit", args=[note.uuid])).content.decode()
    assert 'value="dates, podesta"' in form
