"""Authenticity with evidence: DKIM signatures of imported e-mail verified with dkimpy against a
key a curator supplies (never "verified" without one), kept as checks, shown on the page and in
the API, and a status on every record that curators set with its evidence."""

import base64
import io
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command

from archive.importing.importer import import_path
from archive.models import Authenticity, DkimCheck, DkimKey, Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

WHEN = datetime(2016, 10, 12, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


def signed_mail(pem, body="The meeting is moved to Thursday.\n", tamper=None):
    raw = samples.email_bytes("signed-1@campaign.example", "Ann Example <ann@campaign.example>",
                              "Ben Sample <ben@example.net>", "Thursday", WHEN, body)  # fmt: skip
    raw = raw.replace(b"\n", b"\r\n")
    signature = dkim.sign(raw, b"s2016", b"campaign.example", pem,
                          include_headers=[b"from", b"to", b"subject", b"date"])  # fmt: skip
    signed = signature + raw
    return tamper(signed) if tamper else signed


def imported(tmp_path, raw):
    path = tmp_path / "signed.eml"
    path.write_bytes(raw)
    import_path(path, publish=True)
    return Message.objects.get()


def test_a_signature_verified_with_a_curators_key_is_evidence(tmp_path, key, client):
    pem, record = key
    DkimKey.objects.create(domain="campaign.example", selector="s2016", record=record,
                           provenance="archived DNS answer of 12 Oct 2016")  # fmt: skip
    message = imported(tmp_path, signed_mail(pem))
    [check] = message.dkim_checks.all()
    assert check.result == "verified" and check.domain == "campaign.example"
    assert check.selector == "s2016" and check.key_record == record
    assert "a key supplied by curators (archived DNS answer of 12 Oct 2016)" in check.key_source
    assert message.authenticity == Authenticity.VERIFIED
    assert "verified with a key from a key supplied by curators" in message.authenticity_evidence
    page = client.get(message.get_absolute_url()).content.decode()
    assert "verified by metadata" in page and "selector s2016" in page
    answer = client.get(f"/api/messages/{message.external_id}/").json()
    assert answer["authenticity"]["status"] == "verified"
    assert answer["authenticity"]["checks"][0]["result"] == "verified"


def test_a_message_changed_after_signing_fails(tmp_path, key):
    pem, record = key
    DkimKey.objects.create(domain="campaign.example", selector="s2016", record=record,
                           provenance="curator")  # fmt: skip
    changed = signed_mail(pem, tamper=lambda raw: raw.replace(b"Thursday.", b"Friday."))
    message = imported(tmp_path, changed)
    [check] = message.dkim_checks.all()
    assert check.result == "failed" and message.authenticity == Authenticity.UNVERIFIED


def test_without_a_key_it_is_never_verified_and_can_be_checked_later(tmp_path, key, settings):
    settings.DKIM_DNS_LOOKUPS = False
    pem, record = key
    message = imported(tmp_path, signed_mail(pem))
    [check] = message.dkim_checks.all()
    assert check.result == "no_key" and message.authenticity == Authenticity.UNVERIFIED
    assert check.get_result_display() == "not verifiable (no key)"
    assert "raw_base64" in message.original
    DkimKey.objects.create(domain="campaign.example", selector="s2016", record=record,
                           provenance="the domain's operator, by e-mail")  # fmt: skip
    out = io.StringIO()
    call_command("verify_dkim", stdout=out)
    assert "1 verified" in out.getvalue()
    message.refresh_from_db()
    assert message.authenticity == Authenticity.VERIFIED
    assert [c.result for c in message.dkim_checks.all()] == ["verified"]


def test_unsigned_mail_has_no_check(tmp_path):
    raw = samples.email_bytes("plain@example.org", "a@example.org", "b@example.net", "Hi",
                              WHEN, "Hello.\n")  # fmt: skip
    message = imported(tmp_path, raw)
    assert not DkimCheck.objects.exists() and message.authenticity == Authenticity.UNVERIFIED


def test_a_hostile_signature_header_is_a_failure_not_an_error(tmp_path):
    raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=\x00; s=;; b=!!!\r\n" + samples.email_bytes(
        "odd@example.org", "a@example.org", "b@example.net", "Hi", WHEN, "Hello.\n"
    )
    message = imported(tmp_path, raw)
    assert all(check.result != "verified" for check in message.dkim_checks.all())


def test_the_curated_archive_is_confirmed_by_a_party_and_filterable(archive, client):
    m01 = Message.objects.get(external_id="m01")
    assert m01.authenticity == Authenticity.CONFIRMED
    assert "Trump Jr." in m01.authenticity_evidence
    listed = client.get("/api/messages/?authenticity=confirmed&page_size=200").json()["results"]
    # The direct messages, which Trump Jr. published himself; not the e-mails nor the tweets.
    assert len(listed) == Message.objects.public().filter(channel="direct_message").count() == 11
    assert Message.objects.get(external_id="m03").authenticity == Authenticity.CORROBORATED
    assert client.get("/api/messages/?authenticity=disputed").json()["results"] == []
    page = client.get("/messages/m01/").content.decode()
    assert "confirmed by a party" in page


def test_a_batch_carries_a_status_its_messages_show(curator_client, client, tmp_path, curator):
    raw = samples.email_bytes("b@example.org", "a@example.org", "b@example.net", "Hi", WHEN,
                              "Hello.\n")  # fmt: skip
    message = imported(tmp_path, raw)
    url = f"/admin/archive/importbatch/{message.import_batch_id}/review/"
    assert "Authenticity of this batch" in curator_client.get(url).content.decode()
    evidence = "Given by two sources who agree."
    curator_client.post(url, {"action": "authenticity", "authenticity": "corroborated",
                              "authenticity_evidence": evidence})  # fmt: skip
    message.import_batch.refresh_from_db()
    batch = message.import_batch
    assert batch.authenticity == "corroborated" and batch.authenticity_set_by == curator
    page = client.get(message.get_absolute_url()).content.decode()
    assert "corroborated by sources</strong>: Given by two sources who agree." in page
    curator_client.post(url, {"action": "authenticity", "authenticity": "certain"})
    batch.refresh_from_db()
    assert batch.authenticity == "corroborated"  # an unknown status changes nothing


def test_an_event_shows_its_status_and_the_api_gives_it(archive, client):
    from archive.models import Event

    event = Event.objects.public().first()
    assert event.authenticity == Authenticity.CORROBORATED
    assert "corroborated by sources" in client.get(event.get_absolute_url()).content.decode()
    answer = client.get(f"/api/events/{event.external_id}/").json()
    assert answer["authenticity"]["status"] == "corroborated"
