"""Events around the correspondence, dated like messages."""

from django.db import models
from django.db.models import F, Q

from archive.models.authenticity import AuthenticityRecord
from archive.models.base import (
    DatedRecord,
    ExternalIdManager,
    PublishingQuerySet,
    _date_range_constraint,
    first_published_field,
    note_first_publication,
)
from archive.models.collections import default_collection
from archive.models.messages import Message
from archive.models.people import Person
from archive.models.slugs import event_slug
from archive.models.sources import Source


class EventQuerySet(PublishingQuerySet):
    def chronological(self):
        return self.order_by(F("date_earliest").asc(nulls_last=True), "external_id")


class Event(DatedRecord, AuthenticityRecord):
    collection = models.ForeignKey(
        "Collection",
        on_delete=models.PROTECT,
        related_name="events",
        default=default_collection,
        help_text="The collection it belongs to.",
    )

    class Kind(models.TextChoices):
        CORRESPONDENCE = "correspondence", "Correspondence"
        PUBLICATION = "publication", "Publication or leak"
        STATEMENT = "statement", "Public statement"
        CAMPAIGN = "campaign", "Campaign event"
        INVESTIGATION = "investigation", "Investigation"
        OTHER = "other", "Other"

    external_id = models.SlugField(max_length=20, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField()
    participants = models.ManyToManyField(Person, related_name="events", blank=True)
    messages = models.ManyToManyField(Message, related_name="events", blank=True)
    sources = models.ManyToManyField(Source, related_name="events")
    is_published = models.BooleanField(default=True)
    noindex = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Ask search engines not to index its page (robots noindex; left out of the "
        "sitemap).",
    )
    first_published_at = first_published_field()

    objects = ExternalIdManager.from_queryset(EventQuerySet)()
    page_url_name = "archive:event_detail"
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("title", "description")

    CORRECTABLE_FIELDS = [
        "title",
        "description",
        "kind",
        "date_earliest",
        "date_latest",
        "time_note",
    ]

    class Meta:
        ordering = ["date_earliest", "external_id"]
        constraints = [_date_range_constraint("event_date_range_ordered")]
        indexes = [
            models.Index(fields=["is_published", "date_earliest"], name="event_list_idx"),
            # The timeline reads published events a keyset page at a time in this order.
            models.Index(
                fields=["date_earliest", "external_id"],
                name="event_timeline_idx",
                condition=Q(is_published=True),
            ),
            models.Index(
                fields=["first_published_at", "id"],
                name="event_first_published_idx",
                condition=Q(is_published=True, first_published_at__isnull=False),
            ),
        ]

    @property
    def is_noindex(self):
        """Whether its page asks not to be indexed: it, or its collection."""
        return self.noindex or self.collection.noindex

    def __str__(self):
        return f"{self.external_id}: {self.title}"

    def save(self, *args, **kwargs):
        note_first_publication(self)
        if not self.slug:
            self.slug = event_slug(self.external_id, self.title)
        super().save(*args, **kwargs)

    @property
    def page_key(self):
        return self.slug
