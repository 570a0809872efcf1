"""A curator imports a mailbox in the admin: upload, read the dry run (the background worker,
`manage.py db_worker`, runs it; the status page reloads itself), confirm, publish the batch; a
reader then sees the messages with their provenance, and an HTML e-mail's script
never runs on any page."""

import pytest
from django.contrib.auth import get_user_model

from archive.models import ImportBatch, Message
from tests.archive.test_import_worker import run_worker
from tests.support import import_samples as samples
from tests.support.accounts import sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_dry_run_confirm_publish_and_read(page, browser, live_server, tmp_path, settings):
    settings.IMPORT_PENDING_DIR = str(tmp_path / "pending")
    get_user_model().objects.create_superuser("curator", password="curator-secret-pw-1")
    hostile = samples.email_bytes(
        "x1@example.org",
        "Mallory <mallory@example.org>",
        "alice@example.org",
        "Click me",
        samples.datetime(2016, 10, 5, 9, 0, tzinfo=samples.BERLIN),
        None,
        html='<p>Hi <img src=x onerror="window.__pwned=1">there</p>'
        "<script>window.__pwned=1</script>",
    )
    mbox = samples.write_mbox(tmp_path / "leak.mbox", [*samples.sample_emails(), hostile])

    sign_in_browser(
        page,
        "curator",
        "curator-secret-pw-1",
        "/admin/archive/importbatch/",
        login_url="/admin/login/",
    )
    page.get_by_role("link", name="Import a file").click()
    page.get_by_text("Uploads are limited to 25 MB").wait_for()
    page.get_by_label("File").set_input_files(str(mbox))
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.get_by_text("queued").first.wait_for()
    run_worker()
    page.get_by_text("Would be created").wait_for()  # the page reloaded itself
    assert not Message.objects.exists()  # a dry run writes nothing
    page.get_by_role("button", name="Import 3 messages").click()
    run_worker()
    page.get_by_text("Imported 3 messages from leak.mbox").wait_for()
    batch = ImportBatch.objects.get()
    assert not Message.objects.filter(is_published=True).exists()

    page.goto("/admin/archive/importbatch/")
    page.locator(f'input[name="_selected_action"][value="{batch.pk}"]').check()
    page.locator('select[name="action"]').select_option("publish_batches")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("Published 3 message(s).").wait_for()

    reader = browser.new_context(base_url=live_server.url).new_page()
    errors = []
    reader.on("pageerror", lambda exc: errors.append(str(exc)))
    message = Message.objects.get(original_id="x1@example.org")
    for url in [
        message.get_absolute_url(),
        message.thread.get_absolute_url(),
        "/timeline/",
        "/messages/",
        "/search/?q=there",
    ]:
        reader.goto(url)
        assert reader.evaluate("window.__pwned") is None, url
    reader.goto(message.get_absolute_url())
    provenance = reader.locator("#provenance-heading").locator("xpath=..").inner_text()
    assert "Imported from leak.mbox" in provenance and batch.sha256 in provenance
    assert "Hi there" in reader.locator("#message-text").inner_text()
    assert not errors
