"""People and the accounts they wrote from."""

from django.db import models
from django.db.models import Exists, OuterRef

from archive.models.base import ExternalIdManager, Record, RecordWithPage
from lib.counting import count_per_row


class PersonQuerySet(models.QuerySet):
    def senders_of(self, messages):
        """People who sent one of `messages` (a scoped queryset, e.g. the published ones)."""
        return self.filter(Exists(messages.filter(sender__person=OuterRef("pk"))))

    def recipients_of(self, messages):
        """People who received one of `messages`."""
        return self.filter(Exists(messages.filter(recipients__person=OuterRef("pk"))))

    @staticmethod
    def _named_by(messages, events):
        """Q: named as a sender or recipient of one of `messages`, or in one of `events`."""
        return (
            Exists(messages.filter(sender__person=OuterRef("pk")))
            | Exists(messages.filter(recipients__person=OuterRef("pk")))
            | Exists(events.filter(participants=OuterRef("pk")))
        )

    def named_in(self, messages, events):
        """The people `messages` or `events` name (a collection's published ones, say)."""
        return self.filter(self._named_by(messages, events))

    def public(self):
        """The people readers may look up (and choice lists offer): those a published record
        names, as a sender or recipient of a published message or a participant in a published
        event, and no one else. Someone named only by records waiting for review (an import not
        yet published), by withdrawn or deleted ones, or left without accounts by a merge is
        not shown."""
        from archive.models.events import Event
        from archive.models.messages import Message

        return self.filter(self._named_by(Message.objects.public(), Event.objects.public()))

    def with_message_counts(self):
        """Per person: messages sent, and how many of those got a (published) reply."""
        from archive.models.messages import Message

        return self.annotate(
            sent_count=count_per_row(Message.objects.public(), "sender__person"),
            answered_count=count_per_row(Message.objects.public().answered(), "sender__person"),
        )


class Person(RecordWithPage):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    external_id = models.SlugField(
        max_length=80, unique=True, help_text="Stable id used in URLs and fixtures."
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    description = models.TextField(blank=True)

    objects = ExternalIdManager.from_queryset(PersonQuerySet)()
    page_url_name = "archive:person_detail"
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("name", "description")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    @property
    def slug(self):
        return self.external_id


class Account(Record):
    class Platform(models.TextChoices):
        TWITTER = "twitter", "Twitter"
        EMAIL = "email", "E-mail"
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        OTHER = "other", "Other"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accounts")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(
        max_length=200, blank=True, help_text="As attested, e.g. @wikileaks; blank if unknown."
    )
    note = models.TextField(blank=True, help_text="What the sources say about this account.")
    display_names = models.JSONField(
        default=list,
        blank=True,
        help_text="The names this account was shown with in imported files, as first seen.",
    )
    # Set by "merge into one person" (admin): the person this account belonged to before, so
    # the merge can be undone.
    merged_from = models.ForeignKey(
        "Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ExternalIdManager.from_queryset(models.QuerySet)()

    class Meta:
        ordering = ["person__name", "platform", "handle"]

    def __str__(self):
        if self.handle:
            return self.handle
        return f"{self.person.name} ({self.get_platform_display()})"
