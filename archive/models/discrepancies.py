"""Where sources disagree about a message or an event, and each source's reading."""

from django.db import models
from django.db.models import Count, Q

from archive.models.base import ExternalIdManager, Record, on_a_published_record
from archive.models.events import Event
from archive.models.messages import Message
from archive.models.sources import Source


class DiscrepancyQuerySet(models.QuerySet):
    def with_two_readings(self):
        """Real disagreements only: two or more sources' readings (one reading disputes nothing).

        Every public page that lists discrepancies or their readings goes through this."""
        return self.alias(reading_total=Count("readings")).filter(
            reading_total__gte=Discrepancy.MIN_READINGS
        )

    def public(self):
        """Disagreements readers see: two readings or more, about a published record."""
        return self.with_two_readings().filter(on_a_published_record())


class Discrepancy(Record):
    """Where sources disagree about one field of a message or an event."""

    MIN_READINGS = 2

    class Field(models.TextChoices):
        DATE = "date", "Date"
        TIME = "time", "Time"
        WORDING = "wording", "Wording"
        SENDER = "sender", "Sender"
        REPLY = "reply", "Whether it was answered"
        ORDER = "order", "Order in the chain"
        OTHER = "other", "Other"

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="discrepancies"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="discrepancies"
    )
    field = models.CharField(max_length=20, choices=Field.choices)
    note = models.TextField(help_text="The curator's reading of the disagreement.")

    objects = ExternalIdManager.from_queryset(DiscrepancyQuerySet)()

    class Meta:
        ordering = ["external_id"]
        verbose_name_plural = "discrepancies"
        constraints = [
            models.CheckConstraint(
                condition=(Q(message__isnull=False) & Q(event__isnull=True))
                | (Q(message__isnull=True) & Q(event__isnull=False)),
                name="discrepancy_exactly_one_record",
                violation_error_message="A discrepancy concerns exactly one message or event.",
            ),
        ]

    def __str__(self):
        return f"{self.external_id}: {self.get_field_display()} of {self.record_external_id}"

    @property
    def record(self):
        return self.message or self.event

    @property
    def record_external_id(self):
        return self.message.external_id if self.message_id else self.event.external_id


class DiscrepancyReadingManager(models.Manager):
    def get_by_natural_key(self, discrepancy_id, source_id):
        return self.get(discrepancy__external_id=discrepancy_id, source__external_id=source_id)


class DiscrepancyReading(models.Model):
    """One source's version of the disputed field."""

    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.CASCADE, related_name="readings")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="readings")
    reading = models.CharField(max_length=500)
    is_preferred = models.BooleanField(
        default=False, help_text="The reading the curators follow in the record."
    )

    objects = DiscrepancyReadingManager()

    class Meta:
        ordering = ["discrepancy", "-is_preferred", "source__external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["discrepancy", "source"], name="reading_one_per_source"
            ),
        ]

    def __str__(self):
        return f"{self.reading} ({self.source.publisher})"

    def natural_key(self):
        return (self.discrepancy.external_id, self.source.external_id)

    natural_key.dependencies = ["archive.discrepancy", "archive.source"]
