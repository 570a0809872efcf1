"""A note's source links (checked for link rot like the archive's own)."""

from django.db import models
from django.db.models import Q

from archive.models.links import LinkCheckFields, LinkCheckQuerySet

from .annotation import Annotation
from .validators import http_url_validator, reject_invisible_controls


class SourceLinkManager(models.Manager.from_queryset(LinkCheckQuerySet)):
    def get_by_natural_key(self, annotation_uuid, url):
        return self.get(annotation__uuid=annotation_uuid, url=url)


class SourceLink(LinkCheckFields, models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(max_length=2000, validators=[http_url_validator])
    title = models.CharField(max_length=300, blank=True, validators=[reject_invisible_controls])
    publisher = models.CharField(max_length=200, blank=True, validators=[reject_invisible_controls])
    accessed_on = models.DateField(null=True, blank=True)
    archived_url = models.URLField(max_length=2000, blank=True, validators=[http_url_validator])

    objects = SourceLinkManager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["annotation", "url"], name="sourcelink_unique_url"),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="sourcelink_http_only",
            ),
        ]

    def __str__(self):
        return self.title or self.url

    def natural_key(self):
        return (str(self.annotation.uuid), self.url)

    natural_key.dependencies = ["annotations.annotation"]
