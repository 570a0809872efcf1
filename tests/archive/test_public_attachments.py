"""Readers see the original evidence: an image or PDF attachment a curator marks public can be
downloaded from its published message's page (always as a download, its type checked against
its bytes, with its hash); nothing else, and nothing of an unpublished message."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from archive.importing.importer import import_path
from archive.models import Attachment, Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the original invoice"


@pytest.fixture
def attachments(tmp_path, django_capture_on_commit_callbacks):
    raw = samples.email_bytes(
        "att@example.org", "ann@example.org", "ben@example.net", "Files",
        datetime(2016, 10, 3, tzinfo=UTC), "Three files.\n",
        attachments=[
            ("invoice.pdf", "application/pdf", PDF),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
            ("fake.png", "image/png", b"<svg onload=alert(1)>"),
        ],
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        result = import_path(samples.write_mbox(tmp_path / "m.mbox", [raw]), publish=True)
    return {a.name: a for a in Attachment.objects.filter(message__import_batch=result.batch)}


def url(attachment):
    return f"/messages/{attachment.message.external_id}/attachments/{attachment.pk}/"


def test_a_public_pdf_is_a_download_with_its_hash(client, attachments):
    pdf = attachments["invoice.pdf"]
    assert client.get(url(pdf)).status_code == 404  # not public yet
    Attachment.objects.filter(pk=pdf.pk).update(is_public=True)
    response = client.get(url(pdf))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="invoice.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-SHA256"] == pdf.sha256
    page = client.get(pdf.message.get_absolute_url()).content.decode()
    assert f'href="{url(pdf)}" download>download the original</a>' in page
    assert page.count("kept for curators") == 2


def test_nothing_of_an_unpublished_message_is_given(client, attachments):
    pdf = attachments["invoice.pdf"]
    Attachment.objects.filter(pk=pdf.pk).update(is_public=True)
    Message.objects.filter(pk=pdf.message_id).update(is_published=False)
    assert client.get(url(pdf)).status_code == 404


def test_html_and_svg_can_never_be_public(attachments):
    html = attachments["page.html"]
    html.is_public = True
    with pytest.raises(ValidationError, match="Only images and PDFs"):
        html.full_clean()


@pytest.mark.parametrize("name", ["page.html", "fake.png"])
def test_a_file_forced_public_is_still_not_served_unless_its_bytes_agree(client, attachments, name):
    """Marked public behind the admin's back (a direct write): an HTML page is never served, nor
    a "PNG" whose bytes are markup."""
    attachment = attachments[name]
    Attachment.objects.filter(pk=attachment.pk).update(is_public=True)
    assert client.get(url(attachment)).status_code == 404


def test_an_attachment_of_another_message_is_not_found_through_this_one(client, build, attachments):
    pdf = attachments["invoice.pdf"]
    Attachment.objects.filter(pk=pdf.pk).update(is_public=True)
    other = build.message()
    assert client.get(f"/messages/{other.external_id}/attachments/{pdf.pk}/").status_code == 404


def test_the_curator_marks_it_public_on_the_messages_admin_page(curator_client, attachments):
    pdf = attachments["invoice.pdf"]
    page = curator_client.get(f"/admin/archive/message/{pdf.message_id}/change/")
    assert 'name="attachments-0-is_public"' in page.content.decode()
