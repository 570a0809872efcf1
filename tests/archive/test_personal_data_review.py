"""The review of personal data before publishing: patterns find phone numbers, addresses, IBAN,
card and id numbers (with their checksums) and the lexicon's terms in an import, each hit is
withheld or kept by a curator (who, when), and publishing with undecided hits asks first."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from archive.importing.importer import import_path
from archive.models import Message, PersonalDataHit, SensitiveTerm, Withholding
from archive.models.personal_data import decide, scan
from lib import personal_data
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

WHEN = datetime(2019, 5, 14, 8, 30, tzinfo=UTC)
TEXT = (
    "Ben,\n\ncall Mrs Kowalczyk on +1 202 555 0147 or write to kowalczyk@example.com.\n"
    "She lives at 42 Harbour Street, Gdansk; pay into GB82 WEST 1234 5698 7654 32.\n"
    "Card 4111 1111 1111 1111, SSN 123-45-6789. Her diagnosis: diabetes.\n\nAnn\n"
)


@pytest.mark.parametrize(
    "text, kind, found",
    [
        ("ring 202-555-0147 now", "phone", "202-555-0147"),
        ("mail x.y+z@example.co.uk today", "email", "x.y+z@example.co.uk"),
        ("IBAN GB82 WEST 1234 5698 7654 32.", "iban", "GB82 WEST 1234 5698 7654 32"),
        ("card 4111-1111-1111-1111 ok", "card", "4111-1111-1111-1111"),
        ("SSN 123-45-6789.", "national_id", "123-45-6789"),
        ("NI number AB 12 34 56 C", "national_id", "AB 12 34 56 C"),
        ("at 1600 Pennsylvania Avenue today", "address", "1600 Pennsylvania Avenue"),
        ("London SW1A 2AA", "address", "SW1A 2AA"),
    ],
)
def test_each_pattern_finds_its_kind(text, kind, found):
    assert [(k, text[s:e]) for k, s, e in personal_data.find(text)] == [(kind, found)]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN GB82 WEST 1234 5698 7654 33",  # the check digits fail
        "card 4111 1111 1111 1112",  # Luhn fails
        "SSN 000-12-3456",  # no such area number
        "In 2016 he wrote 17 times; Trump Jr. answered at 11:29.",
        "@wikileaks wrote to @DonaldJTrumpJr",
    ],
)
def test_what_only_looks_like_personal_data_is_not_found(text):
    assert personal_data.find(text) == []


def imported(tmp_path, text=TEXT, **options):
    raw = samples.email_bytes("pd-1@example.org", "Ann Example <ann@example.org>",
                              "Ben Sample <ben@example.net>", "Kowalczyk", WHEN, text)  # fmt: skip
    return import_path(samples.write_mbox(tmp_path / "mail.mbox", [raw]), **options)


def test_an_import_is_reviewed_and_its_report_counts_the_hits(tmp_path):
    SensitiveTerm.objects.create(term="diabetes", note="health")
    dry = imported(tmp_path, dry_run=True)
    assert dry.report["personal_data"]["undecided"] == 7
    assert not PersonalDataHit.objects.exists()  # a dry run keeps none
    result = imported(tmp_path)
    assert result.report["personal_data"] == {
        "address": 1, "card": 1, "email": 1, "iban": 1, "lexicon": 1, "national_id": 1,
        "phone": 1, "undecided": 7,
    }  # fmt: skip
    hit = PersonalDataHit.objects.get(kind="phone")
    assert hit.words == "+1 202 555 0147" and "call Mrs Kowalczyk on" in hit.context


def test_the_archives_own_public_handles_are_not_found(archive):
    assert scan(Message.objects.all()) == 0  # the curated correspondence: nothing to review


def test_withhold_and_keep_record_who_and_when(tmp_path, users):
    imported(tmp_path)
    phone = PersonalDataHit.objects.get(kind="phone")
    email = PersonalDataHit.objects.get(kind="email")
    assert decide([phone], "withheld", users["curator"]) == (1, [])
    assert decide([email], "kept", users["curator"]) == (1, [])
    phone.refresh_from_db()
    email.refresh_from_db()
    assert phone.decision == "withheld" and phone.decided_by == users["curator"]
    assert phone.withholding.words == "+1 202 555 0147" and phone.decided_at is not None
    assert email.decision == "kept" and not email.withholding
    message = Message.objects.get()
    assert "+1 202 555 0147" not in message.text and "kowalczyk@example.com" in message.text
    # Scanning again finds the placeholder's text nothing to add, and keeps the decisions.
    scan(Message.objects.all())
    assert PersonalDataHit.objects.filter(decision="").count() == 4


def test_publishing_a_batch_with_undecided_hits_asks_first(curator_client, tmp_path):
    result = imported(tmp_path)
    action = {"action": "publish_batches", "_selected_action": [result.batch.pk]}
    asked = curator_client.post("/admin/archive/importbatch/", action)
    assert asked.status_code == 200 and "undecided" in asked.content.decode()
    assert not Message.objects.get().is_published
    confirmed = curator_client.post(
        "/admin/archive/importbatch/", {**action, "publish_despite_personal_data": "1"}
    )
    assert confirmed.status_code == 302 and Message.objects.get().is_published


def test_the_review_page_refuses_to_publish_undecided_threads_unless_confirmed(
    curator_client, tmp_path
):
    result = imported(tmp_path)
    url = f"/admin/archive/importbatch/{result.batch.pk}/review/"
    page = curator_client.get(url).content.decode()
    assert "likely personal data hits in this batch are undecided" in page
    thread = Message.objects.get().thread_id
    curator_client.post(url, {"action": "publish", "thread": thread})
    assert not Message.objects.get().is_published
    curator_client.post(url, {"action": "publish", "thread": thread, "confirm": "1"})
    assert Message.objects.get().is_published


def test_the_hit_list_withholds_in_one_action(client, curator_client, tmp_path):
    result = imported(tmp_path, publish=True)
    hits = PersonalDataHit.objects.filter(kind__in=["phone", "iban"])
    page = curator_client.get("/admin/archive/personaldatahit/").content.decode()
    assert "<mark>+1 202 555 0147</mark>" in page
    curator_client.post(
        "/admin/archive/personaldatahit/",
        {"action": "withhold_hits", "_selected_action": [hit.pk for hit in hits]},
    )
    assert Withholding.objects.count() == 2
    public = client.get(Message.objects.get(import_batch=result.batch).get_absolute_url())
    assert "+1 202 555 0147" not in public.content.decode()
    assert "GB82 WEST" not in public.content.decode()


def test_the_command_reviews_a_batch_and_refuses_what_is_not_there(tmp_path):
    result = imported(tmp_path)
    PersonalDataHit.objects.all().delete()
    out = io.StringIO()
    call_command("review_personal_data", "--batch", str(result.batch.pk), stdout=out)
    assert "6 new hit(s)" in out.getvalue() and "1 phone number" in out.getvalue()
    with pytest.raises(CommandError, match="no import batch 999"):
        call_command("review_personal_data", "--batch", "999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no collection"):
        call_command("review_personal_data", "--collection", "nope", stdout=io.StringIO())
