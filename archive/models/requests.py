"""Readers' requests: a takedown, a correction or the withholding of personal data, asked for by
anyone (no account), handled by curators with an audit trail of who decided what, when and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReaderRequest(models.Model):
    class Kind(models.TextChoices):
        TAKEDOWN = "takedown", "Take a record down"
        PERSONAL_DATA = "personal_data", "Withhold personal data"
        CORRECTION = "correction", "Correct a record"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        RECEIVED = "received", "received"
        IN_REVIEW = "in_review", "in review"
        GRANTED = "granted", "granted"
        PARTLY = "partly", "partly granted"
        REFUSED = "refused", "refused"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    record = models.CharField(
        max_length=500, help_text="The address or id of the record the request is about."
    )
    name = models.CharField(max_length=200, blank=True, help_text="Optional.")
    email = models.EmailField(help_text="Where the curators answer; never published.")
    text = models.TextField(help_text="What is asked, and why.")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    decision_reason = models.TextField(
        blank=True, help_text="The curators' reason for the decision."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"Request {self.pk}: {self.get_kind_display().lower()} of {self.record[:60]}"


class ReaderRequestEvent(models.Model):
    """One step of a request's handling: received, a change of status, a reason given."""

    request = models.ForeignKey(ReaderRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=ReaderRequest.Status.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}: {self.get_status_display()}"
