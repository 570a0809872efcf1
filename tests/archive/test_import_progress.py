"""A long import shows how far it has read: the importer reports after each chunk, the worker
writes it beside the upload (the import's transaction holds the database), and the upload's
status page draws a progress bar, determinate when the format can count its messages."""

from datetime import UTC, datetime, timedelta

import pytest

from archive.importing import tasks
from archive.importing.importer import CHUNK, import_path
from archive.models import ImportUpload
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


def big_mbox(path, count):
    raws = [
        samples.email_bytes(f"p{n}@example.org", "ann@example.org", "ben@example.net",
                            f"Mail {n}", datetime(2016, 1, 1, tzinfo=UTC) + timedelta(hours=n),
                            f"Body {n}.\n")
        for n in range(count)
    ]  # fmt: skip
    return samples.write_mbox(path, raws)


def test_the_importer_reports_after_each_chunk_with_the_total(tmp_path):
    seen = []
    path = big_mbox(tmp_path / "big.mbox", 2 * CHUNK + 7)
    import_path(path, dry_run=True, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(CHUNK, 2 * CHUNK + 7), (2 * CHUNK, 2 * CHUNK + 7)]


def test_a_format_that_cannot_count_reports_without_a_total(tmp_path):
    seen = []
    path = tmp_path / "chat.txt"
    path.write_text(
        "".join(f"[03/10/2016, 18:{n // 60:02d}:{n % 60:02d}] Erin: line {n}\n" for n in range(600))
    )
    import_path(path, dry_run=True, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(CHUNK, None)]


BAR = '<progress id="import-progress" value="500" max="2000">25%</progress>'


@pytest.mark.parametrize(
    "done, total, shown",
    [
        (500, 2000, ["500 of 2000 messages read (25%)", BAR]),
        (1500, None, ["1500 messages read so far", '<progress id="import-progress">']),
    ],
)
def test_the_status_page_draws_the_bar(admin_client, settings, tmp_path, done, total, shown):
    from django.contrib.auth import get_user_model

    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    upload = ImportUpload.objects.create(
        token="t" * 32,
        file_name="big.mbox",
        uploaded_by=get_user_model().objects.get(username="admin"),
        status=ImportUpload.Status.RUNNING,
    )
    folder = tasks.pending_root() / upload.token
    folder.mkdir(parents=True)
    tasks.write_progress(folder, done, total)
    page = admin_client.get(f"/admin/archive/importbatch/import/{upload.pk}/").content.decode()
    assert all(part in page for part in shown), page


def test_a_garbled_progress_file_is_no_bar_not_an_error(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    upload = ImportUpload(token="g" * 32, file_name="x.mbox")
    folder = tasks.pending_root() / upload.token
    folder.mkdir(parents=True)
    (folder / tasks.PROGRESS_FILE).write_text('{"done": "lots"}')
    assert tasks.read_progress(upload) is None
