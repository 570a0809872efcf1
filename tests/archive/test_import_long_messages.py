"""One message (an e-mail, a chat message, a CSV line) larger than IMPORT_MAX_MESSAGE_BYTES is
not read: it fails with the reason and the rest of the file imports (a CSV is refused, naming
the line). Files are read in bounded pieces, so a huge line costs no more than the limit."""

import tracemalloc

import pytest

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import ImportBatch, Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

MIB = 1024**2


@pytest.fixture
def one_mib_limit(settings):
    settings.IMPORT_MAX_MESSAGE_BYTES = MIB


def peak_memory_of(function, *args, **kwargs):
    tracemalloc.start()
    try:
        result = function(*args, **kwargs)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def long_line_mail(size):
    return (
        b"From: alice@example.org\nTo: bob@example.net\nSubject: Long\n"
        b"Message-ID: <long@example.org>\nDate: Mon, 03 Oct 2016 18:35:00 -0400\n\n"
        + b"y" * size
        + b"\n"
    )


def test_an_email_over_the_limit_fails_alone_without_being_read(tmp_path, one_mib_limit):
    first, reply = samples.sample_emails()
    path = samples.write_mbox(tmp_path / "mail.mbox", [first, long_line_mail(12 * MIB), reply])
    result, peak = peak_memory_of(import_path, path, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    [failed] = result.report["examples"]["failed"]
    assert failed["location"].startswith("message 2 (byte offset")
    assert "12.0 MiB, over the limit of 1.0 MiB" in failed["reason"]
    assert "IMPORT_MAX_MESSAGE_BYTES" in failed["reason"]
    assert peak < 6 * MIB  # a piece of a MiB at a time, never the 12 MiB line
    assert not Message.objects.filter(original_id="long@example.org").exists()


def test_an_eml_file_over_the_limit_fails_alone(tmp_path, one_mib_limit):
    folder = tmp_path / "mail"
    folder.mkdir()
    first, reply = samples.sample_emails()
    (folder / "1.eml").write_bytes(first)
    (folder / "2.eml").write_bytes(long_line_mail(2 * MIB))
    (folder / "3.eml").write_bytes(reply)
    result = import_path(folder, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    assert result.report["examples"]["failed"][0]["location"] == "2.eml"


def test_a_whatsapp_line_over_the_limit_fails_alone_without_being_read(tmp_path, one_mib_limit):
    path = tmp_path / "_chat.txt"
    with open(path, "w", encoding="utf-8") as chat:
        chat.write("[03/10/2016, 18:35:10] Erin: Morning!\n")
        chat.write("[03/10/2016, 18:36:00] Frank: " + "y" * (12 * MIB) + "\n")
        chat.write("[13/10/2016, 09:01:00] Erin: Later one.\n")
    result, peak = peak_memory_of(import_path, path, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    [failed] = result.report["examples"]["failed"]
    assert failed["location"] == "line 2" and "IMPORT_MAX_MESSAGE_BYTES" in failed["reason"]
    assert peak < 6 * MIB
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Later one.", "Morning!"]


def test_a_whatsapp_message_of_many_lines_over_the_limit_fails_alone(tmp_path, one_mib_limit):
    path = tmp_path / "_chat.txt"
    path.write_text(
        "[03/10/2016, 18:35:10] Erin: Morning!\n"
        "[03/10/2016, 18:36:00] Frank: a long one\n" + ("z" * 1000 + "\n") * 2000 + ""
        "[13/10/2016, 09:01:00] Erin: Later one.\n"
    )
    result = import_path(path, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    assert result.report["examples"]["failed"][0]["location"] == "line 2"


def test_a_csv_line_over_the_limit_is_refused_before_it_is_read(tmp_path, one_mib_limit):
    path = tmp_path / "t.csv"
    path.write_text(samples.CSV + "r3,lunch,2016-10-05T10:00:00Z,,,@gina,@hal," + "y" * (2 * MIB))
    with pytest.raises(FileRefused, match="Line 4 of the CSV is longer than 1.0 MiB"):
        import_path(path)
    assert not Message.objects.exists() and not ImportBatch.objects.exists()
