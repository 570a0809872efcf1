"""The registry of import formats (archive/importing/formats.py): a new format is a reader and
one entry, and nothing else changes; the formats it holds detect and name their messages as
they always did."""

from io import StringIO

import pytest
from django.core.management import call_command

from archive.admin.imports import UploadForm
from archive.importing import formats
from archive.importing.formats import ImportFormat
from archive.importing.importer import import_path
from archive.importing.items import FileRefused, Item, Party, Problem
from archive.models import ImportBatch, Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


# A throwaway format, written as a newcomer would: a reader (here in the test; in the code, a
# module of archive/importing/) and one entry. Lines of "sender > recipient: text".
def read_notes(path):
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            yield Problem("skipped", f"line {number}", "an empty line")
            continue
        people, text = line.split(": ", 1)
        sender, recipient = (name.strip() for name in people.split(">"))
        yield Item(
            original_id=f"note {text}",
            location=f"line {number}",
            sender=Party("other", sender, display_name=sender),
            recipients=[Party("other", recipient, display_name=recipient)],
            text=text,
            channel="chat",
            original=line,
            thread_key=path.stem,
            thread_title=f"Notes: {path.stem}",
        )


NOTES = ImportFormat(
    "notes", "Plain-text notes", read_notes, family="notes", prefix="nt", suffixes=(".notes",)
)


@pytest.fixture
def notes_format():
    formats.register(NOTES)
    yield NOTES
    formats.unregister(NOTES.name)


def test_a_registered_format_is_detected_imported_and_labelled_end_to_end(tmp_path, notes_format):
    path = tmp_path / "lunch.notes"
    path.write_text("Ann > Bob: lunch at one?\n\nBob > Ann: yes\n")
    out = StringIO()
    call_command("import_messages", str(path), "--publish", stdout=out)
    assert "lunch.notes (notes," in out.getvalue()
    batch = ImportBatch.objects.get()
    assert (batch.format, batch.get_format_display()) == ("notes", "Plain-text notes")
    assert batch.report["created"] == 2 and batch.report["skipped"] == 1
    messages = Message.objects.filter(import_batch=batch).order_by("position")
    assert [m.text for m in messages] == ["lunch at one?", "yes"]
    assert all(m.external_id.startswith("nt-") for m in messages)
    assert messages[0].thread.title == "Notes: lunch" and messages[0].sender.handle == "Ann"
    # Idempotent like every format: the same file again creates nothing.
    assert import_path(path).already_imported == batch


def test_a_registered_format_is_offered_by_the_command_and_the_admin(tmp_path, notes_format):
    path = tmp_path / "named-otherwise.txt"  # a WhatsApp suffix: --format says which
    path.write_text("Ann > Bob: hello\n")
    call_command("import_messages", str(path), "--format", "notes", stdout=StringIO())
    assert Message.objects.get().external_id.startswith("nt-")
    assert ("notes", "Plain-text notes") in UploadForm().fields["format"].choices


def test_a_registered_format_needs_no_migration(notes_format):
    # ImportBatch.format's choices are the registry's by reference: nothing to migrate.
    call_command("makemigrations", "archive", "--check", "--dry-run", stdout=StringIO())


def test_a_format_is_registered_once():
    with pytest.raises(ValueError, match="registered already"):
        formats.register(formats.get("mbox"))


def test_an_unknown_format_is_refused_with_the_known_ones(tmp_path):
    path = tmp_path / "mail.mbox"
    path.write_bytes(samples.sample_emails()[0])
    with pytest.raises(
        FileRefused, match="use one of mbox, eml, msg, twitter, telegram, whatsapp, csv"
    ):
        import_path(path, format="fax")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: samples.write_mbox(d / "mail.mbox", samples.sample_emails()), "mbox"),
        (lambda d: samples.write_mbox(d / "mail", samples.sample_emails()), "mbox"),
        (lambda d: _file(d / "one.EML", samples.sample_emails()[0]), "eml"),
        (lambda d: _file(d / "folder" / "x" / "one.eml", b"").parent.parent, "eml"),
        (lambda d: samples.twitter_archive(d / "tw"), "twitter"),
        (lambda d: samples.twitter_archive(d / "tw", zip_path=d / "tw.zip"), "twitter"),
        (lambda d: _file(d / "t" / "result.json", b"{}").parent, "telegram"),
        (lambda d: _file(d / "any.json", b"{}"), "telegram"),
        (lambda d: _file(d / "w" / "_chat.txt", b"").parent, "whatsapp"),
        (lambda d: _file(d / "chat.txt", b""), "whatsapp"),
        (lambda d: _file(d / "t.csv", b""), "csv"),
        # Where two would fit, the first entry's folder files win, then .eml files.
        (lambda d: _both(d, "data/tweets.js", "result.json", "a.eml"), "twitter"),
        (lambda d: _both(d, "result.json", "_chat.txt", "a.eml"), "telegram"),
        (lambda d: _both(d, "_chat.txt", "a.eml"), "whatsapp"),
    ],
)
def test_formats_are_detected_as_before(tmp_path, make, expected):
    assert formats.detect(make(tmp_path)) == expected


def _sample(folder, format):
    if format == "mbox":
        return samples.write_mbox(folder / "mail.mbox", samples.sample_emails())
    if format == "eml":
        for number, raw in enumerate(samples.sample_emails()):
            _file(folder / "eml" / f"{number}.eml", raw)
        return folder / "eml"
    if format == "twitter":
        return samples.twitter_archive(folder / "tw", zip_path=folder / "tw.zip")
    if format == "telegram":
        return samples.telegram_export(folder / "result.json")
    if format == "whatsapp":
        return _file(folder / "Erin and Frank" / "_chat.txt", samples.WHATSAPP.encode())
    return _file(folder / "t.csv", samples.CSV.encode())


# The external ids each format gave before the registry: they are how an import finds what a
# file holds already, so they never change.
EMAIL_IDS = (
    ["em-26a60ee88d3d243b42525b12", "em-edb095d85286c9ea7ce2d4d8"],
    ["em-t-26a60ee88d3d243b4252"],
)
EXTERNAL_IDS = {
    "mbox": EMAIL_IDS,
    "eml": EMAIL_IDS,  # one family: the same mail in an mbox and an .eml is one message
    "twitter": (
        [
            "tw-2d195d3351c929785ea151c2",
            "tw-47ce6ee156abc09cd6eda8f1",
            "tw-a365676ab15d5f7e3a18cd84",
            "tw-da16c5aa846deced39671591",
        ],
        ["tw-t-24dcb21544e61b6f8652", "tw-t-2c420c37236a0eba251a"],
    ),
    "telegram": (
        ["tg-2ee8ddaafdf2f330c129df6c", "tg-7b7f5dfef83b00830f316509"],
        ["tg-t-e611359698a5e3b3d2e3"],
    ),
    "whatsapp": (
        [
            "wa-1755c37a8f00bd1c2b94cac7",
            "wa-ad046dcd33b21a1b52bebbca",
            "wa-f1b0212ef567dd23ab2d7d35",
        ],
        ["wa-t-8b9a19e02edf646094e4"],
    ),
    "csv": (
        ["csv-50889b1e959f78716c5de0b0", "csv-e7f9bc50d3a4e0219bd78fb4"],
        ["csv-t-dfb7d3d18008626ec122"],
    ),
}


@pytest.mark.parametrize("format", ["mbox", "eml", "twitter", "telegram", "whatsapp", "csv"])
def test_each_format_names_its_messages_and_threads_as_before(tmp_path, format):
    result = import_path(_sample(tmp_path, format))
    assert result.format == format and result.wrote
    messages = Message.objects.filter(import_batch=result.batch)
    ids = sorted(messages.values_list("external_id", flat=True))
    threads = sorted(set(messages.values_list("thread__external_id", flat=True)))
    assert (ids, threads) == EXTERNAL_IDS[format]


def test_a_folder_of_no_known_format_says_what_it_lacks(tmp_path):
    _file(tmp_path / "notes.md", b"hello")
    with pytest.raises(FileRefused) as refused:
        formats.detect(tmp_path)
    assert str(refused.value) == (
        "This folder is not a known export (no .eml files, no .msg files, no data/ of a Twitter "
        "archive, no result.json, no _chat.txt)."
    )


def test_a_file_of_no_known_format_lists_the_formats(tmp_path):
    with pytest.raises(FileRefused) as refused:
        formats.detect(_file(tmp_path / "junk.bin", b"\x00\x01"))
    assert str(refused.value) == (
        "The format could not be told from the file: give --format "
        "(mbox, eml, msg, twitter, telegram, whatsapp or csv)."
    )


def _file(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _both(folder, *names):
    for name in names:
        _file(folder / name, b"")
    return folder
