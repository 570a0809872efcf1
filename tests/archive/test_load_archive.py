"""The loader's own test: loads the real fixtures/ files and checks their integrity."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from archive.models import Discrepancy, Event, Message, Person, Source, Thread

FIXTURE = settings.BASE_DIR / "fixtures" / "archive.json"


def load(*args):
    out = StringIO()
    call_command("load_archive", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def loaded(db):
    return load()


def test_first_load_creates_every_record_of_the_fixture(loaded):
    records = json.loads(FIXTURE.read_text())
    assert loaded == f"created {len(records)}, updated 0, unchanged 0"


def test_loading_twice_changes_nothing(loaded):
    assert load() == f"created 0, updated 0, unchanged {len(json.loads(FIXTURE.read_text()))}"


def test_a_fixture_change_to_a_record_nobody_edited_is_applied(loaded, tmp_path):
    records = json.loads(FIXTURE.read_text())
    for record in records:
        if record["fields"].get("external_id") == "m05":
            record["fields"]["summary"] = "A better summary from the fixture."
    changed = tmp_path / "archive.json"
    changed.write_text(json.dumps(records))

    assert load(str(changed)).startswith("created 0, updated 1,")
    assert Message.objects.get(external_id="m05").summary == "A better summary from the fixture."


def test_archive_counts_match_the_fact_sheet(archive):
    assert Message.objects.public().count() == 24
    assert Message.objects.filter(channel="direct_message").count() == 11
    assert Message.objects.filter(channel="email").count() == 2
    assert Message.objects.filter(channel="public_tweet").count() == 11
    assert Event.objects.count() == 20
    assert Source.objects.count() == 82
    assert Thread.objects.count() == 3
    assert Discrepancy.objects.count() >= 10


def test_every_message_and_event_names_a_source(archive):
    assert not Message.objects.filter(sources__isnull=True).exists()
    assert not Event.objects.filter(sources__isnull=True).exists()


def test_the_seed_article_is_a_source(archive):
    seed = Source.objects.get(external_id="s01")
    assert seed.messages.exists()


def test_every_reply_comes_after_its_parent_in_the_same_thread(archive):
    for reply in Message.objects.filter(in_reply_to__isnull=False).select_related("in_reply_to"):
        assert reply.thread_id == reply.in_reply_to.thread_id
        assert reply.position > reply.in_reply_to.position


def test_trump_jr_sent_three_direct_message_replies(archive):
    replies = Message.objects.filter(
        channel="direct_message", sender__handle="@DonaldJTrumpJr", in_reply_to__isnull=False
    )
    assert sorted(replies.values_list("external_id", flat=True)) == ["m02", "m06", "m07"]


def test_the_three_october_third_exchange_has_its_reported_latency(archive):
    reply = Message.objects.get(external_id="m06")
    assert reply.response_latency.label == "about 90 minutes (reported)"


def test_verbatim_text_is_claimed_only_where_the_seed_article_is_cited(archive):
    for message in Message.objects.exclude(text_status="summary"):
        assert message.sources.filter(external_id="s01").exists(), message.external_id


def test_no_dangling_references(archive):
    for message in Message.objects.all():
        assert message.sender.person_id
        for account in message.recipients.all():
            assert Person.objects.filter(pk=account.person_id).exists()
    for discrepancy in Discrepancy.objects.all():
        assert discrepancy.record is not None
        assert discrepancy.readings.count() >= 2


def test_an_invalid_fixture_is_refused_with_a_clear_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {
                    "model": "archive.source",
                    "fields": {
                        "external_id": "s-bad",
                        "publisher": "P",
                        "title": "T",
                        "url": "not a url",
                    },
                }
            ]
        )
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Enter a valid URL"):
        call_command("load_archive", str(bad), stdout=StringIO())
    assert not Source.objects.filter(external_id="s-bad").exists()
