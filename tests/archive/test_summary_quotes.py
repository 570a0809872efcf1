"""Item 19: words selected from our summary are never shown as a quotation of the message."""

import re

import pytest
from django.urls import reverse

from tests.support.annotation_helpers import make_annotation

SUMMARY = "WikiLeaks asks Trump Jr. to share a link to a website about the leaked e-mails."
WORDS = "share a link"


@pytest.fixture
def notes(build, users):
    summary = build.message(external_id="m-summary", text=SUMMARY, text_status="summary")
    verbatim = build.message(external_id="m-verbatim", text=SUMMARY, text_status="verbatim")
    excerpt = build.message(external_id="m-excerpt", text=SUMMARY, text_status="excerpt")
    return {
        kind: make_annotation(
            users["author"], message=message, quote_exact=WORDS, visibility="public"
        )
        for kind, message in (("summary", summary), ("verbatim", verbatim), ("excerpt", excerpt))
    }


def pages(client, note):
    """Every page that shows a note's selected words."""
    return {
        "record": note.message.get_absolute_url(),
        "permalink": note.get_absolute_url(),
        "list": reverse("annotations:list"),
        "mine": reverse("annotations:list") + "?mine",
        "history": reverse("annotations:history", args=[note.uuid]),
        "home": reverse("home"),
    }


def shown_words(html):
    """How the note's words appear: quoted (<q> or quotation marks) or as words of a summary."""
    quoted = re.search(rf"<q>(?:<bdi>)?{WORDS}(?:</bdi>)?</q>|[“\"]{WORDS}[”\"]", html) is not None
    summary = re.search(
        rf'[Oo]n the words <span class="summary-words">(?:<bdi>)?{WORDS}(?:</bdi>)?</span>'
        " of our summary",
        html,
    )
    summary = summary is not None
    return quoted, summary


@pytest.mark.parametrize("page", ["record", "permalink", "list", "mine", "history", "home"])
def test_summary_words_are_not_quoted_anywhere(client, users, notes, page):
    client.force_login(users["author"])
    for kind in ("summary", "verbatim"):
        # Only one note on the list pages at a time, so each page shows just that note's words.
        for other in notes.values():
            other.visibility = "public" if other is notes[kind] else "private"
            other.author = users["author"] if other is notes[kind] else users["other"]
            other.save()
        html = client.get(pages(client, notes[kind])[page]).content.decode()
        quoted, summary = shown_words(html)
        if kind == "summary":
            assert summary and not quoted, page
        else:
            assert quoted and not summary, page


def test_an_excerpt_is_quoted_as_the_senders_words(client, notes):
    html = client.get(notes["excerpt"].get_absolute_url()).content.decode()
    assert shown_words(html) == (True, False)


def test_words_lost_from_a_corrected_summary_are_still_not_quoted(client, notes):
    note = notes["summary"]
    message = note.message
    message.text = "A different summary."
    message.save()
    html = client.get(note.get_absolute_url()).content.decode()
    assert "No longer found in our summary" in html
    assert shown_words(html) == (False, True)


def test_the_annotate_form_asks_for_words_of_our_summary(client, users, notes):
    client.force_login(users["author"])
    summary_form = client.get(reverse("annotations:edit", args=[notes["summary"].uuid]))
    assert "Words of our summary" in summary_form.content.decode()
    record = client.get(notes["summary"].message.get_absolute_url()).content.decode()
    assert "Words of our summary" in record
    verbatim_form = client.get(reverse("annotations:edit", args=[notes["verbatim"].uuid]))
    assert "Words of our summary" not in verbatim_form.content.decode()
