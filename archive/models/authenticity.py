"""How each record is known to be authentic, with its evidence: a status on messages, events
and import batches (who set it, when, and why), and for e-mail the DKIM checks made with
dkimpy — which signature, domain and selector, which key, and where the key came from (DNS at
import time, or a key record a curator supplied, since keys are rotated)."""

import base64

import dkim
from django.conf import settings
from django.db import models
from django.utils import timezone


class Authenticity(models.TextChoices):
    CONFIRMED = "confirmed", "confirmed by a party"
    VERIFIED = "verified", "verified by metadata"
    CORROBORATED = "corroborated", "corroborated by sources"
    UNVERIFIED = "unverified", "unverified"
    DISPUTED = "disputed", "disputed"


class AuthenticityRecord(models.Model):
    """The status, its evidence in words, who set it and when: the same on every record that
    carries one (messages, events, import batches)."""

    authenticity = models.CharField(
        max_length=20,
        choices=Authenticity.choices,
        default=Authenticity.UNVERIFIED,
        db_default=Authenticity.UNVERIFIED,
        help_text="How it is known to be authentic.",
    )
    authenticity_evidence = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="The evidence, for readers: who confirmed it, which checks, which sources.",
    )
    authenticity_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    authenticity_set_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def set_authenticity(self, status, evidence, user=None):
        self.authenticity, self.authenticity_evidence = status, evidence
        self.authenticity_set_by, self.authenticity_set_at = user, timezone.now()


class DkimKey(models.Model):
    """A DKIM public key record a curator supplies (as journalists verified the Podesta e-mails
    with an archived copy of the key Google had rotated away), with where it came from."""

    domain = models.CharField(max_length=255)
    selector = models.CharField(max_length=255)
    record = models.TextField(help_text='The TXT record: "v=DKIM1; k=rsa; p=MIIB…".')
    provenance = models.TextField(
        help_text="Where this key comes from (an archived DNS answer, the domain's operator…)."
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["domain", "selector"], name="dkim_key_once")]
        verbose_name = "DKIM key"

    def __str__(self):
        return f"{self.selector}._domainkey.{self.domain}"


class DkimCheck(models.Model):
    class Result(models.TextChoices):
        VERIFIED = "verified", "verified"
        FAILED = "failed", "failed"
        NO_KEY = "no_key", "not verifiable (no key)"

    message = models.ForeignKey("Message", on_delete=models.CASCADE, related_name="dkim_checks")
    signature = models.PositiveIntegerField(help_text="Which DKIM-Signature header (0 = first).")
    domain = models.CharField(max_length=255, blank=True)
    selector = models.CharField(max_length=255, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices)
    key_source = models.CharField(
        max_length=300, blank=True, help_text="DNS at the time of the check, or a curator's key."
    )
    key_record = models.TextField(blank=True)
    detail = models.TextField(blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message_id", "signature", "-checked_at"]
        verbose_name = "DKIM check"

    def __str__(self):
        return f"DKIM {self.get_result_display()} ({self.domain}, {self.selector})"

    @property
    def summary(self):
        """What a reader is told of this check."""
        said = f"DKIM signature of {self.domain or 'an unnamed domain'}"
        if self.selector:
            said += f" (selector {self.selector})"
        if self.result == self.Result.VERIFIED:
            return f"{said} verified with a key from {self.key_source}."
        if self.result == self.Result.FAILED:
            return f"{said} does not verify: {self.detail}"
        return f"{said} not verifiable: no key ({self.detail})."


def _tag(signature_header, name):
    for part in signature_header.split(b";"):
        key, _, value = part.strip().partition(b"=")
        if key.strip() == name:
            return b"".join(value.split()).decode("ascii", errors="replace")
    return ""


def check_signatures(raw):
    """[{signature, domain, selector, result, key_source, key_record, detail}] of each
    DKIM-Signature of a message's exact bytes. The key comes from a curator's DkimKey, else
    from DNS when DKIM_DNS_LOOKUPS is on; with neither, the result is "no_key", never
    "verified"."""
    try:
        signer = dkim.DKIM(raw, minkey=1024, timeout=3)
        headers = [value for name, value in signer.headers if name.lower() == b"dkim-signature"]
    except Exception:  # noqa: BLE001 — dkimpy reads hostile headers; no signature is read
        return []
    checks = []
    for index, header in enumerate(headers[:10]):
        domain, selector = _tag(header, b"d"), _tag(header, b"s")
        used = {}

        def lookup(name, timeout=3, domain=domain, selector=selector, used=used):
            key = DkimKey.objects.filter(domain__iexact=domain, selector=selector).first()
            if key is not None:
                used.update(source=f"a key supplied by curators ({key.provenance})",
                            record=key.record)  # fmt: skip
                return key.record.encode()
            if getattr(settings, "DKIM_DNS_LOOKUPS", False):
                answer = dkim.dnsplug.get_txt(name, timeout=timeout)
                if answer:
                    when = timezone.now().strftime("%Y-%m-%d")
                    used.update(source=f"DNS at the time of the check ({when})",
                                record=answer.decode("ascii", errors="replace"))  # fmt: skip
                return answer
            return None

        check = {"signature": index, "domain": domain[:255], "selector": selector[:255]}
        try:
            good = signer.verify(idx=index, dnsfunc=lookup)
            detail = "" if good else "the signature does not match the message"
        except Exception as error:  # noqa: BLE001 — dkimpy's errors name what is wrong
            good, detail = False, f"{error.__class__.__name__}: {str(error)[:200]}"
        if not used:
            check.update(result=DkimCheck.Result.NO_KEY, key_source="", key_record="",
                         detail="no key supplied, and DNS lookups are off")  # fmt: skip
        else:
            check.update(result=DkimCheck.Result.VERIFIED if good else DkimCheck.Result.FAILED,
                         key_source=used["source"][:300], key_record=used["record"],
                         detail=detail)  # fmt: skip
        checks.append(check)
    return checks


def raw_for_later(raw):
    """The exact bytes of a signed message kept for checking again with a key supplied later."""
    return base64.b64encode(raw).decode("ascii")
