"""An e-mail's own fields are evidence: its subject (the page's heading and its citation's
title), From with the display name, To, Cc, Bcc, Date and Message-ID as written, and its
attachments' names are stored, shown, searchable, exported and in the API."""

import csv
import io
import json
from datetime import datetime

import pytest

from archive.importing.importer import import_path
from archive.models import Message
from tests.archive.test_search import found
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

WHEN = datetime(2016, 10, 3, 18, 35, tzinfo=samples.NY)


@pytest.fixture
def mail(tmp_path):
    raw = samples.email_bytes(
        "rotterdam-1@example.org",
        "Ann Example <ann@example.org>",
        "Ben Sample <ben@example.net>",
        "Invoices from Gdańsk, and Rotterdam",
        WHEN,
        "Both are attached.\n",
        extra_headers=[("Cc", "Cleo Third <cleo@example.com>"), ("Bcc", "dora@example.com")],
        attachments=[("harbour-invoices.pdf", "application/pdf", b"%PDF-1.4 ...")],
    )
    result = import_path(samples.write_mbox(tmp_path / "mail.mbox", [raw]), publish=True)
    return Message.objects.get(import_batch=result.batch)


def test_the_fields_are_stored_as_the_headers_gave_them(mail):
    assert mail.subject == "Invoices from Gdańsk, and Rotterdam"
    assert mail.mail_headers == {
        "from": [{"name": "Ann Example", "address": "ann@example.org"}],
        "to": [{"name": "Ben Sample", "address": "ben@example.net"}],
        "cc": [{"name": "Cleo Third", "address": "cleo@example.com"}],
        "bcc": [{"name": "", "address": "dora@example.com"}],
        "date": "Mon, 03 Oct 2016 18:35:00 -0400",
        "message_id": "rotterdam-1@example.org",
    }
    assert sorted(mail.recipients.values_list("handle", flat=True)) == [
        "ben@example.net",
        "cleo@example.com",
        "dora@example.com",
    ]


@pytest.mark.parametrize(
    "words",
    [
        "Rotterdam",  # the subject
        "Invoices",  # the subject (and, stemmed, the attachment's name)
        "Gdańsk",
        "gdansk",  # without its diacritic
        "Cleo",  # a Cc's display name
        "cleo@example.com",  # a Cc's address
        "dora",  # a Bcc's address
        "harbour",  # an attachment's name
    ],
)
def test_plain_words_find_the_subject_people_and_attachment_names(mail, words):
    assert found("messages", words) == [mail.external_id]


def test_the_page_is_headed_by_the_subject_and_shows_the_headers(client, mail):
    page = client.get(mail.get_absolute_url()).content.decode()
    assert "<h1>Invoices from Gdańsk, and Rotterdam</h1>" in page
    assert "<title>Invoices from Gdańsk, and Rotterdam · " in page
    assert "Cleo Third &lt;cleo@example.com&gt;" in page
    assert "<dt>Bcc</dt><dd>dora@example.com</dd>" in page
    assert "<code>rotterdam-1@example.org</code>" in page
    assert "harbour-invoices.pdf" in page


def test_the_list_shows_the_subject(client, mail):
    page = client.get("/messages/").content.decode()
    assert '<p class="message-subject">Invoices from Gdańsk, and Rotterdam</p>' in page


def test_the_api_gives_the_subject_and_headers(client, mail):
    data = client.get(f"/api/messages/{mail.external_id}/").json()
    assert data["subject"] == mail.subject
    assert data["mail_headers"]["cc"] == [{"name": "Cleo Third", "address": "cleo@example.com"}]


def test_the_api_gives_null_headers_for_other_messages(client, build):
    message = build.message(channel="direct_message")
    data = client.get(f"/api/messages/{message.external_id}/").json()
    assert data["subject"] == "" and data["mail_headers"] is None


def test_the_exports_carry_the_subject_and_people(client, mail):
    rows = json.loads(b"".join(client.get("/messages/?format=json").streaming_content))
    [row] = rows["messages"]
    assert row["subject"] == mail.subject
    assert row["mail_cc"] == ["Cleo Third <cleo@example.com>"]
    assert row["message_id"] == "rotterdam-1@example.org"
    response = client.get("/messages/?format=csv&dialect=data")
    [line] = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert line["subject"] == mail.subject
    assert line["mail_from"] == "Ann Example <ann@example.org>"


def test_the_citation_title_is_the_subject(client, mail):
    (item,) = json.loads(client.get(f"/messages/{mail.external_id}/cite.json").content)
    assert item["title"] == "Invoices from Gdańsk, and Rotterdam"


@pytest.mark.parametrize(
    "raw_subject, charset",
    [("Gdańsk and Rotterdam", "utf-8"), ("Gdańsk and Rotterdam".replace("ń", "é"), "latin-1")],
)
def test_a_header_in_raw_8bit_is_read_not_mangled(tmp_path, raw_subject, charset):
    """RFC 6532 lets mail carry UTF-8 in its headers; old clients wrote Latin-1 there."""
    raw = (
        f"From: Ann Ł <ann@example.org>\nTo: ben@example.net\nSubject: {raw_subject}\n"
        "Date: Mon, 03 Oct 2016 18:35:00 +0000\nMessage-ID: <8bit@example.org>\n\nHi.\n"
    ).encode(charset, errors="replace")
    result = import_path(samples.write_mbox(tmp_path / "m.mbox", [raw]))
    message = Message.objects.get(import_batch=result.batch)
    assert message.subject == raw_subject
    assert "\ufffd" not in message.thread.title
    if charset == "utf-8":
        assert message.mail_headers["from"] == [{"name": "Ann Ł", "address": "ann@example.org"}]
