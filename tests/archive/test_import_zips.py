"""Zips as users send them, read in place and never extracted: a zip of .eml files, and a
WhatsApp export zipped with its media (each photo attached to the message that names it)."""

import hashlib
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import Attachment, Message, Thread
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

DAY = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)
PHOTO = b"\xff\xd8\xff\xe0 a small jpeg " * 10


def write_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_zip_of_eml_files_is_read_in_place_and_threaded(tmp_path):
    first = samples.email_bytes("z1@example.org", "ann@example.org", "ben@example.net",
                                "Harbour", DAY, "First.\n")  # fmt: skip
    reply = samples.email_bytes("z2@example.org", "ben@example.net", "ann@example.org",
                                "Re: Harbour", DAY + timedelta(hours=1), "Second.\n",
                                in_reply_to="z1@example.org")  # fmt: skip
    path = write_zip(
        tmp_path / "mail.zip",
        {
            "export/b-reply.eml": reply,  # before what it answers: the order does not matter
            "export/a-first.eml": first,
            "__MACOSX/export/._a-first.eml": b"\x00\x05\x16\x07 resource fork",
            "export/notes.txt": b"not mail",
        },
    )
    result = import_path(path)
    assert result.format == "eml" and result.report["created"] == 2
    assert result.report["replies_linked"] == 1 and Thread.objects.count() == 1
    assert Message.objects.get(original_id="z2@example.org").position == 2
    assert not list(tmp_path.glob("export"))  # nothing was extracted


@pytest.mark.parametrize("name", ["../evil.eml", "/etc/evil.eml", "C:/evil.eml"])
def test_a_zip_with_an_unsafe_name_is_refused_whole(tmp_path, name):
    path = write_zip(tmp_path / "bad.zip", {"good.eml": b"From: a@b.c\n\nx\n", name: b"x"})
    with pytest.raises(FileRefused, match="unsafe path"):
        import_path(path)
    assert not Message.objects.exists()


def test_a_zip_of_something_else_is_refused_with_the_formats_it_could_be(tmp_path):
    path = write_zip(tmp_path / "photos.zip", {"a.jpg": PHOTO})
    with pytest.raises(FileRefused, match="not a known export.*Folder of .eml files"):
        import_path(path)


def test_an_eml_member_that_is_a_bomb_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_COMPRESSION_RATIO = 10
    path = write_zip(tmp_path / "bomb.zip", {"big.eml": b"From: a@b.c\n\n" + b"a" * 3_000_000})
    with pytest.raises(FileRefused, match="zip bomb"):
        import_path(path)
    assert not Message.objects.exists()


IOS_CHAT = (
    "[03/10/2016, 18:35:10] Erin Placeholder: The harbour, this morning\n"
    "[03/10/2016, 18:35:12] Erin Placeholder: \u200e<attached: 00000012-PHOTO-2016-10-03.jpg>\n"
    "[03/10/2016, 18:37:00] Frank Filler: Lovely.\n"
)
ANDROID_CHAT = (
    "03/10/2016, 18:35 - Erin Placeholder: IMG-20161003-WA0001.jpg (file attached)\n"
    "03/10/2016, 18:37 - Frank Filler: Lovely.\n"
)


@pytest.mark.parametrize(
    "members, photo, chat",
    [
        (
            {"_chat.txt": IOS_CHAT, "00000012-PHOTO-2016-10-03.jpg": PHOTO},
            "00000012-PHOTO-2016-10-03.jpg",
            "WhatsApp Chat - Erin",
        ),
        (
            {"WhatsApp Chat with Erin.txt": ANDROID_CHAT, "IMG-20161003-WA0001.jpg": PHOTO},
            "IMG-20161003-WA0001.jpg",
            "WhatsApp Chat with Erin",
        ),
    ],
)
def test_a_whatsapp_zip_attaches_each_photo_to_its_message(tmp_path, members, photo, chat):
    path = write_zip(tmp_path / "WhatsApp Chat - Erin.zip", members)
    result = import_path(path)
    assert result.format == "whatsapp"
    [attachment] = Attachment.objects.all()
    assert attachment.name == photo and attachment.content_type == "image/jpeg"
    assert attachment.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert photo in attachment.message.text
    assert attachment.message.thread.title == f"WhatsApp chat: {chat}"


def test_a_whatsapp_zip_naming_a_photo_it_lacks_imports_the_message_without_it(tmp_path):
    path = write_zip(tmp_path / "chat.zip", {"_chat.txt": IOS_CHAT})
    result = import_path(path)
    assert result.report["created"] == 3 and not Attachment.objects.exists()
