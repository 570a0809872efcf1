"""A time with no zone (WhatsApp, some CSV) is never written as a UTC instant: the API and the
exports give the local clock time without an offset and say the zone is unknown."""

import csv
import io
import json

import pytest

from archive.importing.importer import import_path
from archive.models import Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(tmp_path):
    path = tmp_path / "Erin and Frank" / "_chat.txt"
    path.parent.mkdir()
    path.write_text(samples.WHATSAPP)
    result = import_path(path, publish=True)
    return Message.objects.get(import_batch=result.batch, original_id="line 2")


def test_the_api_gives_the_local_time_and_says_the_zone_is_unknown(client, chat):
    body = client.get(f"/api/messages/{chat.external_id}/").json()
    assert body["sent_at"] == "2016-10-03T18:36:02"  # no "+00:00", no "Z"
    assert body["sent_at_timezone"] is None and body["sent_at_timezone_known"] is False
    assert "time zone not stated" in body["time_display"]


def test_the_exports_give_the_local_time_without_an_offset(client, chat):
    data = json.loads(b"".join(client.get("/messages/?format=json").streaming_content))
    row = next(row for row in data["messages"] if row["id"] == chat.external_id)
    assert row["sent_at"] == "2016-10-03T18:36:02" and row["sent_at_timezone"] is None
    response = client.get("/messages/?format=csv&dialect=data")
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    line = next(line for line in rows if line["id"] == chat.external_id)
    assert line["sent_at"] == "2016-10-03T18:36:02"


def test_a_stated_zone_keeps_its_offset(client, build):
    from datetime import UTC, datetime

    message = build.message(
        sent_at=datetime(2016, 10, 3, 22, 35, tzinfo=UTC), sent_at_timezone="America/New_York"
    )
    body = client.get(f"/api/messages/{message.external_id}/").json()
    assert body["sent_at"] == "2016-10-03T18:35:00-04:00"
    assert body["sent_at_timezone_known"] is True


def test_an_email_dated_minus_0000_is_a_utc_instant(tmp_path):
    raw = (
        b"From: a@example.org\nTo: b@example.org\nSubject: Zone\n"
        b"Date: Mon, 03 Oct 2016 18:35:00 -0000\nMessage-ID: <z@example.org>\n\nHi.\n"
    )
    result = import_path(samples.write_mbox(tmp_path / "z.mbox", [raw]))
    message = Message.objects.get(import_batch=result.batch)
    assert message.sent_at_timezone == "UTC"
    assert "without the sender's own zone" in message.time_note
