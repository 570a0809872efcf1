"""The review of personal data before publishing: hits that patterns found in messages
(lib/personal_data.py, the curators' lexicon included), each withheld or kept by a curator, who
and when. Curators only: a hit holds the words it found."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from archive.models.messages import Message
from archive.models.people import Account
from lib import personal_data

SCANNED_FIELDS = ("subject", "text", "summary")
CONTEXT_CHARACTERS = 60
# The withholding reason a hit of each kind gets when a curator withholds it in one click.
REASONS = {
    "phone": "contact",
    "email": "contact",
    "address": "contact",
    "iban": "third_party",
    "card": "third_party",
    "national_id": "third_party",
    "lexicon": "third_party",
}


class SensitiveTerm(models.Model):
    """A word or phrase the curators want every review to find (a name, an illness, a place),
    matched as whole words in any case."""

    term = models.CharField(max_length=200, unique=True)
    note = models.CharField(max_length=300, blank=True, help_text="Why it is sensitive.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term"]

    def __str__(self):
        return self.term


class PersonalDataHit(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", "phone number"
        EMAIL = "email", "e-mail address"
        IBAN = "iban", "IBAN"
        CARD = "card", "payment card number"
        NATIONAL_ID = "national_id", "national id number"
        ADDRESS = "address", "postal address"
        LEXICON = "lexicon", "sensitive term"

    class Decision(models.TextChoices):
        UNDECIDED = "", "undecided"
        WITHHELD = "withheld", "withheld"
        KEPT = "kept", "kept (may be published)"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="personal_data")
    field = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    words = models.CharField(max_length=500)
    start = models.PositiveIntegerField(help_text="Where it was first found in the field.")
    context = models.TextField(help_text="The words around it, for the review.")
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withholding = models.ForeignKey(
        "Withholding", on_delete=models.SET_NULL, null=True, blank=True, related_name="hits"
    )
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message_id", "field", "start"]
        constraints = [
            # Once per message, field and words: a number written twice is one decision (a
            # withholding takes every occurrence), and positions move when the text changes.
            models.UniqueConstraint(
                fields=["message", "field", "kind", "words"], name="personal_data_hit_once"
            )
        ]
        indexes = [models.Index(fields=["decision", "message"])]

    def __str__(self):
        return f"{self.get_kind_display()} in {self.message.external_id} ({self.field})"


def public_handles():
    """The handles the archive shows already (the senders and recipients of its published
    messages): not personal data to find again in their words."""
    published = Message.objects.public()
    accounts = Account.objects.filter(
        models.Exists(published.filter(sender=models.OuterRef("pk")))
        | models.Exists(published.filter(recipients=models.OuterRef("pk")))
    )
    return set(accounts.annotate(lowered=Lower("handle")).values_list("lowered", flat=True))


def scan(messages, terms=None):
    """Find the personal data in `messages` (a queryset) and keep each hit once; returns how
    many hits are new. Hits already decided stay as they were."""
    if terms is None:
        terms = list(SensitiveTerm.objects.values_list("term", flat=True))
    known = public_handles()
    new = []
    for message in messages.only("pk", *SCANNED_FIELDS).iterator(chunk_size=2000):
        for field in SCANNED_FIELDS:
            text = getattr(message, field) or ""
            for kind, start, end in personal_data.find(text, terms):
                words = text[start:end]
                if words.lower() in known:
                    continue
                context = text[max(0, start - CONTEXT_CHARACTERS) : end + CONTEXT_CHARACTERS]
                new.append(
                    PersonalDataHit(message_id=message.pk, field=field, kind=kind,
                                    words=words[:500], start=start, context=context)
                )  # fmt: skip
        if len(new) >= 2000:
            _keep(new)
            new = []
    return _keep(new)


def _keep(hits):
    before = PersonalDataHit.objects.count()
    PersonalDataHit.objects.bulk_create(hits, ignore_conflicts=True, batch_size=500)
    return PersonalDataHit.objects.count() - before


def undecided():
    return PersonalDataHit.objects.filter(decision=PersonalDataHit.Decision.UNDECIDED)


def decide(hits, decision, user):
    """Keep (decision "kept") or withhold ("withheld") each hit; a withheld hit's words leave
    its whole message, so the other undecided hits of the same words there are withheld with
    it. Returns (decided, problems): problems name the hits whose words are no longer there."""
    from archive.models.withholdings import WithholdingError, withhold

    decided, problems = 0, []
    for hit in hits:
        hit.refresh_from_db()
        if hit.decision:
            continue
        withholding = None
        if decision == PersonalDataHit.Decision.WITHHELD:
            try:
                withholding = withhold(hit.message, hit.words, REASONS[hit.kind], user=user)
            except WithholdingError as error:
                problems.append(f"{hit.message.external_id}: {error}")
                continue
        same = PersonalDataHit.objects.filter(pk=hit.pk)
        if withholding is not None:
            same = PersonalDataHit.objects.filter(
                message=hit.message_id, words=hit.words, decision=""
            )
        decided += same.update(
            decision=decision, decided_by=user, decided_at=timezone.now(), withholding=withholding
        )
    return decided, problems
