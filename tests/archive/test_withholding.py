"""Withholding: a curator takes a phone number, a subject or an attachment out of a published
message, and no output readers get holds it afterwards — while curators keep the words, and a
release puts them back. Corrections never republish it."""

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Annotation
from archive.importing.importer import import_path
from archive.models import Attachment, Correction, Message, Withholding
from archive.models.withholdings import WithholdingError, release, withhold
from tests.support import import_samples as samples
from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

PHONE = "+1 202 555 0147"
SUBJECT = "Kowalczyk family visit"
TEXT = f"Ben,\n\ncall Mrs Kowalczyk on {PHONE} before Friday.\n\nAnn\n"
WHEN = datetime(2019, 5, 14, 8, 30, tzinfo=UTC)


@pytest.fixture
def mail(tmp_path):
    raw = samples.email_bytes(
        "phone-1@example.org",
        "Ann Example <ann@example.org>",
        "Ben Sample <ben@example.net>",
        SUBJECT,
        WHEN,
        TEXT,
        attachments=[("kowalczyk-passport.pdf", "application/pdf", b"%PDF-1.4 passport")],
    )
    result = import_path(
        samples.write_mbox(tmp_path / "mail.mbox", [raw]), publish=True, collection="Harbour"
    )
    return Message.objects.get(import_batch=result.batch)


def outputs(client, message):
    """Everything a reader can fetch that may carry the message's words."""
    urls = [
        message.get_absolute_url(),
        message.thread.get_absolute_url(),
        "/messages/",
        f"/messages/?collection={message.thread.collection.external_id}",
        "/search/?q=Kowalczyk",
        "/search/?q=0147",
        f"/api/messages/{message.external_id}/",
        "/api/messages/",
        f"/api/threads/{message.thread.external_id}/",
        "/api/people/",
        "/api/exports/messages.csv",
        "/api/exports/messages.json",
        "/api/exports/people.csv",
        "/api/exports/notes.csv",
        "/api/exports/notes.json",
        "/api/exports/notes.jsonld",
        "/api/exports/notes.markdown",
        f"/messages/{message.external_id}/cite.bib",
        f"/messages/{message.external_id}/cite.json",
        "/feeds/records.atom",
        "/feeds/annotations.atom",
        f"/feeds/annotations/messages/{message.external_id}.atom",
        "/annotations/",
        "/api/annotations/",
        "/sitemap.xml",
        "/sitemap-messages.xml",
        "/",
        f"/c/{message.thread.collection.external_id}/",
        "/people/",
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = (
                b"".join(response.streaming_content).decode()
                if response.streaming
                else (response.content.decode())
            )
    for note in Annotation.objects.filter(message=message):
        for url in (f"/annotations/{note.uuid}/", f"/annotations/{note.uuid}/history/",
                    f"/api/annotations/{note.uuid}"):  # fmt: skip
            response = client.get(url)
            assert response.status_code == 200, url
            pages[url] = response.content.decode()
    return pages


def leaks(pages, *words):
    """The outputs holding any of the words (a search page echoes the reader's own query in its
    form and links, so there the words are looked for in the rest: what it found)."""
    found = []
    for url, body in pages.items():
        if url.startswith("/search/"):
            body = re.sub(r'(href|value)="[^"]*"', "", body.split("</form>", 1)[-1])
            body = re.sub(r'<p class="result-count".*?</p>', "", body, flags=re.DOTALL)
        if any(word in body for word in words):
            found.append(url)
    return sorted(found)


def test_a_withheld_phone_number_leaves_every_output_and_stays_for_curators(client, users, mail):
    make_annotation(users["author"], message=mail, visibility="public", quote_exact="555 0147",
                    body=f"Whose number is {PHONE}?")  # fmt: skip
    before = outputs(client, mail)
    assert len(leaks(before, PHONE)) > 20  # the test can see it there at first
    assert mail.get_absolute_url() in before["/search/?q=0147"]  # and search finds it

    withholding = withhold(mail, PHONE, "contact", user=users["curator"], note="a neighbour")
    after = outputs(client, mail)
    assert leaks(after, PHONE, "555 0147", "0147") == []
    assert mail.get_absolute_url() not in after["/search/?q=0147"]
    page = after[mail.get_absolute_url()]
    assert "[withheld: personal contact details]" in page
    assert "Withheld on" in page and "a neighbour" not in page
    assert 'id="corrections"' not in page  # withholding is not a correction
    mail.refresh_from_db()
    assert mail.text == TEXT.strip("\n").replace(PHONE, "[withheld: personal contact details]")
    note = Annotation.objects.get(message=mail)
    assert note.quote_exact == "[withheld: personal contact details]"  # the whole number went
    assert (
        not note.is_orphaned
        and note.body == "Whose number is [withheld: personal contact details]?"
    )
    assert Withholding.objects.get().words == PHONE  # the curators' copy

    kept = release(withholding, users["curator"])
    assert kept == 0
    mail.refresh_from_db()
    note.refresh_from_db()
    assert mail.text == TEXT.strip("\n") and note.quote_exact == "555 0147"
    assert PHONE in client.get(mail.get_absolute_url()).content.decode()


def test_a_withheld_subject_leaves_the_heading_the_conversation_and_search(client, mail):
    withhold(mail, "", "third_party", scope="subject")
    pages = outputs(client, mail)
    assert leaks(pages, "Kowalczyk family") == []
    mail.refresh_from_db()
    assert mail.subject == "[withheld: a third party's private data]"
    assert mail.thread.title == "[withheld: a third party's private data]"
    assert "Kowalczyk" in mail.text  # only the subject was withheld


def test_a_withheld_attachment_is_neither_named_nor_served(client, curator_client, mail):
    attachment = mail.attachments.get()
    attachment.is_public = True
    attachment.save()
    withhold(mail, "", "third_party", attachment=attachment)
    pages = outputs(client, mail)
    assert leaks(pages, "kowalczyk-passport") == []
    attachment.refresh_from_db()
    assert not attachment.is_public
    assert (
        client.get(f"/messages/{mail.external_id}/attachments/{attachment.pk}/").status_code == 404
    )


def test_a_release_after_withholding_holds_no_withheld_word(archive, mail, tmp_path):
    withhold(mail, PHONE, "contact")
    call_command("release_dataset", "--version", "9.0", "--output-dir", str(tmp_path),
                 "--date", "2026-12-07", stdout=io.StringIO())  # fmt: skip
    with zipfile.ZipFile(tmp_path / "backchannel-9.0.zip") as archive_zip:
        for name in archive_zip.namelist():
            assert PHONE.encode() not in archive_zip.read(name), name


def test_a_release_made_before_is_withdrawn_and_its_file_removed(client, archive, mail,
                                                                tmp_path, settings):  # fmt: skip
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("release_dataset", "--version", "8.0", "--date", "2026-12-06",
                 stdout=io.StringIO())  # fmt: skip
    path = tmp_path / "releases" / "backchannel-8.0.zip"
    with zipfile.ZipFile(path) as archive_zip:
        assert any(PHONE.encode() in archive_zip.read(name) for name in archive_zip.namelist())
    out = io.StringIO()
    call_command("withhold", mail.external_id, PHONE, "--reason", "contact", stdout=out)
    assert "Withdrew dataset release 8.0" in out.getvalue()
    assert not path.exists()
    assert client.get("/data/backchannel-8.0.zip").status_code == 410
    page = client.get("/data/").content.decode()
    assert "withdrawn on" in page and 'href="/data/backchannel-8.0.zip"' not in page


def test_earlier_corrections_lose_the_words_too(client, mail):
    before = Message.objects.get(pk=mail.pk)
    mail.text = mail.text.replace("before Friday", "before Thursday")
    mail.save()
    Correction.record(before, mail, note="The day was misread.")
    assert PHONE in client.get(mail.get_absolute_url()).content.decode()
    withhold(mail, PHONE, "contact")
    page = client.get(mail.get_absolute_url()).content.decode()
    assert PHONE not in page and "Thursday" in page
    assert PHONE not in json.dumps(list(Correction.objects.values_list("changes", flat=True)))


@pytest.mark.parametrize(
    "words, options, message",
    [
        ("+1 999 000 0000", {"reason": "contact"}, "not in it"),
        (PHONE, {"reason": "made-up"}, "Give a reason"),
        ("", {"reason": "contact"}, "exact words"),
        (PHONE, {"reason": "contact", "scope": "subject"}, "not in its subject"),
    ],
)
def test_bad_withholdings_are_refused_and_change_nothing(mail, words, options, message):
    with pytest.raises(WithholdingError, match=message):
        withhold(mail, words, options.pop("reason"), **options)
    assert Message.objects.get(pk=mail.pk).text == mail.text
    assert not Withholding.objects.exists()


def test_the_command_withholds_and_releases_and_says_so(mail):
    out = io.StringIO()
    call_command("withhold", mail.external_id, PHONE, "--reason", "personal contact details",
                 stdout=out)  # fmt: skip
    said = out.getvalue()
    assert said.startswith("Withholding ") and "[withheld: personal contact details]" in said
    assert PHONE not in said
    assert PHONE not in Message.objects.get(pk=mail.pk).text
    pk = Withholding.objects.get().pk
    out = io.StringIO()
    call_command("withhold", "--release", str(pk), stdout=out)
    assert f"Released withholding {pk}" in out.getvalue()
    assert PHONE in Message.objects.get(pk=mail.pk).text
    with pytest.raises(CommandError, match="released already"):
        call_command("withhold", "--release", str(pk), stdout=io.StringIO())


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["no-such-message", PHONE, "--reason", "contact"], "There is no message"),
        (["{id}", "words that are not there", "--reason", "contact"], "not in it"),
        (["{id}", PHONE], "Give a reason"),
        (["{id}", PHONE, "--reason", "  "], "Give a reason"),
        (["--release", "999"], "There is no withholding 999"),
        (["{id}", "--attachment", "nope.pdf", "--reason", "legal"], "has no attachment"),
    ],
)
def test_the_command_refuses_clearly_and_changes_nothing(mail, arguments, message):
    arguments = [a.replace("{id}", mail.external_id) for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("withhold", *arguments, stdout=io.StringIO())
    assert Message.objects.get(pk=mail.pk).text == mail.text
    assert Attachment.objects.get().name == "kowalczyk-passport.pdf"
    assert not Withholding.objects.exists()


def test_a_curator_removing_a_phone_number_by_editing_is_steered_to_withholding(
    client, curator_client, mail
):
    from tests.support.admin_forms import open_change_page, save_change_page

    data = open_change_page(curator_client, mail)
    edited = data["text"].replace(f" on {PHONE}", "")
    answer = save_change_page(curator_client, mail, data, text=edited,
                              correction_note="Removed a phone number.")  # fmt: skip
    page = answer.content.decode()
    assert answer.status_code == 200 and "looks like personal data (a phone number)" in page
    assert "Withhold it instead" in page and edited in page  # the edit is kept in the form
    assert Message.objects.get(pk=mail.pk).text == mail.text and not Correction.objects.exists()
    # Withheld through the admin instead: no correction, and no word of it public.
    add = curator_client.post(
        f"/admin/archive/withholding/add/?message={mail.pk}",
        {"message": mail.pk, "words": PHONE, "scope": "", "reason": "contact", "reason_note": ""},
    )
    assert add.status_code == 302, add.content.decode()[:2000]
    assert PHONE not in Message.objects.get(pk=mail.pk).text and not Correction.objects.exists()
    assert PHONE not in client.get("/feeds/records.atom").content.decode()
    listed = curator_client.get("/admin/archive/withholding/").content.decode()
    assert PHONE in listed or "contact" in listed


def test_the_admin_form_refuses_words_that_are_not_there_and_keeps_them(curator_client, mail):
    answer = curator_client.post(
        "/admin/archive/withholding/add/",
        {"message": mail.pk, "words": "+44 20 7946 0000", "scope": "", "reason": "contact"},
    )
    page = answer.content.decode()
    assert answer.status_code == 200 and "not in it" in page and "+44 20 7946 0000" in page
    assert not Withholding.objects.exists()


def test_an_edit_that_removes_no_personal_data_is_a_correction_as_before(curator_client, mail):
    from tests.support.admin_forms import open_change_page, save_change_page

    data = open_change_page(curator_client, mail)
    answer = save_change_page(curator_client, mail, data,
                              text=data["text"].replace("Friday", "Thursday"))  # fmt: skip
    assert answer.status_code == 302
    assert Correction.objects.count() == 1


def test_a_reload_of_the_archive_never_brings_withheld_words_back(archive, client, users):
    m06 = Message.objects.get(external_id="m06")
    words = " ".join(m06.text.split()[1:3])
    make_annotation(users["author"], message=m06, visibility="public", quote_exact=words)
    withhold(m06, words, "third_party")
    for options in ([], ["--overwrite"]):
        out = io.StringIO()
        call_command("load_archive", "fixtures/archive.json", *options, stdout=out)
        m06.refresh_from_db()
        assert words not in m06.text, options
        page = client.get(m06.get_absolute_url()).content.decode()
        assert words not in page and "[withheld: a third party" in page
    assert "withheld again 1 record" in out.getvalue()
    assert Annotation.objects.get(message=m06).quote_exact.startswith("[withheld")


def test_a_note_whose_quote_moved_with_a_withholding_is_not_told_of_a_correction(mail, users):
    note = make_annotation(users["author"], message=mail, visibility="public",
                           quote_exact="before Friday")  # fmt: skip
    withhold(mail, PHONE, "contact")
    note.refresh_from_db()
    assert note.quote_start == mail.text.index("before Friday") - len(PHONE) + len(
        "[withheld: personal contact details]"
    )
    assert note.anchor_changed_at is None and not note.is_orphaned


def test_an_events_words_leave_its_page_its_address_and_its_notes(archive, client, users):
    from archive.models import Event

    event = Event.objects.public().exclude(description="").first()
    title, old_slug = event.title, event.slug
    words = max(title.split(), key=len)
    make_annotation(users["author"], event=event, visibility="public", body=f"About {words}.")
    out = io.StringIO()
    call_command("withhold", event.external_id, words, "--reason", "legal", stdout=out)
    assert "[withheld: legal reasons]" in out.getvalue()
    event.refresh_from_db()
    assert words not in event.title and old_slug != event.slug
    body = client.get(event.get_absolute_url()).content.decode()
    assert title not in body and "[withheld: legal reasons]" in body and "Withheld on" in body
    assert client.get(f"/events/{old_slug}/").status_code == 301  # the old address leads on
    assert words not in client.get(f"/api/events/{event.external_id}/").json()["title"]
    notes = client.get("/api/exports/notes.csv")
    assert f"About {words}." not in b"".join(notes.streaming_content).decode()
    sitemap = client.get("/sitemap-events.xml").content.decode()
    assert old_slug not in sitemap and event.slug in sitemap
    pk = Withholding.objects.get(event=event).pk
    call_command("withhold", "--release", str(pk), stdout=io.StringIO())
    event.refresh_from_db()
    assert event.title == title and event.slug == old_slug


def test_a_reload_keeps_an_attachment_withheld_and_the_rest_as_it_was(mail):
    from archive.models.withholdings import reapply_withholdings

    attachment = mail.attachments.get()
    withhold(mail, "", "third_party", attachment=attachment)
    Attachment.objects.filter(pk=attachment.pk).update(name="kowalczyk-passport.pdf")
    Message.objects.filter(pk=mail.pk).update(text=mail.text + "\nSee kowalczyk-passport.pdf.")
    assert reapply_withholdings() == [mail.external_id]
    attachment.refresh_from_db()
    assert attachment.name.startswith("[withheld") and not attachment.is_public
    # Words were not withheld, only the attachment: the text keeps its mention as written.
    assert "See kowalczyk-passport.pdf." in Message.objects.get(pk=mail.pk).text
