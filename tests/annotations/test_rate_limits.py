"""Abuse limits: password-reset mails, new notes and reports are rate-limited, never a 500."""

import pytest
from django.conf import settings
from django.urls import reverse

from annotations.models import Annotation, Flag
from tests.support.annotation_helpers import make_annotation

RESET = "/accounts/password_reset/"


@pytest.fixture
def author_with_email(users):
    users["author"].email = "author@example.org"
    users["author"].save()
    return users["author"]


def test_reset_mails_to_one_address_stop_at_the_limit_but_the_page_answers_the_same(
    client, author_with_email, mailoutbox
):
    per_address, _ = settings.RATE_LIMITS["password_reset_email"]
    for _ in range(per_address + 5):
        response = client.post(RESET, {"email": "Author@Example.org"})
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
    assert len(mailoutbox) == per_address


def test_an_unknown_address_gets_the_same_answer_past_the_limit(client, db, mailoutbox):
    per_address, _ = settings.RATE_LIMITS["password_reset_email"]
    for _ in range(per_address + 2):
        response = client.post(RESET, {"email": "nobody@example.org"})
        assert (response.status_code, response.url) == (302, reverse("password_reset_done"))
    assert mailoutbox == []


def test_one_client_asking_for_many_addresses_is_refused_with_our_page(
    client, author_with_email, mailoutbox
):
    per_client, _ = settings.RATE_LIMITS["password_reset_client"]
    for i in range(per_client):
        assert client.post(RESET, {"email": f"someone{i}@example.org"}).status_code == 302
    refused = client.post(RESET, {"email": "author@example.org"})
    assert refused.status_code == 429
    assert "Too many password-reset requests" in refused.content.decode()
    assert mailoutbox == []
    # A forged X-Forwarded-For (no proxy declared) does not make a new client.
    forged = client.post(
        RESET, {"email": "author@example.org"}, headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert forged.status_code == 429
    # Another client is not affected.
    other = client.post(RESET, {"email": "author@example.org"}, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302
    assert len(mailoutbox) == 1


def _post_note(client, message, body):
    return client.post(
        reverse("annotations:annotate_message", args=[message.external_id]),
        {
            "body": body,
            "motivation": "commenting",
            "visibility": "private",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
        },
    )


def test_notes_past_the_rate_are_refused_with_the_text_kept(client, build, users, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "note_create": (3, 600)}
    message = build.message()
    client.force_login(users["author"])
    for i in range(3):
        assert _post_note(client, message, f"Note number {i}").status_code == 302
    refused = _post_note(client, message, "My carefully written fourth note")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "My carefully written fourth note" in page
    assert "please wait a few minutes" in page
    assert Annotation.objects.filter(author=users["author"]).count() == 3
    # The limit is per user: another researcher still writes.
    client.force_login(users["other"])
    assert _post_note(client, message, "Someone else's note").status_code == 302


def _report(client, note, reason="Spam"):
    return client.post(reverse("annotations:flag", args=[note.uuid]), {"reason": reason})


def test_reporting_the_same_note_again_is_one_open_flag_and_a_clear_message(client, build, users):
    note = make_annotation(users["author"], message=build.message(), visibility="public")
    client.force_login(users["other"])
    assert _report(client, note).status_code == 302
    again = _report(client, note, "Still spam")
    assert again.status_code == 302
    shown = client.get(again.url).content.decode()
    assert "You have already reported this note; a curator will look at it." in shown
    assert Flag.objects.filter(annotation=note).count() == 1
    # Once resolved, a new report is a new flag.
    Flag.objects.update(resolved_at="2026-01-01T00:00:00Z")
    assert _report(client, note).status_code == 302
    assert Flag.objects.open().filter(annotation=note).count() == 1
    assert Flag.objects.filter(annotation=note).count() == 2


def test_reports_past_the_rate_are_refused_with_our_page(client, build, users, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "flag_create": (2, 3600)}
    message = build.message()
    notes = [make_annotation(users["author"], message=message, visibility="public") for _ in "abc"]
    client.force_login(users["other"])
    assert [_report(client, n).status_code for n in notes[:2]] == [302, 302]
    refused = _report(client, notes[2], "Please look at this one")
    assert refused.status_code == 429
    assert "Please look at this one" in refused.content.decode()
    assert Flag.objects.count() == 2
