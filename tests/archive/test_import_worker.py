"""The admin's imports run by the real background worker: django-tasks' database backend and
`manage.py db_worker`, with real commits (as in production)."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from archive.models import Attachment, ImportBatch, ImportUpload, Message
from tests.archive.test_import_admin import UPLOAD, mbox_upload
from tests.archive.test_import_messages import RAW_ENCODED
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker():
    """`manage.py db_worker` until the queue is empty, as `make run` runs it (but then exits)."""
    call_command(
        "db_worker",
        batch=True,
        startup_delay=False,
        reload=False,
        interval=0,
        verbosity=0,
        stdout=StringIO(),
    )


@pytest.fixture
def folders(settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def test_the_worker_checks_then_imports_an_uploaded_mbox(admin_client, folders):
    status_url = admin_client.post(
        UPLOAD, {"file": mbox_upload([*samples.sample_emails(), RAW_ENCODED])}
    )["Location"]
    assert "Dry run: queued" in admin_client.get(status_url).content.decode()
    upload = ImportUpload.objects.get()
    assert (folders / "pending" / upload.token / "mail.mbox").is_file()

    run_worker()
    checked = admin_client.get(status_url).content.decode()
    assert "Dry run: done" in checked and 'name="confirm"' in checked
    assert "http-equiv" not in checked and not Message.objects.exists()

    admin_client.post(status_url, {"confirm": "1"})
    assert "Import: queued" in admin_client.get(status_url).content.decode()
    run_worker()
    done = admin_client.get(status_url).content.decode()
    assert "Import: done" in done and "Imported 3 messages from mail.mbox" in done
    batch = ImportBatch.objects.get()
    assert batch.messages.count() == 3 and f"batch {batch.pk}" in done
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    # The attachment's file is in place, and nothing is left in staging or pending.
    attachment = Attachment.objects.get()
    assert (folders / "media" / attachment.file.name).is_file()
    staged = folders / "media" / "attachments-staging"
    assert not staged.exists() or not any(staged.iterdir())
    assert not (folders / "pending" / upload.token).exists()
    # The same task run again (a second worker, a retry) imports nothing more.
    upload.refresh_from_db()
    DBTaskResult.objects.filter(id=upload.task_id).update(status="READY", finished_at=None)
    run_worker()
    assert Message.objects.count() == 3 and ImportBatch.objects.count() == 1


def test_the_worker_reports_a_bad_file_and_imports_nothing(admin_client, folders):
    status_url = admin_client.post(
        UPLOAD, {"file": SimpleUploadedFile("notes.mbox", b"Hello\nthis is not mail\n")}
    )["Location"]
    run_worker()
    page = admin_client.get(status_url).content.decode()
    assert "Dry run: failed" not in page  # the page says what failed, not a state name
    assert "not an mbox" in page and "Nothing was imported" in page
    assert ImportUpload.objects.get().status == ImportUpload.Status.FAILED
    assert not ImportBatch.objects.exists() and not Message.objects.exists()
    assert not any((folders / "pending").iterdir())
