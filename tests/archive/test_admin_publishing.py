"""Item 15: new records start unpublished in the admin; publishing shows on every page at once."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from archive.models import Event, Message


def home_message_count(client):
    content = client.get(reverse("home")).content.decode()
    return int(re.search(r"<strong>(\d+)</strong> messages", content).group(1))


@pytest.fixture
def exchange(build):
    thread = build.thread(external_id="dm", title="The DMs")
    first = build.message(thread=thread, external_id="q1", text_status="verbatim")
    second = build.message(
        thread=thread, external_id="r1", in_reply_to=first, reported_delay=timedelta(hours=2)
    )
    return thread, first, second


@pytest.mark.parametrize("model", [Message, Event], ids=["message", "event"])
def test_add_page_starts_with_is_published_unticked(curator_client, model):
    page = curator_client.get(reverse(f"admin:archive_{model._meta.model_name}_add"))
    checkbox = re.search(r'<input[^>]*name="is_published"[^>]*>', page.content.decode()).group(0)
    assert "checked" not in checkbox


def test_thread_inline_for_new_messages_starts_unpublished(curator_client, exchange):
    thread, *_ = exchange
    page = curator_client.get(reverse("admin:archive_thread_change", args=[thread.pk]))
    extra = re.findall(
        r'<input[^>]*name="messages-__prefix__-is_published"[^>]*>', page.content.decode()
    )
    assert extra and "checked" not in extra[0]


def test_a_half_typed_event_saved_once_stays_unpublished(curator_client, build):
    response = curator_client.post(
        reverse("admin:archive_event_add"),
        {
            "external_id": "e99",
            "slug": "",
            "title": "Half typed",
            "kind": "other",
            "description": "Draft.",
            "sources": [build.source().pk],
            "discrepancies-TOTAL_FORMS": "0",
            "discrepancies-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(external_id="e99")
    assert not event.is_published
    assert curator_client.get(event.get_absolute_url()).status_code == 404


def test_model_default_is_unchanged_for_fixtures_and_code(build):
    assert build.message().is_published


@pytest.mark.parametrize("action", ["unpublish", "publish"])
def test_bulk_action_changes_the_home_count_at_once(curator_client, client, exchange, action):
    _, first, second = exchange
    if action == "publish":
        Message.objects.filter(pk=second.pk).update(is_published=False)
    before = home_message_count(client)  # computed and cached now
    assert before == (2 if action == "unpublish" else 1)
    curator_client.post(
        reverse("admin:archive_message_changelist"),
        {"action": action, "_selected_action": [second.pk]},
    )
    assert home_message_count(client) == (1 if action == "unpublish" else 2)


def test_admin_save_changes_home_thread_and_person_figures_at_once(curator_client, exchange):
    thread, first, second = exchange
    person = first.sender.person
    thread_url = reverse("archive:thread_detail", args=[thread.external_id])
    person_url = reverse("archive:person_detail", args=[person.external_id])
    # Fill every cache first.
    assert home_message_count(curator_client) == 2
    assert "got a reply" in curator_client.get(person_url).content.decode()
    thread_before = curator_client.get(thread_url).content.decode()
    second.is_published = False
    second.save()  # what the admin's change form does: a plain save, with signals
    assert home_message_count(curator_client) == 1
    person_after = curator_client.get(person_url).content.decode()
    assert "<strong>0 of 1</strong> got a reply" in person_after
    assert curator_client.get(thread_url).content.decode() != thread_before


def test_deleting_a_message_changes_the_home_count_at_once(client, exchange):
    _, _, second = exchange
    assert home_message_count(client) == 2
    second.delete()
    assert home_message_count(client) == 1


def test_a_new_event_changes_the_home_count_at_once(client, build, exchange):
    content = client.get(reverse("home")).content.decode()
    assert "<strong>0</strong> events" in content
    event = Event.objects.create(
        external_id="e1",
        title="A thing",
        description="It happened.",
        date_earliest=date(2016, 1, 1),
    )
    event.sources.set([build.source()])
    assert "<strong>1</strong> events" in client.get(reverse("home")).content.decode()
