"""Sources: where each fact was published, and what each attests."""

from typing import NamedTuple

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from archive.models.base import ExternalIdManager, RecordWithPage, on_a_published_record
from archive.models.links import LinkCheckFields, LinkCheckQuerySet

# How many of the records a source attests its list entry and its API record name.
ATTESTATION_REFS = 20


class Attestation(NamedTuple):
    """What one source attests: totals of published messages and events, and the first few of
    each by id, as (pk, external_id) and (pk, external_id, slug, title)."""

    message_total: int = 0
    event_total: int = 0
    first_messages: tuple = ()
    first_events: tuple = ()


class SourceQuerySet(LinkCheckQuerySet):
    @staticmethod
    def _cited_by(messages, events, discrepancies):
        """Q: cited by one of `messages` or `events`, or read in one of `discrepancies`."""
        from archive.models.discrepancies import DiscrepancyReading

        return (
            Exists(messages.filter(sources=OuterRef("pk")))
            | Exists(events.filter(sources=OuterRef("pk")))
            | Exists(
                DiscrepancyReading.objects.filter(
                    source=OuterRef("pk"), discrepancy__in=discrepancies
                )
            )
        )

    @staticmethod
    def attestations(first=ATTESTATION_REFS):
        """{source pk: Attestation}: for every source that attests a published record, how many
        published messages and events it attests and the first few of each by id. A handful of
        grouped and windowed queries over the citation tables, whatever the sizes: a page of
        sources never loads the ten thousand messages one of them may attest."""
        from archive.models.events import Event
        from archive.models.messages import Message

        found = {}
        for slot, model, fields in (
            (0, Message, ("external_id",)),
            (1, Event, ("external_id", "slug", "title")),
        ):
            name = model._meta.model_name
            published = model.sources.through.objects.filter(**{f"{name}__is_published": True})
            totals = (
                published.values("source_id")
                .annotate(n=Count("pk"))
                .order_by()
                .values_list("source_id", "n")
            )
            for source_id, n in totals:
                found.setdefault(source_id, [0, 0, [], []])[slot] = n
            firsts = (
                published.annotate(
                    rank=Window(
                        RowNumber(),
                        partition_by=F("source_id"),
                        order_by=F(f"{name}__external_id").asc(),
                    )
                )
                .filter(rank__lte=first)
                .order_by("source_id", f"{name}__external_id")
                .values_list("source_id", f"{name}_id", *(f"{name}__{field}" for field in fields))
            )
            for source_id, *record in firsts:
                found[source_id][2 + slot].append(tuple(record))
        return {
            source_id: Attestation(total_m, total_e, tuple(messages), tuple(events))
            for source_id, (total_m, total_e, messages, events) in found.items()
        }

    def named_in(self, messages, events):
        """The sources `messages` or `events` cite (a collection's published ones, say)."""
        from archive.models.discrepancies import Discrepancy

        return self.filter(
            self._cited_by(messages, events, Discrepancy.objects.filter(message__in=messages))
        )

    def public(self):
        """The bibliography readers see: sources a published record cites, and a curator's own
        entries that no record cites (the original article behind the reposts, say). A source
        an import made (`import_batch`) is public only while a published record cites it, and
        one that only records waiting for review or withdrawn records cite is not shown."""
        from archive.models.discrepancies import Discrepancy
        from archive.models.events import Event
        from archive.models.messages import Message

        published = self._cited_by(
            Message.objects.public(),
            Event.objects.public(),
            Discrepancy.objects.filter(on_a_published_record()),
        )
        cited = self._cited_by(
            Message.objects.all(), Event.objects.all(), Discrepancy.objects.all()
        )
        return self.filter(published | (~cited & Q(import_batch__isnull=True)))


class Source(LinkCheckFields, RecordWithPage):
    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", "News article"
        REPOST = "repost", "Repost or quotation of an article"
        BLOG_POST = "blog_post", "Blog post"
        FORUM_POST = "forum_post", "Forum post"
        TWEET = "tweet", "Tweet"
        FACT_CHECK = "fact_check", "Fact check"
        CONGRESSIONAL_RECORD = "congressional_record", "Congressional record"
        OTHER = "other", "Other"

    publisher = models.CharField(max_length=300)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000)
    date_text = models.CharField(
        max_length=200, blank=True, help_text="The publication date exactly as known."
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="The publication day, when it is known."
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.NEWS_ARTICLE)
    archived_url = models.URLField(max_length=1000, blank=True)
    note = models.TextField(blank=True)

    # The import that made it (a CSV transcription's source_url), or null for a curator's own.
    import_batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="sources",
    )

    objects = ExternalIdManager.from_queryset(SourceQuerySet)()
    page_url_name = "archive:source_detail"
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("title", "publisher", "note")

    class Meta:
        ordering = ["external_id"]

    def __str__(self):
        return f"{self.publisher}: {self.title}"
