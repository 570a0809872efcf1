"""Reports of a note to the curators."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .annotation import Annotation


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="flags"
    )
    reason = models.TextField(max_length=2000)
    created = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            # One open report per user per note: reporting again is not a new flag.
            models.UniqueConstraint(
                fields=["annotation", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_open_per_reporter",
            ),
        ]

    def __str__(self):
        return f"Flag on {self.annotation.uuid} by {self.reporter}"
