from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from archive.models import Discrepancy, Message, Person


def test_earliest_date_after_latest_is_refused_by_the_database(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(date_earliest=date(2016, 10, 5), date_latest=date(2016, 10, 4))


def test_two_messages_cannot_share_a_position_in_a_thread(build):
    first = build.message()
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(thread=first.thread, position=first.position)


def test_external_ids_are_unique(build):
    build.message(external_id="m99")
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(external_id="m99")


def test_a_reported_delay_needs_a_parent(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(reported_delay=timedelta(minutes=90))


def test_a_reply_in_another_thread_is_refused_by_the_database(build):
    parent = build.message()
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(in_reply_to=parent)  # the builder makes a new thread


def test_a_reply_before_its_parent_is_refused_by_the_database(build):
    parent = build.message(position=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        build.message(thread=parent.thread, position=2, in_reply_to=parent)


def test_moving_a_reply_out_of_its_thread_is_refused_by_the_database(build):
    parent = build.message()
    reply = build.message(thread=parent.thread, in_reply_to=parent)
    reply.thread = build.thread()
    reply.position = 1
    with pytest.raises(IntegrityError), transaction.atomic():
        reply.save()


def test_clean_explains_a_reply_in_another_thread(build):
    parent = build.message()
    other = build.message()
    other.in_reply_to = parent
    with pytest.raises(ValidationError, match="same thread"):
        other.full_clean()


def test_latency_is_computed_when_both_times_are_attested(build):
    parent = build.message(sent_at=datetime(2016, 10, 3, 12, 0, tzinfo=UTC))
    reply = build.message(
        thread=parent.thread,
        in_reply_to=parent,
        sent_at=datetime(2016, 10, 3, 13, 30, tzinfo=UTC),
        reported_delay=timedelta(hours=5),  # an attested pair of times wins over a report
    )
    latency = reply.response_latency
    assert latency.duration == timedelta(minutes=90)
    assert not latency.is_reported
    assert latency.label == "90 minutes (computed)"


def test_latency_falls_back_to_the_reported_delay_marked_as_reported(build):
    parent = build.message()
    reply = build.message(
        thread=parent.thread, in_reply_to=parent, reported_delay=timedelta(hours=12)
    )
    assert reply.response_latency.is_reported
    assert reply.response_latency.label == "about 12 hours (reported)"


def test_no_latency_without_times_or_report(build):
    parent = build.message()
    reply = build.message(thread=parent.thread, in_reply_to=parent)
    assert reply.response_latency is None
    assert parent.response_latency is None


def test_answered_and_unanswered_counts(build):
    thread = build.thread()
    a, b = build.account(), build.account()
    asked = build.message(thread=thread, sender=a)
    build.message(thread=thread, sender=b, in_reply_to=asked)
    for _ in range(3):
        build.message(thread=thread, sender=a)
    from_a = Message.objects.filter(sender=a)
    assert from_a.answered().count() == 1
    assert from_a.unanswered().count() == 3


def test_an_unpublished_reply_does_not_count_as_an_answer(build):
    parent = build.message()
    build.message(thread=parent.thread, in_reply_to=parent, is_published=False)
    assert Message.objects.filter(pk=parent.pk).answered().count() == 0
    assert Message.objects.with_reply_counts().get(pk=parent.pk).reply_count == 0


def test_per_person_sent_and_answered_counts(build):
    thread = build.thread()
    a, b = build.account(), build.account()
    first = build.message(thread=thread, sender=a)
    build.message(thread=thread, sender=b, in_reply_to=first)
    build.message(thread=thread, sender=a)
    people = Person.objects.with_message_counts()
    assert (people.get(pk=a.person_id).sent_count, people.get(pk=a.person_id).answered_count) == (
        2,
        1,
    )
    assert (people.get(pk=b.person_id).sent_count, people.get(pk=b.person_id).answered_count) == (
        1,
        0,
    )


def test_a_discrepancy_targets_exactly_one_record(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        Discrepancy.objects.create(external_id="d-x", field="date", note="neither")


@pytest.mark.parametrize(
    ("earliest", "latest", "shown"),
    [
        (date(2016, 10, 3), date(2016, 10, 3), "3 Oct 2016"),
        (date(2016, 11, 8), date(2016, 11, 9), "8 or 9 Nov 2016"),
        (date(2016, 9, 30), date(2016, 10, 1), "30 Sep 2016 or 1 Oct 2016"),
        (date(2017, 9, 1), date(2017, 9, 30), "1–30 Sep 2017"),
        (date(2016, 9, 20), None, "on or after 20 Sep 2016"),
        (None, None, "date unknown"),
    ],
)
def test_dates_are_shown_at_their_honest_precision(build, earliest, latest, shown):
    assert build.message(date_earliest=earliest, date_latest=latest).date_display == shown


def test_clock_time_shows_its_zone_or_says_none_was_stated(build):
    eastern = build.message(
        sent_at=datetime(2016, 11, 8, 23, 35, tzinfo=UTC),
        sent_at_timezone="America/New_York",
        sent_at_timezone_inferred=True,
    )
    assert eastern.time_display == "18:35 EST (time zone inferred)"
    floating = build.message(sent_at=datetime(2016, 11, 8, 18, 35, tzinfo=UTC))
    assert floating.time_display == "18:35, time zone not stated"


# A clock time's zone: checked on the way in, and never a 500 on the way out.


@pytest.mark.parametrize("name", ["America/New_Yrok", "America", "../../etc/passwd", "+25:00"])
def test_clean_refuses_a_zone_that_is_not_one(build, name):
    message = build.message(sent_at=datetime(2016, 10, 3, 22, 35, tzinfo=UTC))
    message.sent_at_timezone = name
    with pytest.raises(ValidationError) as refused:
        message.full_clean()
    assert "is not a time zone" in str(refused.value.message_dict["sent_at_timezone"])


def test_the_admin_refuses_a_misspelt_zone_and_keeps_the_curators_input(admin_client, build):
    from tests.support.admin_forms import open_change_page, save_change_page

    message = build.message(sent_at=datetime(2016, 10, 3, 22, 35, tzinfo=UTC))
    page = open_change_page(admin_client, message)
    refused = save_change_page(admin_client, message, page, sent_at_timezone="America/New_Yrok")
    assert refused.status_code == 200
    assert "is not a time zone" in refused.content.decode()
    assert 'value="America/New_Yrok"' in refused.content.decode()
    message.refresh_from_db()
    assert message.sent_at_timezone == ""
    saved = save_change_page(admin_client, message, page, sent_at_timezone="America/New_York")
    assert saved.status_code == 302


@pytest.mark.parametrize("stored", ["Mars/Olympus_Mons", "America"])  # America: a directory
def test_a_zone_stored_unchecked_still_shows_the_page_with_the_time_in_utc(client, build, stored):
    message = build.message(sent_at=datetime(2016, 10, 3, 22, 35, tzinfo=UTC))
    Message.objects.filter(pk=message.pk).update(sent_at_timezone=stored)
    for path in (
        f"/messages/{message.external_id}/",
        "/messages/",
        f"/api/messages/{message.external_id}/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
    html = client.get(f"/messages/{message.external_id}/").content.decode()
    assert f"22:35 UTC (stated zone “{stored}” not recognised)" in html
