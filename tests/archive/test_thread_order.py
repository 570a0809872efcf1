"""Item 16: curators insert a message between two others; a position against the dates warns."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from archive.models import Message
from tests.support.admin_helpers import message_admin_data as admin_data


@pytest.fixture
def thread_of_five(build):
    """Positions 1–5: Oct, Nov, Dec 2016, Feb, Mar 2017; m4 replies to m3, m5 to m4."""
    thread = build.thread(external_id="dm")
    sender = build.account()
    messages = []
    for n in range(1, 6):
        parent = messages[-1] if n >= 4 else None
        messages.append(
            build.message(
                thread=thread,
                sender=sender,
                external_id=f"m{n}",
                position=n,
                day=date(2016, 9 + n, 1) if n < 4 else date(2017, n - 2, 1),
                in_reply_to=parent,
            )
        )
    return thread, messages


def order(thread):
    return list(thread.messages.order_by("position").values_list("external_id", "position"))


@pytest.mark.django_db(transaction=True)
def test_inserting_shifts_later_messages_and_keeps_replies_after_parents(thread_of_five, build):
    thread, messages = thread_of_five
    new = Message(
        thread=thread,
        position=2,
        sender=messages[0].sender,
        external_id="new",
        channel="direct_message",
        text="Inserted",
        text_status="verbatim",
    )
    new.make_room_on_save = True
    new.full_clean()
    new.save()
    assert order(thread) == [("m1", 1), ("new", 2), ("m2", 3), ("m3", 4), ("m4", 5), ("m5", 6)]
    assert new.moved_down == ["m2", "m3", "m4", "m5"]


@pytest.mark.django_db(transaction=True)
def test_moving_a_message_up_its_thread_fills_the_place_it_left(thread_of_five):
    thread, messages = thread_of_five
    last = messages[4]
    last.in_reply_to = None
    last.save()
    last.position = 2
    last.make_room_on_save = True
    last.full_clean()
    last.save()
    assert order(thread) == [("m1", 1), ("m5", 2), ("m2", 3), ("m3", 4), ("m4", 5)]
    assert last.moved_down == ["m2", "m3", "m4"]


def test_without_insert_a_taken_position_is_still_refused(thread_of_five, build):
    thread, messages = thread_of_five
    new = build.message(thread=thread, external_id="new")
    new.position = 3
    with pytest.raises(ValidationError):
        new.full_clean()


def test_moving_a_parent_after_its_reply_is_refused(thread_of_five):
    _, messages = thread_of_five
    parent = messages[2]  # m3, answered by m4 at position 4
    parent.position = 9
    with pytest.raises(ValidationError, match="m4 replies to this message"):
        parent.full_clean()


def test_admin_inserts_a_message_between_two_others(curator_client, thread_of_five, build):
    thread, messages = thread_of_five
    feb = build.message(thread=thread, external_id="feb", day=date(2017, 2, 15), position=9)
    response = curator_client.post(
        reverse("admin:archive_message_change", args=[feb.pk]),
        admin_data(feb, position=5),
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any("m5 moved down one place" in t for t in texts), texts
    assert order(thread) == [
        ("m1", 1),
        ("m2", 2),
        ("m3", 3),
        ("m4", 4),
        ("feb", 5),
        ("m5", 6),
    ]
    assert not any(t.startswith("Check the order") for t in texts), texts


def test_admin_adds_a_new_message_at_a_taken_position(curator_client, thread_of_five, build):
    thread, messages = thread_of_five
    template = build.message(thread=thread, external_id="tmp", day=date(2016, 11, 15))
    data = admin_data(template, external_id="nov", position=3, is_published=None)
    template.delete()
    response = curator_client.post(reverse("admin:archive_message_add"), data, follow=True)
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert "Made room at position 3: m3, m4, m5 moved down one place." in texts, texts
    assert [e for e, _ in order(thread)] == ["m1", "m2", "nov", "m3", "m4", "m5"]
    assert not Message.objects.get(external_id="nov").is_published  # left unticked


def test_admin_still_refuses_a_reply_placed_before_its_parent(curator_client, thread_of_five):
    thread, messages = thread_of_five
    reply = messages[3]  # m4 answers m3 at position 3
    response = curator_client.post(
        reverse("admin:archive_message_change", args=[reply.pk]),
        admin_data(reply, position=2, text="Edited words kept"),
    )
    assert response.status_code == 200
    assert "A reply must come after its parent" in str(response.context["adminform"].form.errors)
    assert "Edited words kept" in response.content.decode()
    assert order(thread) == [("m1", 1), ("m2", 2), ("m3", 3), ("m4", 4), ("m5", 5)]


def test_admin_warns_when_the_position_contradicts_the_dates(curator_client, thread_of_five, build):
    thread, messages = thread_of_five
    # Dated Feb 2017: between m4 (Feb) and m5 (Mar) it is right; at position 2 it is not.
    feb = build.message(thread=thread, external_id="feb", day=date(2017, 2, 15), position=9)
    response = curator_client.post(
        reverse("admin:archive_message_change", args=[feb.pk]),
        admin_data(feb, position=2),
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "Check the order: feb is at position 2, dated 15 Feb 2017, but m2 (1 Nov 2016) "
        "comes after it at position 3 but is dated earlier."
    ]
    # Saved anyway: a warning, not a refusal.
    assert Message.objects.get(pk=feb.pk).position == 2


def test_order_warning_ignores_overlapping_uncertain_dates(thread_of_five, build):
    thread, messages = thread_of_five
    # Between m2 (1 Nov 2016) and m3 (1 Dec 2016), dated "some time from Oct 2016 to Jun 2017".
    vague = build.message(
        thread=thread, position=9, date_earliest=date(2016, 10, 15), date_latest=date(2017, 6, 1)
    )
    vague.position = 2
    vague.make_room_on_save = True
    vague.save()
    assert vague.order_conflicts() == []
    vague.date_earliest = vague.date_latest  # certainly Jun 2017: after m3, which follows it
    assert vague.order_conflicts() == [
        "m2 (1 Nov 2016) comes after it at position 3 but is dated earlier"
    ]
