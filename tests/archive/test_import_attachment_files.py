"""Imported attachments' files: staged while the import's transaction is open, moved into
place when it commits, and nothing left behind by an import that fails or is killed."""

import os
import time
from io import StringIO

import pytest
from django.core.management import call_command

from archive.importing.importer import _Writer, import_path
from archive.models import Attachment, ImportBatch, Message
from tests.archive.test_import_messages import RAW_ENCODED
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n"


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def with_attachment(n):
    return samples.email_bytes(
        f"att{n}@example.org",
        "Alice Example <alice@example.org>",
        "bob@example.net",
        f"Papers {n}",
        samples.datetime(2016, 10, 3, 18, n, tzinfo=samples.NY),
        "See attached.\n",
        attachments=[(f"paper-{n}.pdf", "application/pdf", PDF + str(n).encode())],
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def test_files_wait_in_staging_until_the_import_commits(
    media, tmp_path, django_capture_on_commit_callbacks
):
    path = samples.write_mbox(tmp_path / "enc.mbox", [RAW_ENCODED])
    with django_capture_on_commit_callbacks(execute=True):
        import_path(path)
        assert not (media / "attachments").exists()
        assert len(files_under(media / "attachments-staging")) == 1
    attachment = Attachment.objects.get()
    assert files_under(media) == [attachment.file.name]
    assert attachment.file.name.startswith("attachments/") and attachment.sha256 in (
        attachment.file.name
    )
    assert attachment.file.read() == PDF


def test_an_import_that_fails_mid_way_leaves_no_file_outside_staging(media, tmp_path, monkeypatch):
    path = samples.write_mbox(tmp_path / "m.mbox", [with_attachment(n) for n in range(1, 6)])
    on_disk_at_the_failure = []
    write = _Writer.write

    def write_then_fail(self, items):
        write(self, items)
        on_disk_at_the_failure.extend(files_under(media))
        raise RuntimeError("the import stops here, as a kill would stop it")

    monkeypatch.setattr(_Writer, "write", write_then_fail)
    with pytest.raises(RuntimeError):
        import_path(path)
    assert len(on_disk_at_the_failure) == 5
    assert all(name.startswith("attachments-staging/") for name in on_disk_at_the_failure)
    assert files_under(media) == []
    assert not ImportBatch.objects.exists() and not Attachment.objects.exists()


def test_a_file_with_a_bad_message_writes_no_attachment_file(media, tmp_path):
    cut = RAW_ENCODED[: RAW_ENCODED.index(b"--XX--")]
    path = samples.write_mbox(tmp_path / "m.mbox", [with_attachment(1), with_attachment(2), cut])
    result = import_path(path)  # without skip_invalid: refused, nothing written
    assert result.refused and not Message.objects.exists()
    assert files_under(media) == []


def test_clean_attachments_removes_what_a_killed_import_left(
    media, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_path(samples.write_mbox(tmp_path / "a.mbox", [with_attachment(1)]))
        import_path(samples.write_mbox(tmp_path / "b.mbox", [with_attachment(2)]))
    kept, cut_off = (a.file.name for a in Attachment.objects.order_by("pk"))
    # Killed before its commit: a staging folder no row names.
    stale = media / "attachments-staging" / "20260101T000000-dead" / "attachments/2026/01"
    stale.mkdir(parents=True)
    (stale / "0000-never-committed.pdf").write_bytes(b"half an import")
    # Killed between its commit and the move: a committed row's file is still in staging.
    moved_late = media / "attachments-staging" / "20260101T000000-late" / cut_off
    moved_late.parent.mkdir(parents=True)
    os.replace(media / cut_off, moved_late)
    # A file no row names (an import killed before staging existed).
    (media / "attachments/2026/01").mkdir(parents=True, exist_ok=True)
    (media / "attachments/2026/01/orphan.pdf").write_bytes(b"orphan")
    hours_ago = time.time() - 7 * 3600
    for file in (media / "attachments-staging").rglob("*"):
        os.utime(file, (hours_ago, hours_ago))
    # An import writing now: young, left alone.
    young = media / "attachments-staging" / "20260101T000000-busy" / "attachments/x.pdf"
    young.parent.mkdir(parents=True)
    young.write_bytes(b"in progress")

    out = StringIO()
    call_command("clean_attachments", stdout=out)
    assert out.getvalue().strip() == (
        "removed 2 staging folder(s) (1 file(s) moved into place first) and "
        "1 file(s) no attachment names"
    )
    assert files_under(media) == sorted(
        [kept, cut_off, "attachments-staging/20260101T000000-busy/attachments/x.pdf"]
    )
    assert sorted(os.listdir(media / "attachments-staging")) == ["20260101T000000-busy"]
    call_command("clean_attachments", "--older-than", "0", stdout=StringIO())
    assert files_under(media) == sorted([kept, cut_off])
    assert not os.listdir(media / "attachments-staging")
