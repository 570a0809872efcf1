"""Outlook .msg files (extract-msg): one file, a folder, a zip, read as the e-mail they stand for.
The samples are written by tests/support/outlook_msg.py, a Compound File writer of our own."""

import random
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from archive.importing import formats
from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import Attachment, ImportBatch, Message, Thread
from tests.support import import_samples as samples
from tests.support.outlook_msg import outlook_msg

pytestmark = pytest.mark.django_db

WHEN = datetime(2019, 5, 14, 8, 30, tzinfo=UTC)
ANN, BEN, CLEO = (
    ("Ann Example", "ann@example.org"),
    ("Ben Sample", "ben@example.net"),
    ("Cleo Third", "cleo@example.com"),
)
PDF = b"%PDF-1.4\n" + b"0123456789" * 600  # larger than a mini stream: a file's own sectors


def first_mail(**fields):
    return outlook_msg(
        **{
            "subject": "Invoices from Gdańsk",
            "sender": ANN,
            "to": [BEN],
            "cc": [CLEO],
            "body": "Ben,\r\n\r\nboth are attached.\r\n\r\n-- \r\nAnn",
            "sent": WHEN,
            "message_id": "<gdansk-1@example.org>",
            "attachments": [("harbour-invoices.pdf", "application/pdf", PDF)],
            **fields,
        }
    )


def reply(number, parent, when):
    return outlook_msg(
        subject="RE: Invoices from Gdańsk",
        sender=BEN if number % 2 else ANN,
        to=[ANN if number % 2 else BEN],
        body=f"Answer {number}.\r\n\r\n> earlier words\r\n",
        sent=when,
        message_id=f"<gdansk-{number + 1}@example.org>",
        in_reply_to=f"<{parent}>",  # as Outlook writes: In-Reply-To alone, no References
    )


def test_a_msg_file_is_detected_and_read_with_its_fields_lines_and_attachment(tmp_path):
    path = tmp_path / "invoices.msg"
    path.write_bytes(first_mail())
    assert formats.detect(path) == "msg"
    result = import_path(path, publish=True)
    assert result.format == "msg" and result.report["created"] == 1
    message = Message.objects.get()
    assert message.channel == "email" and message.original_id == "gdansk-1@example.org"
    assert message.subject == "Invoices from Gdańsk"
    assert message.text == "Ben,\n\nboth are attached.\n\n-- \nAnn"  # its lines kept
    assert message.mail_headers["from"] == [{"name": "Ann Example", "address": "ann@example.org"}]
    assert message.mail_headers["to"] == [{"name": "Ben Sample", "address": "ben@example.net"}]
    assert message.mail_headers["cc"] == [{"name": "Cleo Third", "address": "cleo@example.com"}]
    assert message.sent_at == WHEN
    attachment = Attachment.objects.get()
    assert attachment.name == "harbour-invoices.pdf" and attachment.size == len(PDF)
    assert attachment.content_type == "application/pdf"


def test_a_folder_of_msg_files_linked_only_by_in_reply_to_is_one_thread(tmp_path):
    folder = tmp_path / "outlook"
    folder.mkdir()
    (folder / "0.msg").write_bytes(first_mail())
    for number in range(1, 6):
        # written out of order: the batch is threaded as a whole, in date order
        (folder / f"{9 - number}.msg").write_bytes(
            reply(number, f"gdansk-{number}@example.org", WHEN + timedelta(hours=number))
        )
    result = import_path(folder)
    assert result.format == "msg" and result.report["created"] == 6
    assert Thread.objects.count() == 1 and result.report["replies_linked"] == 5
    last = Message.objects.get(original_id="gdansk-6@example.org")
    assert last.position == 6 and last.in_reply_to.original_id == "gdansk-5@example.org"
    assert not last.in_reply_to_inferred


def test_a_zip_of_msg_files_is_read_in_place(tmp_path):
    path = tmp_path / "outlook.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mail/a.msg", first_mail())
        archive.writestr("mail/b.msg", reply(1, "gdansk-1@example.org", WHEN + timedelta(hours=1)))
        archive.writestr("mail/readme.txt", b"not mail")
    result = import_path(path)
    assert result.format == "msg" and result.report["created"] == 2
    assert result.report["replies_linked"] == 1
    assert not list(tmp_path.glob("mail"))  # nothing extracted


def test_the_internet_headers_outlook_kept_are_the_ones_read(tmp_path):
    kept = (
        "Received: from mx.example.org by mail.example.net; Tue, 14 May 2019 08:30:05 +0000\r\n"
        'From: "Ann Example" <ann@example.org>\r\n'
        "To: Ben Sample <ben@example.net>\r\n"
        "Subject: =?utf-8?q?Invoices_from_Gda=C5=84sk?=\r\n"
        "Date: Tue, 14 May 2019 10:30:00 +0200\r\n"
        "Message-ID: <kept-1@example.org>\r\n"
        "References: <older-0@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
    )
    path = tmp_path / "kept.msg"
    path.write_bytes(first_mail(headers=kept, message_id="<property-1@example.org>"))
    import_path(path)
    message = Message.objects.get()
    assert message.original_id == "kept-1@example.org"  # the mail's own header, not Outlook's
    assert message.subject == "Invoices from Gdańsk"
    assert message.sent_at_timezone == "+02:00" and message.sent_at == WHEN
    assert "Received: from mx.example.org" in message.original["headers"]


def test_the_same_mail_from_an_mbox_and_a_msg_is_one_message(tmp_path):
    mbox = samples.write_mbox(
        tmp_path / "mail.mbox",
        [
            samples.email_bytes(
                "gdansk-1@example.org",
                "Ann Example <ann@example.org>",
                "Ben Sample <ben@example.net>",
                "Invoices from Gdańsk",
                WHEN,
                "Ben,\n\nboth are attached.\n",
            )
        ],
    )
    import_path(mbox)
    path = tmp_path / "same.msg"
    path.write_bytes(first_mail())
    second = import_path(path)
    assert second.report["created"] == 0 and Message.objects.count() == 1


def test_a_property_with_line_breaks_never_becomes_a_header_of_its_own(tmp_path):
    path = tmp_path / "sly.msg"
    path.write_bytes(first_mail(subject="Hello\r\nBcc: spy@example.com\r\nX-Evil: 1", cc=[]))
    import_path(path)
    message = Message.objects.get()
    assert message.subject == "Hello Bcc: spy@example.com X-Evil: 1"
    assert message.mail_headers["bcc"] == []
    assert "spy@example.com" not in message.recipients.values_list("handle", flat=True)


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"Subject: not a compound file\n\nhello\n", "not an Outlook .msg file"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600, "too short to be an Outlook"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 4000, "unreadable Outlook message"),
        (None, "it is damaged"),  # a real .msg cut short: its directory is lost
    ],
    ids=["text", "short", "broken-header", "truncated"],
)
def test_a_bad_msg_fails_alone_with_a_reason_and_the_others_import(tmp_path, content, reason):
    folder = tmp_path / "outlook"
    folder.mkdir()
    (folder / "good.msg").write_bytes(first_mail())
    whole = first_mail(message_id="<other@example.org>")
    (folder / "bad.msg").write_bytes(content if content is not None else whole[:1800])
    refused = import_path(folder)
    assert refused.refused and not Message.objects.exists()  # without --skip-invalid: nothing
    [failed] = refused.report["examples"]["failed"]
    assert failed["location"] == "bad.msg" and reason in failed["reason"]
    result = import_path(folder, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (1, 1)
    assert Message.objects.get().original_id == "gdansk-1@example.org"


def test_an_outlook_item_that_is_not_an_email_fails_by_name_and_writes_nothing(tmp_path):
    path = tmp_path / "task.msg"
    raw = first_mail().replace("IPM.Note".encode("utf-16-le"), "IPM.Task".encode("utf-16-le"))
    path.write_bytes(raw)
    result = import_path(path)
    assert result.refused and not Message.objects.exists()
    [failed] = result.report["examples"]["failed"]
    assert "not an e-mail (IPM.Task)" in failed["reason"]


def test_a_folder_with_no_msg_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing")
    with pytest.raises(FileRefused, match="no .msg files"):
        import_path(tmp_path, format="msg")
    assert not ImportBatch.objects.exists()


def test_damaged_msg_files_fail_one_by_one_and_never_raise(tmp_path):
    """Bytes of a real .msg flipped at random places (its header, FAT, directory, properties):
    each reading ends in an item or a failure with a reason, never an exception."""
    from archive.importing.items import Item, Problem
    from archive.importing.outlook_reader import read_msg

    whole = first_mail()
    generator = random.Random(20261207)
    outcomes = set()
    for number in range(120):
        damaged = bytearray(whole)
        for _ in range(generator.choice([1, 4, 32])):
            damaged[generator.randrange(8, len(damaged))] = generator.randrange(256)
        path = tmp_path / f"{number}.msg"
        path.write_bytes(bytes(damaged))
        try:
            [outcome] = list(read_msg(path))
        except FileRefused:
            outcomes.add("refused")
            continue
        assert isinstance(outcome, Item | Problem)
        outcomes.add(type(outcome).__name__)
    assert {"Item", "Problem"} <= outcomes  # both happened: the damage was real
