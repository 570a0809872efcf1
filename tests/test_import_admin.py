"""The admin side of imports: upload → dry run → confirm, batches, attachments, merging accounts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.importing.importer import import_path
from archive.models import Account, ImportBatch, Message
from tests import import_samples as samples
from tests.test_import_messages import RAW_ENCODED

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


def test_upload_shows_a_dry_run_then_confirm_imports(admin_client, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    page = admin_client.get(UPLOAD).content.decode()
    assert "limited to 25 MB" in page and "CSV template" in page
    response = admin_client.post(UPLOAD, {"file": mbox_upload(), "format": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "Would be created" in body
    assert not Message.objects.exists() and not ImportBatch.objects.exists()
    token = response.context["token"]
    done = admin_client.post(UPLOAD, {"confirm": "1", "token": token}, follow=True)
    assert "Imported 2 message(s) from mail.mbox" in done.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.imported_by.username == "admin" and batch.messages.count() == 2
    assert not (tmp_path / "pending" / token).exists()
    # The same confirmation again finds nothing waiting and imports nothing.
    again = admin_client.post(UPLOAD, {"confirm": "1", "token": token}, follow=True)
    assert "no longer waiting" in again.content.decode() and Message.objects.count() == 2


def test_upload_of_a_file_imported_before_says_so(admin_client, tmp_path, settings):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    admin_client.post(
        UPLOAD,
        {
            "confirm": "1",
            "token": admin_client.post(UPLOAD, {"file": mbox_upload()}).context["token"],
        },
    )
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    assert "already imported" in response.content.decode()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"not mail at all", "not an mbox"),
    ],
)
def test_upload_errors_rerender_the_form_with_a_message(
    admin_client, content, message, tmp_path, settings
):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": SimpleUploadedFile("x.mbox", content)})
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_over_the_limit_points_to_the_command(admin_client, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    assert "manage.py import_messages" in response.content.decode()


def test_a_file_with_unreadable_messages_cannot_be_confirmed(admin_client, settings, tmp_path):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    cut = RAW_ENCODED[: RAW_ENCODED.index(b"--XX--")]
    response = admin_client.post(UPLOAD, {"file": mbox_upload([*samples.sample_emails(), cut])})
    body = response.content.decode()
    assert "message 3" in body and "truncated" in body and 'name="confirm"' not in body


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


def test_unconfirmed_uploads_are_removed_after_a_day(admin_client, settings, tmp_path):
    import os
    import time

    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    response = admin_client.post(UPLOAD, {"file": mbox_upload()})
    folder = tmp_path / "pending" / response.context["token"]
    assert folder.is_dir()
    day_old = time.time() - 25 * 3600
    os.utime(folder, (day_old, day_old))
    admin_client.get(UPLOAD)
    assert not folder.exists()
    confirm = admin_client.post(
        UPLOAD, {"confirm": "1", "token": response.context["token"]}, follow=True
    )
    assert "no longer waiting" in confirm.content.decode() and not Message.objects.exists()
