"""The admin side of imports: upload → dry run → confirm, batches, attachments, merging accounts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from archive.importing.importer import _Writer, import_path
from archive.importing.tasks import run_upload
from archive.models import Account, ImportBatch, ImportUpload, Message
from tests.archive.test_import_messages import RAW_ENCODED
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db
UPLOAD = "/admin/archive/importbatch/import/"


def mbox_upload(messages=None, name="mail.mbox"):
    from io import BytesIO

    content = BytesIO()
    for raw in messages or samples.sample_emails():
        content.write(
            b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + raw.replace(b"\r\n", b"\n") + b"\n"
        )
    return SimpleUploadedFile(name, content.getvalue(), content_type="application/mbox")


@pytest.fixture
def immediate_tasks(settings):
    """The admin flow, with each background step run at once inside the request."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def upload(admin_client, file, **fields):
    """Upload a file; return its status page (the dry run's outcome, run at once)."""
    response = admin_client.post(UPLOAD, {"file": file, "format": "", **fields})
    assert response.status_code == 302, response.content.decode()[:500]
    return admin_client.get(response["Location"])


def test_upload_shows_a_dry_run_then_confirm_imports(
    admin_client, settings, tmp_path, immediate_tasks
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    page = admin_client.get(UPLOAD).content.decode()
    assert "limited to 25 MB" in page and "CSV template" in page
    response = upload(admin_client, mbox_upload())
    body = response.content.decode()
    assert response.status_code == 200 and "Would be created" in body
    assert "Dry run: done" in body and 'http-equiv="refresh"' not in body
    assert not Message.objects.exists() and not ImportBatch.objects.exists()
    status_url = response.wsgi_request.path
    token = response.context["upload"].token
    done = admin_client.post(status_url, {"confirm": "1"}, follow=True)
    assert "Imported 2 messages from mail.mbox" in done.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.imported_by.username == "admin" and batch.messages.count() == 2
    assert not (tmp_path / "pending" / token).exists()
    # The same confirmation again finds nothing waiting and imports nothing.
    again = admin_client.post(status_url, {"confirm": "1"}, follow=True)
    assert "no longer waiting" in again.content.decode() and Message.objects.count() == 2


def test_upload_of_a_file_imported_before_says_so(
    admin_client, tmp_path, settings, immediate_tasks
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    first = upload(admin_client, mbox_upload())
    admin_client.post(first.wsgi_request.path, {"confirm": "1"})
    response = upload(admin_client, mbox_upload())
    assert "already imported" in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()


def test_an_empty_upload_rerenders_the_form_with_a_message(admin_client, tmp_path, settings):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("x.mbox", b"")})
    assert response.status_code == 200 and "empty" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_mail_fails_with_the_reason_and_imports_nothing(
    admin_client, tmp_path, settings, immediate_tasks
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = upload(admin_client, SimpleUploadedFile("x.mbox", b"not mail at all"))
    body = response.content.decode()
    assert "not an mbox" in body and "Nothing was imported" in body
    assert response.context["upload"].status == ImportUpload.Status.FAILED
    assert not ImportBatch.objects.exists() and not any((tmp_path / "pending").iterdir())


def test_an_upload_over_the_limit_points_to_the_command(admin_client, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    assert "manage.py import_messages" in response.content.decode()


def test_a_file_with_unreadable_messages_cannot_be_confirmed(
    admin_client, settings, tmp_path, immediate_tasks
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    cut = RAW_ENCODED[: RAW_ENCODED.index(b"--XX--")]
    response = upload(admin_client, mbox_upload([*samples.sample_emails(), cut]))
    body = response.content.decode()
    assert "message 3" in body and "truncated" in body and 'name="confirm"' not in body
    refused = admin_client.post(response.wsgi_request.path, {"confirm": "1"}, follow=True)
    assert "no longer waiting" in refused.content.decode() and not Message.objects.exists()


def test_a_queued_upload_says_so_and_reloads_itself(admin_client, settings, tmp_path):
    # The database backend and no worker: the dry run waits in the queue.
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": mbox_upload()}, follow=True)
    body = response.content.decode()
    assert "Dry run: queued" in body and '<meta http-equiv="refresh" content="3">' in body
    assert "manage.py db_worker" in body and 'name="confirm"' not in body
    upload = response.context["upload"]
    assert DBTaskResult.objects.get(id=upload.task_id).status == "READY"
    assert (tmp_path / "pending" / upload.token / "mail.mbox").is_file()


def test_another_curator_gets_404_on_an_upload(admin_client, client, users, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    other = get_user_model().objects.create_superuser("other-curator", password="pw")
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 404
    # The uploads list, too, is each curator's own.
    assert "mail.mbox" in admin_client.get("/admin/archive/importupload/").content.decode()
    assert "mail.mbox" not in client.get("/admin/archive/importupload/").content.decode()


def test_the_import_task_run_twice_imports_once(admin_client, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    upload = ImportUpload.objects.get()
    assert run_upload.call(upload.pk)["ran"] is True  # the dry run
    admin_client.post(response["Location"], {"confirm": "1"})
    assert run_upload.call(upload.pk)["status"] == ImportUpload.Status.DONE
    assert run_upload.call(upload.pk) == {"upload": upload.pk, "ran": False}
    assert Message.objects.count() == 2 and ImportBatch.objects.count() == 1


def test_an_error_mid_import_is_shown_and_nothing_is_imported(
    admin_client, settings, tmp_path, monkeypatch, immediate_tasks
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    first = upload(admin_client, mbox_upload())

    def broken(self, links):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_Writer, "_link_replies", broken)
    done = admin_client.post(first.wsgi_request.path, {"confirm": "1"}, follow=True)
    body = done.content.decode()
    assert "The import stopped with an error" in body and "disk full" in body
    assert not Message.objects.exists() and not ImportBatch.objects.exists()


def test_the_csv_template_downloads_and_imports(admin_client, tmp_path):
    response = admin_client.get("/admin/archive/importbatch/import/template.csv")
    assert response["Content-Disposition"].startswith("attachment")
    path = tmp_path / "template.csv"
    path.write_bytes(response.content)
    assert import_path(path).report["created"] == 2


def test_batches_list_counts_and_publish_a_batch(admin_client, tmp_path):
    result = import_path(samples.write_mbox(tmp_path / "m.mbox", samples.sample_emails()))
    page = admin_client.get("/admin/archive/importbatch/").content.decode()
    assert "m.mbox" in page
    admin_client.post(
        "/admin/archive/importbatch/",
        {
            "action": "publish_batches",
            "_selected_action": [result.batch.pk],
        },
    )
    assert Message.objects.filter(is_published=True).count() == 2
    detail = admin_client.get(
        f"/admin/archive/importbatch/{result.batch.pk}/change/"
    ).content.decode()
    assert result.sha256 in detail
    # Read-only: a POST to change it is refused, and a batch cannot be deleted.
    assert (
        admin_client.post(f"/admin/archive/importbatch/{result.batch.pk}/change/", {}).status_code
        == 403
    )
    assert (
        admin_client.get(f"/admin/archive/importbatch/{result.batch.pk}/delete/").status_code == 403
    )


def test_message_page_says_where_an_imported_message_came_from(
    client, admin_client, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    result = import_path(samples.write_mbox(tmp_path / "enc.mbox", [RAW_ENCODED]), publish=True)
    message = Message.objects.get()
    page = client.get(message.get_absolute_url()).content.decode()
    assert "Imported from <strong>enc.mbox</strong>" in page and result.sha256 in page
    assert "notes.pdf" in page and "download (curators)" not in page
    curator_page = admin_client.get(message.get_absolute_url()).content.decode()
    assert "download (curators)" in curator_page
    admin_page = admin_client.get(f"/admin/archive/message/{message.pk}/change/").content.decode()
    assert (
        "Provenance (read-only)" in admin_page
        and "Message-ID: &lt;enc@example.fr&gt;" in admin_page
    )


def test_attachments_download_only_for_curators_and_never_inline(
    client, admin_client, users, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        import_path(samples.write_mbox(tmp_path / "enc.mbox", [RAW_ENCODED]))
    attachment = Message.objects.get().attachments.get()
    url = reverse("admin:archive_attachment_download", args=[attachment.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(url).status_code in (302, 403)
    client.force_login(users["author"])
    assert client.get(url).status_code in (302, 403)


def test_merge_accounts_with_a_preview_and_undo(admin_client, tmp_path):
    import_path(samples.write_mbox(tmp_path / "m.mbox", samples.sample_emails()))
    alice, bob = Account.objects.order_by("handle")
    changelist = "/admin/archive/account/"
    preview = admin_client.post(
        changelist, {"action": "merge_accounts", "_selected_action": [alice.pk, bob.pk]}
    )
    assert "Merge accounts into one person" in preview.content.decode()
    assert Account.objects.get(pk=bob.pk).person_id != alice.person_id  # nothing yet
    admin_client.post(
        changelist,
        {
            "action": "merge_accounts",
            "_selected_action": [alice.pk, bob.pk],
            "target": alice.person_id,
        },
    )
    bob.refresh_from_db()
    assert bob.person_id == alice.person_id and bob.merged_from_id
    admin_client.post(changelist, {"action": "undo_merge", "_selected_action": [bob.pk]})
    bob.refresh_from_db()
    assert bob.person_id != alice.person_id and bob.merged_from is None


def test_unconfirmed_uploads_are_removed_after_a_day(
    admin_client, settings, tmp_path, immediate_tasks
):
    import os
    import time

    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = upload(admin_client, mbox_upload())
    folder = tmp_path / "pending" / response.context["upload"].token
    assert folder.is_dir()
    day_old = time.time() - 25 * 3600
    os.utime(folder, (day_old, day_old))
    admin_client.get(UPLOAD)
    assert not folder.exists()
    page = admin_client.get(response.wsgi_request.path).content.decode()
    assert "no longer waiting" in page and 'name="confirm"' not in page
    confirm = admin_client.post(response.wsgi_request.path, {"confirm": "1"}, follow=True)
    assert "no longer waiting" in confirm.content.decode() and not Message.objects.exists()
