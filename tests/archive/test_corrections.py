"""Item 18: a curator's change to the evidence leaves a public trace; notes it moved are told."""

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import Correction, Event, Message
from tests.support.admin_helpers import event_admin_data, message_admin_data
from tests.support.annotation_helpers import make_annotation
from tests.support.query_counts import PAGE_QUERIES

OLD_TEXT = "Hey Don. Strongly suggest your dad tweets this link if he mentions us."
NEW_TEXT = "Hi Don. We strongly suggest your dad tweets this link if he mentions us."


@pytest.fixture
def message(build):
    return build.message(external_id="m05", text=OLD_TEXT, text_status="verbatim")


def correct_text(curator_client, message, text=NEW_TEXT, note="Wording checked against s04."):
    return curator_client.post(
        reverse("admin:archive_message_change", args=[message.pk]),
        message_admin_data(message, text=text, correction_note=note),
        follow=True,
    )


def admin_messages(response):
    return [str(m) for m in response.context["messages"]]


def test_correcting_the_text_records_who_what_and_why(curator_client, users, message):
    response = correct_text(curator_client, message)
    assert response.status_code == 200
    correction = Correction.objects.get(message=message)
    assert correction.editor == users["curator"]
    assert correction.note == "Wording checked against s04."
    assert correction.changes == [
        {"field": "text", "label": "Text", "before": OLD_TEXT, "after": NEW_TEXT}
    ]
    assert "Recorded a public correction of m05: text." in admin_messages(response)


def test_the_record_page_says_when_and_what_was_corrected(client, curator_client, message):
    correct_text(curator_client, message)
    page = Client().get(message.get_absolute_url()).content.decode()
    today = timezone.localdate()
    assert f'<dt>Corrected</dt><dd><a href="#corrections">{today:%-d %b %Y}</a>' in page
    assert "Corrected <time datetime=" in page
    assert f'text (was: <span class="was">{OLD_TEXT}</span>)' in page
    assert "Reason: Wording checked against s04." in page


def test_the_citations_carry_the_correction_date(client, curator_client, message):
    url = message.get_absolute_url()
    assert "corrected" not in client.get(f"{url}cite.bib").content.decode()
    correct_text(curator_client, message)
    today = timezone.localdate().isoformat()
    bib = client.get(f"{url}cite.bib").content.decode()
    assert f"; corrected {today}" in bib and bib.count("{") == bib.count("}")
    csl = json.loads(client.get(f"{url}cite.json").content)[0]
    assert csl["note"].endswith(f"; corrected {today}")
    page = client.get(url).content.decode()
    assert f"record m05, corrected {timezone.localdate():%-d %B %Y}." in page


def test_a_change_outside_the_evidence_is_not_a_correction(curator_client, message):
    response = curator_client.post(
        reverse("admin:archive_message_change", args=[message.pk]),
        message_admin_data(message, curator_note="Two sources agree."),
        follow=True,
    )
    assert response.status_code == 200
    assert not Correction.objects.exists()


def test_a_reason_without_a_change_is_not_silently_dropped(curator_client, message):
    response = correct_text(curator_client, message, text=OLD_TEXT, note="Checked again.")
    assert not Correction.objects.exists()
    assert any(
        "the reason given was not kept: “Checked again.”" in m for m in admin_messages(response)
    )


def test_dates_and_sender_are_evidence_too(curator_client, build, message):
    new_sender = build.account(handle="@other")
    curator_client.post(
        reverse("admin:archive_message_change", args=[message.pk]),
        message_admin_data(
            message, sender=new_sender.pk, date_earliest="2016-10-04", date_latest="2016-10-05"
        ),
    )
    changes = Correction.objects.get(message=message).changes
    assert [(c["field"], c["before"], c["after"]) for c in changes] == [
        ("sender", str(message.sender), "@other"),
        ("date_earliest", "2016-10-03", "2016-10-04"),
        ("date_latest", "2016-10-03", "2016-10-05"),
    ]


def test_an_event_title_correction_is_shown_on_its_page(client, curator_client, build):
    event = Event.objects.create(
        external_id="e07",
        title="Podesta e-mails published",
        description="WikiLeaks publishes them.",
        date_earliest=date(2016, 10, 7),
        date_latest=date(2016, 10, 7),
    )
    event.sources.set([build.source()])
    curator_client.post(
        reverse("admin:archive_event_change", args=[event.pk]),
        event_admin_data(event, title="Podesta e-mails begin to be published"),
    )
    event.refresh_from_db()
    page = client.get(event.get_absolute_url()).content.decode()
    assert 'title (was: <span class="was">Podesta e-mails published</span>)' in page
    bib = client.get(f"{event.get_absolute_url()}cite.bib").content.decode()
    assert f"corrected {timezone.localdate().isoformat()}" in bib


def test_new_records_are_not_corrections(curator_client, build):
    build.message()
    assert not Correction.objects.exists()


@pytest.fixture
def quoted_notes(users, message):
    moved = make_annotation(
        users["author"], message=message, quote_exact="your dad tweets", visibility="public"
    )
    lost = make_annotation(
        users["other"], message=message, quote_exact="Strongly suggest", visibility="public"
    )
    untouched_start = make_annotation(users["member"], message=message, visibility="public")
    return moved, lost, untouched_start


def test_the_curator_is_told_which_notes_moved_or_lost_their_quote(
    curator_client, message, quoted_notes
):
    moved, lost, whole = quoted_notes
    texts = admin_messages(correct_text(curator_client, message))
    assert (
        "The text correction lost the quoted words of 1 note(s) (other: “Strongly suggest”). "
        "Their authors see a notice on those notes." in texts
    ), texts
    assert any(
        t.startswith(
            "The text correction moved the quotes of 1 note(s) (author: “your dad tweets”)"
        )
        for t in texts
    ), texts
    moved.refresh_from_db()
    lost.refresh_from_db()
    whole.refresh_from_db()
    assert moved.anchor_changed_at and moved.anchor_notice == "moved"
    assert NEW_TEXT[moved.quote_start : moved.quote_end] == "your dad tweets"
    assert lost.anchor_changed_at and lost.is_orphaned and lost.anchor_notice == "lost"
    assert whole.anchor_changed_at is None and whole.anchor_notice == ""


def test_each_author_sees_the_notice_on_their_note_everywhere(
    client, curator_client, users, message, quoted_notes
):
    moved, lost, _ = quoted_notes
    correct_text(curator_client, message)
    day = timezone.localdate()
    client.force_login(users["other"])
    for url in (
        message.get_absolute_url(),
        lost.get_absolute_url(),
        reverse("annotations:list") + "?mine",
    ):
        page = client.get(url).content.decode()
        assert "The message's text was corrected on" in page, url
        assert f">{day:%-d %b %Y}</time>; your quote is no longer found in it." in page, url
    page = client.get(message.get_absolute_url()).content.decode()
    assert "this note's quote moved with the new text" in page  # someone else's note


def test_the_notice_goes_once_the_author_edits_the_note(curator_client, message, quoted_notes):
    moved, _, _ = quoted_notes
    correct_text(curator_client, message)
    moved.refresh_from_db()
    moved.modified = timezone.now()
    moved.save()
    assert moved.anchor_notice == ""


def test_message_page_with_corrections_keeps_its_query_count(
    curator_client, message, django_assert_max_num_queries
):
    for n in range(3):
        correct_text(curator_client, message, text=f"{NEW_TEXT} ({n})")
        message.refresh_from_db()
    assert Correction.objects.filter(message=message).count() == 3
    # At most the table's count (this message has fewer related rows than the table's).
    with django_assert_max_num_queries(PAGE_QUERIES["message_detail"]["anonymous"]):
        page = Client().get(message.get_absolute_url())  # a reader, not the signed-in curator
    assert page.content.decode().count("Corrected <time") == 3


def post_thread_rows(client, thread, row):
    return client.post(
        reverse("admin:archive_thread_change", args=[thread.pk]),
        {
            "title": thread.title,
            "description": "",
            "messages-TOTAL_FORMS": "1",
            "messages-INITIAL_FORMS": "1",
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000",
            **row,
        },
    )


def test_evidence_edited_in_the_threads_message_rows_is_a_correction(curator_client, message):
    thread = message.thread
    row = {
        "messages-0-id": message.pk,
        "messages-0-thread": thread.pk,
        "messages-0-position": message.position,
        "messages-0-sender": message.sender_id,
        "messages-0-date_earliest": "2016-10-09",
        "messages-0-date_latest": "2016-10-09",
        "messages-0-text_status": "excerpt",
        "messages-0-is_published": "on",
    }
    assert post_thread_rows(curator_client, thread, row).status_code == 302
    changes = Correction.objects.get(message=message).changes
    assert [c["field"] for c in changes] == ["text_status", "date_earliest", "date_latest"]
    assert changes[0]["before"] == "Verbatim" and changes[0]["after"] == "Excerpt"
    changelist = curator_client.get(reverse("admin:archive_correction_changelist"))
    assert "Text status, Date earliest, Date latest" in changelist.content.decode()


def test_a_date_range_ending_before_it_starts_in_a_thread_row_is_a_form_error(
    curator_client, message
):
    row = {
        "messages-0-id": message.pk,
        "messages-0-thread": message.thread_id,
        "messages-0-position": message.position,
        "messages-0-sender": message.sender_id,
        "messages-0-date_earliest": "2016-10-09",
        "messages-0-date_latest": "2016-10-01",
        "messages-0-text_status": "verbatim",
        "messages-0-is_published": "on",
    }
    response = post_thread_rows(curator_client, message.thread, row)
    assert response.status_code == 200  # was a 500: the range was checked only by the database
    assert "The earliest date must not be after the latest date." in response.content.decode()


def test_a_one_word_fix_in_a_long_text_shows_that_word_not_the_whole_text(
    client, curator_client, message
):
    long_old = OLD_TEXT + " It was first posted on the site two hours earlier, with the documents."
    long_new = long_old.replace("two hours", "three hours")
    Message.objects.filter(pk=message.pk).update(text=long_old)
    message.refresh_from_db()
    correct_text(curator_client, message, text=long_new)
    page = client.get(message.get_absolute_url()).content.decode()
    assert "<del>two</del> <ins>three</ins>" in page
    assert "…posted on the site <del>two</del> <ins>three</ins> hours earlier, with the…" in page
    corrections = page.split('id="corrections"')[1]
    assert long_old not in corrections


def test_word_edits_name_removed_added_and_context():
    from archive.models import word_edits

    assert word_edits("a b c d e f g h", "a b c X e f g h") == [
        {"before_context": "a b c", "removed": "d", "added": "X", "after_context": "e f g h"}
    ]
    assert word_edits("one two", "one two three")[0]["added"] == "three"
    assert word_edits("same words", "same words") == []
