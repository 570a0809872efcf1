"""import_messages: every format to the expected messages, times, threads, replies and accounts;
provenance; idempotence; malformed files refused with nothing written."""

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import Account, Attachment, ImportBatch, Message, Thread
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


def by_original(batch=None):
    messages = Message.objects.select_related("sender", "thread", "in_reply_to")
    if batch:
        messages = messages.filter(import_batch=batch)
    return {m.original_id: m for m in messages}


def nothing_written():
    return not Message.objects.exists() and not ImportBatch.objects.exists()


def test_mbox_imports_messages_with_zones_threads_replies_and_accounts(tmp_path):
    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    result = import_path(path)
    assert result.format == "mbox" and result.wrote
    assert result.report["created"] == 2 and result.report["replies_linked"] == 1
    messages = by_original(result.batch)
    first, reply = messages["a1@example.org"], messages["b1@example.net"]
    assert first.sent_at == datetime(2016, 10, 3, 22, 35, tzinfo=UTC)
    assert first.sent_at_timezone == "-04:00" and first.date_earliest == date(2016, 10, 3)
    assert reply.sent_at_timezone == "+02:00" and reply.sent_at == datetime(
        2016, 10, 4, 7, 5, tzinfo=UTC
    )
    assert reply.in_reply_to == first and reply.thread == first.thread
    assert first.thread.title == "Lunch on Friday"
    assert (first.position, reply.position) == (1, 2)
    assert first.text == "Are we still on for lunch?" and first.text_status == "verbatim"
    assert first.channel == "email" and not first.is_published
    assert "Message-ID: <a1@example.org>" in first.original["headers"]
    assert first.original["text_part"] == "Are we still on for lunch?\n"
    assert first.sender.handle == "alice@example.org" and first.sender.display_names == [
        "Alice Example"
    ]
    assert [a.handle for a in first.recipients.all()] == ["bob@example.net"]
    assert reply.sender == first.recipients.get()
    batch = ImportBatch.objects.get()
    assert batch.sha256 == result.sha256 and len(batch.sha256) == 64
    assert batch.file_name == "mail.mbox" and batch.file_size == path.stat().st_size
    assert batch.format == "mbox" and batch.importer_version and batch.imported_by_name
    assert batch.report["created"] == 2


def test_the_same_file_again_creates_nothing_and_says_so(tmp_path):
    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    import_path(path)
    again = import_path(path)
    assert again.already_imported and not again.wrote
    assert Message.objects.count() == 2 and ImportBatch.objects.count() == 1
    out = json.loads(_command(path, "--json"))
    assert out["report"]["already_imported"] and out["batch"] is None


def test_an_overlapping_file_adds_only_the_new_messages(tmp_path):
    first, reply = samples.sample_emails()
    import_path(samples.write_mbox(tmp_path / "one.mbox", [first]))
    later = samples.email_bytes(
        "c1@example.org",
        "alice@example.org",
        "bob@example.net",
        "Re: Lunch on Friday",
        datetime(2016, 10, 4, 12, 0, tzinfo=samples.NY),
        "Great.\n",
        in_reply_to="b1@example.net",
        references=["a1@example.org", "b1@example.net"],
    )
    result = import_path(samples.write_mbox(tmp_path / "two.mbox", [first, reply, later]))
    assert (result.report["created"], result.report["matched"]) == (2, 1)
    assert Message.objects.count() == 3 and Thread.objects.count() == 1
    thread = Thread.objects.get()
    assert list(thread.messages.order_by("position").values_list("original_id", flat=True)) == [
        "a1@example.org",
        "b1@example.net",
        "c1@example.org",
    ]
    assert (
        Message.objects.get(original_id="c1@example.org").in_reply_to.original_id
        == "b1@example.net"
    )


def test_an_eml_folder_and_an_mbox_of_the_same_mail_are_one_set_of_messages(tmp_path):
    folder = tmp_path / "eml"
    folder.mkdir()
    for number, raw in enumerate(samples.sample_emails()):
        (folder / f"{number}.eml").write_bytes(raw)
    result = import_path(folder)
    assert result.format == "eml" and result.report["created"] == 2
    again = import_path(samples.write_mbox(tmp_path / "m.mbox", samples.sample_emails()))
    assert again.report["matched"] == 2 and again.report["created"] == 0


RAW_ENCODED = (
    b"From: =?utf-8?q?Ren=C3=A9e_Exemple?= <renee@example.fr>\r\n"
    b"To: bob@example.net\r\n"
    b"Subject: =?iso-8859-1?q?Caf=E9_cr=E8me?=\r\n"
    b"Date: Mon, 03 Oct 2016 18:35:00 +0200\r\n"
    b"Message-ID: <enc@example.fr>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Un caf=E9 cr=E8me, s'il vous pla=EEt.\r\n"
    b"--XX\r\n"
    b'Content-Type: application/pdf; name="notes.pdf"\r\n'
    b'Content-Disposition: attachment; filename="notes.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    b"JVBERi0xLjQKJcOkw7zDtsOfCg==\r\n"
    b"--XX--\r\n"
)


def test_email_encodings_charsets_and_attachments(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = samples.write_mbox(tmp_path / "enc.mbox", [RAW_ENCODED])
    # The attachment's file is moved into place when the import's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        result = import_path(path)
    message = Message.objects.get()
    assert message.text == "Un café crème, s'il vous plaît."
    assert message.thread.title == "Café crème"
    assert message.sender.display_names == ["Renée Exemple"]
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type) == ("notes.pdf", "application/pdf")
    content = b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n"
    assert attachment.size == len(content)
    import hashlib

    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.file.read() == content
    assert result.report["attachments"] == 1


def test_a_wrong_charset_falls_back_and_never_crashes(tmp_path):
    raw = (
        b"From: x@example.org\r\nTo: y@example.org\r\nSubject: s\r\n"
        b"Date: Mon, 03 Oct 2016 18:35:00 +0000\r\nMessage-ID: <cs@example.org>\r\n"
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n"
        b"na\xefve bytes\r\n"
    )
    import_path(samples.write_mbox(tmp_path / "cs.mbox", [raw]))
    assert Message.objects.get().text == "na\xefve bytes"


def test_an_html_only_email_is_kept_as_text_never_as_html(tmp_path, client, django_user_model):
    raw = samples.email_bytes(
        "h1@example.org",
        "x@example.org",
        "y@example.org",
        "Newsletter",
        datetime(2016, 10, 3, tzinfo=UTC),
        None,
        html="<p>Hello <b>there</b> &amp; welcome</p><script>alert('pwned')</script>",
    )
    import_path(samples.write_mbox(tmp_path / "h.mbox", [raw]), publish=True)
    message = Message.objects.get()
    assert message.text == "Hello there & welcome"
    assert "<script>" in message.original["text_part"]
    body = client.get(message.get_absolute_url()).content.decode()
    assert "alert('pwned')" not in body and "<script>alert" not in body


def test_a_subject_without_reply_headers_is_grouped_and_marked_inferred(tmp_path):
    first = samples.email_bytes(
        "i1@example.org",
        "a@example.org",
        "b@example.org",
        "Plans",
        datetime(2016, 10, 3, tzinfo=UTC),
        "one\n",
    )
    second = samples.email_bytes(
        "i2@example.org",
        "b@example.org",
        "a@example.org",
        "RE: Plans",
        datetime(2016, 10, 4, tzinfo=UTC),
        "two\n",
    )
    import_path(samples.write_mbox(tmp_path / "i.mbox", [first, second]))
    thread = Thread.objects.get()
    assert thread.messages.count() == 2 and "subject and participants" in thread.description


def test_twitter_archive_folder_and_zip(tmp_path):
    folder = samples.twitter_archive(tmp_path / "archive")
    result = import_path(folder)
    assert result.format == "twitter" and result.report["created"] == 4
    messages = by_original()
    sent, answer = messages["dm:9001"], messages["dm:9002"]
    assert sent.position < answer.position and sent.thread == answer.thread
    assert (
        sent.sent_at == datetime(2016, 10, 3, 22, 35, tzinfo=UTC) and sent.sent_at_timezone == "UTC"
    )
    assert sent.sender.handle == "@alice_x" and answer.sender.handle == "user 200"
    assert sent.channel == "direct_message" and sent.original["messageCreate"]["id"] == "9001"
    assert messages["tweet:5002"].in_reply_to == messages["tweet:5001"]
    assert messages["tweet:5001"].channel == "public_tweet"
    zipped = samples.twitter_archive(tmp_path / "again", zip_path=tmp_path / "archive.zip")
    again = import_path(zipped)
    assert (
        again.format == "twitter" and again.report["matched"] == 4 and again.report["created"] == 0
    )


def test_telegram_export(tmp_path):
    result = import_path(samples.telegram_export(tmp_path / "result.json"))
    assert result.format == "telegram"
    assert (result.report["created"], result.report["skipped"]) == (2, 1)
    messages = by_original()
    question, answer = messages["4242:2"], messages["4242:3"]
    assert answer.text == "Yes, twice." and answer.in_reply_to == question
    assert question.sent_at == datetime(2016, 10, 3, 20, 1, tzinfo=UTC)
    assert question.sender.display_names == ["Carol Test"] and question.channel == "chat"
    assert [a.display_names for a in question.recipients.all()] == [["Dan Demo"]]


def test_whatsapp_keeps_local_times_without_a_zone(tmp_path):
    path = tmp_path / "Erin and Frank" / "_chat.txt"
    path.parent.mkdir()
    path.write_text(samples.WHATSAPP)
    result = import_path(path)
    assert result.format == "whatsapp"
    assert (result.report["created"], result.report["skipped"]) == (3, 1)
    messages = by_original()
    two_lines = messages["line 2"]
    assert two_lines.text == "Morning. Two lines\nthis time."
    # 13/10 shows the file is day/month: 3 October, not 10 March.
    assert two_lines.date_earliest == date(2016, 10, 3)
    assert two_lines.sent_at_timezone == "" and two_lines.sent_at == datetime(
        2016, 10, 3, 18, 36, 2, tzinfo=UTC
    )
    assert "no time zone" in two_lines.time_note
    assert two_lines.original == {
        "line": 2,
        "text": "[03/10/2016, 18:36:02] Frank Filler: Morning. Two lines\nthis time.",
    }
    assert two_lines.thread.title == "WhatsApp chat: Erin and Frank"


def test_csv_rows_spans_sources_and_replies(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(samples.CSV)
    result = import_path(path)
    assert result.report["created"] == 2
    messages = by_original()
    assert messages["r1"].sent_at_timezone == "-04:00"
    span = messages["r2"]
    assert (span.date_earliest, span.date_latest, span.sent_at) == (
        date(2016, 10, 4),
        date(2016, 10, 5),
        None,
    )
    assert span.text_status == "summary" and span.in_reply_to == messages["r1"]
    assert span.sources.get().url == "https://example.org/t"


def test_csv_errors_name_the_row_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        samples.CSV + "r3,lunch,not-a-time,,,@gina,@hal,x,verbatim,,\n"
        "r4,lunch,,,,@gina,,,verbatim,,\n"
    )
    result = import_path(path)
    assert result.refused and not result.wrote and nothing_written()
    failed = result.report["examples"]["failed"]
    assert [f["location"] for f in failed] == ["row 4", "row 5"]
    assert "sent_at" in failed[0]["reason"] and "text is empty" in failed[1]["reason"]
    with pytest.raises(CommandError, match="could not be read"):
        _command(path)
    assert nothing_written()
    skipped = import_path(path, skip_invalid=True)
    assert skipped.wrote and Message.objects.count() == 2


def test_csv_without_a_header_row_is_refused(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("r1,lunch,2016-10-03,@gina,@hal,hello\n")
    with pytest.raises(FileRefused, match="first row must name its columns"):
        import_path(path)


def test_dry_run_reports_and_writes_nothing(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = samples.write_mbox(tmp_path / "mail.mbox", [*samples.sample_emails(), RAW_ENCODED])
    output = _command(path, "--dry-run")
    assert "Dry run: would create 3 message(s)" in output and "Nothing was written" in output
    assert nothing_written() and not Account.objects.exists() and not Attachment.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.pdf"))


def test_publish_and_a_named_thread(tmp_path):
    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    output = _command(path, "--publish", "--thread", "lunch-mail")
    assert "published" in output
    assert Message.objects.filter(is_published=True, thread__external_id="lunch-mail").count() == 2


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.mbox", b"", "empty"),
        ("notmbox.mbox", b"Hello\nthis is not mail\n", "not an mbox"),
        ("broken.json", b'{"name": "x", "messages": [', "not readable JSON"),
        ("latin1.txt", "[03/10/2016, 18:35:10] Ã©: caf\xe9".encode("latin-1"), "not UTF-8"),
        ("junk.bin", b"\x00\x01\x02", "could not be told"),
    ],
)
def test_malformed_files_are_refused_with_nothing_written(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _command(path)
    assert nothing_written()


def test_a_truncated_mbox_names_the_message_and_writes_nothing(tmp_path):
    cut = RAW_ENCODED[: RAW_ENCODED.index(b"--XX--")]
    path = samples.write_mbox(tmp_path / "cut.mbox", [*samples.sample_emails(), cut])
    result = import_path(path)
    assert result.refused and nothing_written()
    [failed] = result.report["examples"]["failed"]
    assert (
        failed["location"].startswith("message 3 (byte offset") and "truncated" in failed["reason"]
    )


def bytes_read_by_this_process():
    """What this process has read so far, by any means (Linux counts it in /proc/self/io)."""
    with open("/proc/self/io") as io:
        return int(next(line for line in io if line.startswith("rchar:")).split()[1])


def sparse_file(path, size):
    with open(path, "wb") as stream:
        stream.truncate(size)  # sparse: no disk used, but every byte is there to read
    return path


counts_bytes_read = pytest.mark.skipif(
    not Path("/proc/self/io").exists(), reason="bytes read are counted in Linux's /proc/self/io"
)


@counts_bytes_read
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = sparse_file(tmp_path / "huge.mbox", 2 * 1024**3)
    before = bytes_read_by_this_process()
    with pytest.raises(CommandError, match="is 2.0 GiB, over the import limit of 1.0 GiB"):
        _command(path)
    # Hashing it first (as imports once did) reads all 2 GiB.
    assert bytes_read_by_this_process() - before < 16 * 1024**2
    assert nothing_written()


@counts_bytes_read
def test_a_folder_over_the_size_limit_is_refused_before_its_files_are_read(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    for name in ("a.eml", "b.eml"):
        sparse_file(folder / name, 600 * 1024**2)
    before = bytes_read_by_this_process()
    with pytest.raises(CommandError, match="mail is 1.2 GiB, over the import limit of 1.0 GiB"):
        _command(folder)
    assert bytes_read_by_this_process() - before < 16 * 1024**2
    assert nothing_written()


def test_the_size_limit_is_named_in_the_unit_it_is_set_in(tmp_path, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024**2
    path = sparse_file(tmp_path / "big.mbox", 3 * 1024**2)
    with pytest.raises(FileRefused, match="is 3.0 MiB, over the import limit of 1.0 MiB"):
        import_path(path)
    assert nothing_written()


def test_a_zip_with_a_path_outside_it_is_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/direct-messages.js", "window.YTD.direct_messages.part0 = []")
        archive.writestr("../../etc/evil.txt", "x")
    with pytest.raises(CommandError, match="unsafe path"):
        _command(path)
    assert nothing_written() and not (tmp_path.parent.parent / "etc" / "evil.txt").exists()


def _command(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_messages", str(path), *args, stdout=out)
    return out.getvalue()


def test_search_finds_imported_messages_once_published(tmp_path):
    """The full-text index (FTS5 triggers, PostgreSQL's generated tsvector) follows bulk
    imports like any other write; unpublished imports stay out of readers' results."""
    from tests.archive.test_search import found

    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    result = import_path(path)
    assert found("messages", "lunch") == []
    ImportBatch.objects.get(pk=result.batch.pk).messages.update(is_published=True)
    first = Message.objects.get(original_id="a1@example.org")
    reply = Message.objects.get(original_id="b1@example.net")
    # "Lunch" is in the first one's words and in both subjects.
    assert sorted(found("messages", "lunch")) == sorted([first.external_id, reply.external_id])
    assert found("messages", "noon") == [
        Message.objects.get(original_id="b1@example.net").external_id
    ]


def test_concurrent_import_of_the_same_file_keeps_one_batch(tmp_path, monkeypatch):
    """A second import that passed the "already imported?" check before the first committed
    meets the unique SHA-256 and reports the first batch instead of failing."""
    path = samples.write_mbox(tmp_path / "mail.mbox", samples.sample_emails())
    first = import_path(path)
    real_filter = ImportBatch.objects.filter

    def not_seen_yet(*args, **kwargs):
        monkeypatch.setattr(ImportBatch.objects, "filter", real_filter)
        return ImportBatch.objects.none()

    monkeypatch.setattr(ImportBatch.objects, "filter", not_seen_yet)
    second = import_path(path)
    assert second.already_imported == first.batch and not second.wrote
    assert ImportBatch.objects.count() == 1 and Message.objects.count() == 2


@pytest.mark.parametrize(
    "lines, first_day, first_clock",
    [
        # Android, day first (13/10 tells), 24-hour clock.
        (
            "03/10/2016, 18:35 - Erin Placeholder: Morning!\n"
            "13/10/2016, 09:01 - Frank Filler: Later one.\n",
            date(2016, 10, 3),
            (18, 35),
        ),
        # US phones: month first (10/13 tells), two-digit years, 12-hour clock.
        (
            "10/3/16, 6:35 PM - Erin Placeholder: Morning!\n"
            "10/13/16, 9:01 AM - Frank Filler: Later one.\n",
            date(2016, 10, 3),
            (18, 35),
        ),
    ],
)
def test_whatsapp_android_and_us_formats(tmp_path, lines, first_day, first_clock):
    path = tmp_path / "_chat.txt"
    path.write_text(lines)
    result = import_path(path)
    assert result.report["created"] == 2
    first = Message.objects.get(original_id="line 1")
    assert first.date_earliest == first_day
    assert (first.sent_at.hour, first.sent_at.minute) == first_clock
    assert "read as day/month" not in first.time_note


def test_twitter_group_conversations_name_every_other_member(tmp_path):
    folder = samples.twitter_archive(tmp_path / "archive")
    group = [
        {
            "dmConversation": {
                "conversationId": "g1",
                "name": "Planning",
                "messages": [
                    {"joinConversation": {"initiatingUserId": "100"}},
                    {
                        "messageCreate": {
                            "id": "7001",
                            "senderId": "300",
                            "text": "Hello all",
                            "createdAt": "2016-10-04T10:00:00.000Z",
                        }
                    },
                    {
                        "messageCreate": {
                            "id": "7002",
                            "senderId": "100",
                            "text": "Hi",
                            "createdAt": "2016-10-04T10:01:00.000Z",
                        }
                    },
                ],
            }
        }
    ]
    (folder / "data" / "direct-messages-group.js").write_text(
        "window.YTD.direct_messages_group.part0 = " + json.dumps(group)
    )
    result = import_path(folder)
    assert result.report["skipped"] == 1  # the join event
    hello = Message.objects.get(original_id="dm:7001")
    assert hello.thread.title == "Planning"
    assert [a.handle for a in hello.recipients.all()] == ["@alice_x"]


def test_a_single_eml_file(tmp_path):
    path = tmp_path / "one.eml"
    path.write_bytes(samples.sample_emails()[0])
    result = import_path(path)
    assert result.format == "eml" and result.report["created"] == 1
    assert Message.objects.get().original_id == "a1@example.org"


def test_nul_characters_anywhere_in_a_mail_are_stored_as_replacement_characters(tmp_path):
    """No database keeps a NUL in text (PostgreSQL refuses one, in JSON too): a header, a
    subject, a display name or a body with one imports, the NUL shown as U+FFFD."""
    raw = (
        b"From: Ann\x00 Example <ann@example.org>\nTo: ben@example.net\n"
        b"Subject: Nul\x00here\nX-Odd: a\x00b\nMessage-ID: <nul-1@example.org>\n"
        b"Date: Mon, 03 Oct 2016 18:35:00 -0400\n\nBody with a \x00 in it.\n"
    )
    path = tmp_path / "nul.eml"
    path.write_bytes(raw)
    result = import_path(path)
    assert result.report["created"] == 1
    message = Message.objects.get()
    assert message.subject == "Nul\ufffdhere" and "\ufffd" in message.text
    assert "\x00" not in message.original["headers"]
