"""The evidence: people, accounts, sources, threads, messages, events and where sources disagree.

Nothing here imports from the annotations app: the archive loads, browses and curates on its own.
"""

import datetime
import difflib
import statistics
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from . import dates
from .links import LinkCheckFields, LinkCheckQuerySet
from .search.fields import FullTextColumn, SearchEntry, search_entry
from .slugs import event_slug


class ExternalIdManager(models.Manager):
    """Natural keys: every record is found by its stable external id, never its primary key."""

    def get_by_natural_key(self, external_id):
        return self.get(external_id=external_id)


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

    def in_published_records(self):
        """People a public record names: a sender or recipient of a published message, or a
        participant in a published event. Choice lists offer these and no one else."""
        return self.filter(self._named_by(Message.objects.published(), Event.objects.published()))

    def public(self):
        """The people readers may look up: those a published record names, and no one else.
        Someone named only by records waiting for review (an import not yet published), by
        withdrawn or deleted ones, or left without accounts by a merge is not shown."""
        return self.in_published_records()

    def with_message_counts(self):
        """Per person: messages sent, and how many of those got a (published) reply."""
        sent = (
            Message.objects.published()
            .filter(sender__person=OuterRef("pk"))
            .order_by()
            .values("sender__person")
            .annotate(n=Count("pk"))
            .values("n")
        )
        answered = (
            Message.objects.published()
            .answered()
            .filter(sender__person=OuterRef("pk"))
            .order_by()
            .values("sender__person")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            sent_count=Coalesce(Subquery(sent), 0),
            answered_count=Coalesce(Subquery(answered), 0),
        )


class Person(models.Model):
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
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("name", "description")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.external_id,)

    @property
    def slug(self):
        return self.external_id

    def get_absolute_url(self):
        return reverse("archive:person_detail", args=[self.external_id])


class Account(models.Model):
    class Platform(models.TextChoices):
        TWITTER = "twitter", "Twitter"
        EMAIL = "email", "E-mail"
        TELEGRAM = "telegram", "Telegram"
        WHATSAPP = "whatsapp", "WhatsApp"
        OTHER = "other", "Other"

    external_id = models.SlugField(max_length=80, unique=True)
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

    def natural_key(self):
        return (self.external_id,)


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

    def public(self):
        """The bibliography readers see: sources a published record cites, and a curator's own
        entries that no record cites (the original article behind the reposts, say). A source
        an import made (`import_batch`) is public only while a published record cites it, and
        one that only records waiting for review or withdrawn records cite is not shown."""
        published = self._cited_by(
            Message.objects.published(),
            Event.objects.published(),
            Discrepancy.objects.filter(Q(message__is_published=True) | Q(event__is_published=True)),
        )
        cited = self._cited_by(
            Message.objects.all(), Event.objects.all(), Discrepancy.objects.all()
        )
        return self.filter(published | (~cited & Q(import_batch__isnull=True)))


class Source(LinkCheckFields, models.Model):
    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", "News article"
        REPOST = "repost", "Repost or quotation of an article"
        BLOG_POST = "blog_post", "Blog post"
        FORUM_POST = "forum_post", "Forum post"
        TWEET = "tweet", "Tweet"
        FACT_CHECK = "fact_check", "Fact check"
        CONGRESSIONAL_RECORD = "congressional_record", "Congressional record"
        OTHER = "other", "Other"

    external_id = models.SlugField(max_length=80, unique=True)
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
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("title", "publisher", "note")

    class Meta:
        ordering = ["external_id"]

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    def natural_key(self):
        return (self.external_id,)

    def get_absolute_url(self):
        return reverse("archive:source_detail", args=[self.external_id])


class ThreadQuerySet(models.QuerySet):
    def in_published_records(self):
        """Conversations holding at least one published message: the ones a reader can open
        from a message, and the ones the API lists."""
        return self.filter(Exists(Message.objects.published().filter(thread=OuterRef("pk"))))


class Thread(models.Model):
    external_id = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    participants = models.ManyToManyField(Account, related_name="threads", blank=True)

    objects = ExternalIdManager.from_queryset(ThreadQuerySet)()

    class Meta:
        ordering = ["external_id"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.external_id,)

    def get_absolute_url(self):
        return reverse("archive:thread_detail", args=[self.external_id])


class DatedRecord(models.Model):
    """Honest time: a day range (equal when certain, null when unknown) and what sources say."""

    date_earliest = models.DateField(null=True, blank=True, db_index=True)
    date_latest = models.DateField(null=True, blank=True)
    time_note = models.TextField(blank=True, help_text="What the sources state about the time.")

    class Meta:
        abstract = True

    @property
    def date_display(self):
        return dates.format_date_range(self.date_earliest, self.date_latest)

    @property
    def date_is_exact(self):
        return self.date_earliest is not None and self.date_earliest == self.date_latest

    @property
    def last_corrected(self):
        """When the curators last corrected this record's evidence (None if never).

        Reads `corrections.all()`, so pages that show or cite it prefetch "corrections".
        """
        return max((c.created for c in self.corrections.all()), default=None)


def _date_range_constraint(name):
    return models.CheckConstraint(
        condition=Q(date_earliest__isnull=True)
        | Q(date_latest__isnull=True)
        | Q(date_earliest__lte=F("date_latest")),
        name=name,
        violation_error_message="The earliest date must not be after the latest date.",
    )


class PublishingQuerySet(models.QuerySet):
    """Published records, and publishing them: the one place a record becomes public in bulk."""

    def published(self):
        return self.filter(is_published=True)

    def publish(self):
        """Publish these records; those never published before are dated now (see
        `first_published_at`). Returns how many rows were updated."""
        return self.update(
            is_published=True,
            first_published_at=Coalesce(F("first_published_at"), Value(timezone.now())),
        )


def note_first_publication(record):
    """Date a record's first publication, once: when it is saved published for the first time."""
    if record.is_published and record.first_published_at is None:
        record.first_published_at = timezone.now()


# When a record first became public: set by the archive (a save, the admin's publish actions, an
# import with --publish, `load_archive`), never typed in. Empty for a record published before the
# archive kept it: that moment is not known, so the records feed leaves such a record out of "new".
def first_published_field():
    return models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the record was first published (set by the archive).",
    )


class MessageQuerySet(PublishingQuerySet):
    def for_list(self):
        """What a list of messages shows: sender, recipients, thread, reply counts."""
        return (
            self.select_related("sender__person", "thread", "in_reply_to")
            .prefetch_related("recipients__person")
            .with_reply_counts()
        )

    def with_reply_counts(self):
        published_replies = (
            Message.objects.published()
            .filter(in_reply_to=OuterRef("pk"))
            .order_by()
            .values("in_reply_to")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(reply_count=Coalesce(Subquery(published_replies), 0))

    def sent_by(self, person):
        # By the person's account ids (prefetched, or one small query) rather than a join
        # through accounts: with one account the sender index yields rows already in date order.
        return self.filter(sender__in=[account.pk for account in person.accounts.all()])

    def received_by(self, person):
        # EXISTS rather than a join + DISTINCT, so the date index keeps serving the order.
        return self.filter(
            Exists(
                Message.recipients.through.objects.filter(
                    message=OuterRef("pk"), account__person=person
                )
            )
        )

    def answered(self):
        return self.filter(Exists(Message.objects.published().filter(in_reply_to=OuterRef("pk"))))

    def unanswered(self):
        return self.exclude(Exists(Message.objects.published().filter(in_reply_to=OuterRef("pk"))))

    # Both orders are (date, position, id), one the exact reverse of the other, so one partial
    # index per filter (Message.Meta.indexes) serves either sort without sorting the rows.
    # Undated messages come last either way.
    def chronological(self):
        return self.order_by(F("date_earliest").asc(nulls_last=True), "position", "pk")

    def newest_first(self):
        return self.order_by(F("date_earliest").desc(nulls_last=True), "-position", "-pk")


@dataclass(frozen=True)
class Latency:
    """How long a reply took: computed from two attested times, or as a source reports it."""

    duration: timedelta
    is_reported: bool

    @classmethod
    def median(cls, latencies):
        """The median of several latencies; reported if any of them is reported. None if none."""
        latencies = list(latencies)
        if not latencies:
            return None
        return cls(
            statistics.median(latency.duration for latency in latencies),
            is_reported=any(latency.is_reported for latency in latencies),
        )

    @property
    def label(self):
        text = dates.format_duration(self.duration)
        return f"about {text} (reported)" if self.is_reported else f"{text} (computed)"


@dataclass(frozen=True)
class AnswerRate:
    """How many of someone's messages got a reply: the one place the share is worked out.

    `percent` is None when nothing was sent (a rate of nothing is unknown, not 0%); it then
    shows as "—".
    """

    answered: int
    sent: int

    @property
    def percent(self):
        return round(100 * self.answered / self.sent) if self.sent else None

    def __str__(self):
        return "—" if self.percent is None else f"{self.percent}%"


class Message(DatedRecord):
    class Channel(models.TextChoices):
        DIRECT_MESSAGE = "direct_message", "Direct message"
        PUBLIC_TWEET = "public_tweet", "Public tweet"
        EMAIL = "email", "E-mail"
        CHAT = "chat", "Chat message"

    class TextStatus(models.TextChoices):
        VERBATIM = "verbatim", "Verbatim"
        EXCERPT = "excerpt", "Excerpt"
        SUMMARY = "summary", "Summary"

    external_id = models.SlugField(max_length=80, unique=True)
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    position = models.PositiveIntegerField(help_text="Order in the thread (1 = first).")
    sender = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sent_messages")
    recipients = models.ManyToManyField(Account, related_name="received_messages", blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    text = models.TextField(
        help_text="The message's words if verbatim or excerpted; otherwise our summary."
    )
    text_status = models.CharField(max_length=10, choices=TextStatus.choices)
    summary = models.TextField(blank=True, help_text="The curator's summary of the message.")
    curator_note = models.TextField(
        blank=True, help_text="Confidence and caveats: how well the sources establish this."
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Only when a source attests a clock time."
    )
    sent_at_timezone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA zone the clock time was given in (e.g. America/New_York); blank when "
        "no source states one, and then sent_at holds the stated clock time as UTC.",
    )
    sent_at_timezone_inferred = models.BooleanField(
        default=False, help_text="The zone is inferred by the curators, not stated by a source."
    )
    reported_delay = models.DurationField(
        null=True, blank=True, help_text="A reply's delay as a source states it (e.g. 1:30:00)."
    )
    links = models.JSONField(
        default=list, blank=True, help_text="Links and attachment ids in the message."
    )
    sources = models.ManyToManyField(Source, related_name="messages")
    is_published = models.BooleanField(default=True)
    first_published_at = first_published_field()
    # Provenance of an imported message (archive/importing/): the batch, the identifier the
    # original file gave it, and its original unparsed form. Written once, never edited.
    import_batch = models.ForeignKey(
        "ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    original_id = models.CharField(
        max_length=500,
        blank=True,
        help_text="The identifier in the imported file: Message-ID, tweet or DM id, Telegram "
        "message id, WhatsApp line number, CSV id.",
    )
    original = models.JSONField(
        null=True, blank=True, help_text="The imported item as it was in the file, unparsed."
    )

    objects = ExternalIdManager.from_queryset(MessageQuerySet)()
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("text", "summary")

    # The evidence: a change to any of these by a curator is a public Correction.
    CORRECTABLE_FIELDS = [
        "text",
        "text_status",
        "summary",
        "sender",
        "channel",
        "in_reply_to",
        "date_earliest",
        "date_latest",
        "sent_at",
        "sent_at_timezone",
        "time_note",
        "reported_delay",
    ]
    # Set to True before full_clean()/save() to insert at a taken position: the message there
    # and every later one move down one place (see make_room) instead of the save being refused.
    make_room_on_save = False
    moved_down = ()  # after such a save: the external ids that moved down one place
    # Filled in by whoever keeps things anchored in the text (the annotations app's post_save
    # receiver), so the curator can be told what a text correction moved; the archive itself
    # never looks inside: a list of {"label", "lost"} dicts.
    anchor_report = ()

    class Meta:
        ordering = ["thread", "position"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="message_unique_position"),
            _date_range_constraint("message_date_range_ordered"),
            models.CheckConstraint(condition=Q(position__gte=1), name="message_position_positive"),
            models.CheckConstraint(
                condition=Q(reported_delay__isnull=True)
                | (Q(in_reply_to__isnull=False) & Q(reported_delay__gt=timedelta(0))),
                name="message_reported_delay_on_replies_only",
                violation_error_message="Only a reply can have a (positive) reported delay.",
            ),
        ]
        # The public lists read published messages only, in (date, position, id) order, unfiltered
        # or narrowed by one of these columns: a partial index for each serves the filter and
        # the order together, so a page of 50 reads about 50 index entries at any size.
        indexes = [
            models.Index(
                fields=[*prefix, "date_earliest", "position", "id"],
                name=f"message_{name}_idx",
                condition=Q(is_published=True),
            )
            for name, prefix in [
                ("published", []),
                ("sender", ["sender"]),
                ("channel", ["channel"]),
                ("thread", ["thread"]),
                ("status", ["text_status"]),
            ]
        ] + [
            # A thread read as a chat, in its own order, a keyset page at a time.
            models.Index(
                fields=["thread", "position", "id"],
                name="message_thread_order_idx",
                condition=Q(is_published=True),
            ),
            # The records feed: the messages published last.
            models.Index(
                fields=["first_published_at", "id"],
                name="message_first_published_idx",
                condition=Q(is_published=True, first_published_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.external_id}: {self.sender} ({self.date_display})"

    def natural_key(self):
        return (self.external_id,)

    def get_absolute_url(self):
        return reverse("archive:message_detail", args=[self.external_id])

    def clean(self):
        errors = {}
        if self.sent_at_timezone and not dates.is_known_zone(self.sent_at_timezone):
            errors["sent_at_timezone"] = (
                f"“{self.sent_at_timezone}” is not a time zone: give an IANA name such as "
                "America/New_York or Europe/London, or a UTC offset such as +02:00."
            )
        if self.in_reply_to_id and self.in_reply_to:
            if self.in_reply_to.thread_id != self.thread_id:
                errors["in_reply_to"] = "A reply must be in the same thread as its parent."
            elif self.position is not None and self.position <= self.in_reply_to.position:
                errors["in_reply_to"] = "A reply must come after its parent in the thread."
        if self.pk and self.position is not None and self.thread_id:
            # The database checks a reply against its parent when the reply is written; moving
            # the parent must not put it after (or away from) its replies either.
            stranded = (
                Message.objects.filter(in_reply_to=self.pk)
                .filter(~Q(thread_id=self.thread_id) | Q(position__lt=self.position))
                .order_by("position")
                .values_list("external_id", flat=True)
            )
            if stranded:
                errors["position"] = (
                    f"{', '.join(stranded)} replies to this message and would come before it "
                    "(or in another thread). Move the replies first."
                )
        if errors:
            raise ValidationError(errors)

    def get_constraints(self):
        constraints = super().get_constraints()
        if not self.make_room_on_save:
            return constraints
        # The save frees the position first (make_room), so only the unique-position rule is set
        # aside in validation; every other rule on the position still applies.
        return [
            (model, [c for c in model_constraints if c.name != "message_unique_position"])
            for model, model_constraints in constraints
        ]

    def save(self, *args, **kwargs):
        note_first_publication(self)
        if not self.make_room_on_save:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            self.moved_down = self.make_room()
            super().save(*args, **kwargs)
        self.make_room_on_save = False

    def make_room(self):
        """Free self.position in self.thread: the message there and every later one move down one.

        Returns the external ids that moved. Rows move one at a time from the last, so no two
        ever share a position (the unique constraint is not deferrable) and each reply stays
        after its parent at every step (the reply-order triggers check each row as it is
        written). A message moving up its own thread is first parked after the last one, and
        only the messages between its new and old places move, into the place it left.
        """
        with transaction.atomic():
            # Serialise curators inserting into the same thread (a no-op lock on SQLite, whose
            # write transactions are serial anyway).
            list(Thread.objects.select_for_update().filter(pk=self.thread_id).values("pk"))
            others = Message.objects.filter(thread_id=self.thread_id).exclude(pk=self.pk)
            if not others.filter(position=self.position).exists():
                return []
            later = others.filter(position__gte=self.position)
            old_position = (
                Message.objects.filter(pk=self.pk, thread_id=self.thread_id)
                .values_list("position", flat=True)
                .first()
                if self.pk
                else None
            )
            if old_position is not None and old_position > self.position:
                last = others.aggregate(last=Max("position"))["last"]
                Message.objects.filter(pk=self.pk).update(position=max(last, old_position) + 1)
                later = later.filter(position__lt=old_position)
            moving = list(later.order_by("-position").values_list("pk", "external_id"))
            for pk, _ in moving:
                Message.objects.filter(pk=pk).update(position=F("position") + 1)
            return [external_id for _, external_id in reversed(moving)]

    def order_conflicts(self):
        """Where the position contradicts the dates: ['m12 (Jul 2017) comes before it', …].

        Compared with the nearest dated message on each side, and only when the day ranges
        cannot overlap, so an uncertain date never raises a false alarm.
        """
        if self.date_earliest is None or self.position is None:
            return []
        dated = Message.objects.filter(
            thread_id=self.thread_id, date_earliest__isnull=False
        ).exclude(pk=self.pk)
        before = dated.filter(position__lt=self.position).order_by("-position").first()
        after = dated.filter(position__gt=self.position).order_by("position").first()
        latest = self.date_latest or self.date_earliest
        conflicts = []
        if before and latest < before.date_earliest:
            conflicts.append(
                f"{before.external_id} ({before.date_display}) comes before it at position "
                f"{before.position} but is dated later"
            )
        if after and self.date_earliest > (after.date_latest or after.date_earliest):
            conflicts.append(
                f"{after.external_id} ({after.date_display}) comes after it at position "
                f"{after.position} but is dated earlier"
            )
        return conflicts

    @property
    def is_verbatim(self):
        return self.text_status == self.TextStatus.VERBATIM

    @property
    def time_display(self):
        """The clock time at its honest precision, or '' when no time is attested."""
        if not self.sent_at:
            return ""
        return dates.format_clock_time(
            self.sent_at, self.sent_at_timezone, self.sent_at_timezone_inferred
        )

    @property
    def response_latency(self):
        """Computed from two attested times when both exist, else the reported delay."""
        parent = self.in_reply_to
        if parent is None:
            return None
        if self.sent_at and parent.sent_at:
            return Latency(self.sent_at - parent.sent_at, is_reported=False)
        if self.reported_delay:
            return Latency(self.reported_delay, is_reported=True)
        return None


class EventQuerySet(PublishingQuerySet):
    def chronological(self):
        return self.order_by(F("date_earliest").asc(nulls_last=True), "external_id")


class Event(DatedRecord):
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
    first_published_at = first_published_field()

    objects = ExternalIdManager.from_queryset(EventQuerySet)()
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

    def __str__(self):
        return f"{self.external_id}: {self.title}"

    def natural_key(self):
        return (self.external_id,)

    def save(self, *args, **kwargs):
        note_first_publication(self)
        if not self.slug:
            self.slug = event_slug(self.external_id, self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("archive:event_detail", args=[self.slug])


class DiscrepancyQuerySet(models.QuerySet):
    def with_two_readings(self):
        """Real disagreements only: two or more sources' readings (one reading disputes nothing).

        Every public page that lists discrepancies or their readings goes through this."""
        return self.alias(reading_total=Count("readings")).filter(
            reading_total__gte=Discrepancy.MIN_READINGS
        )


class Discrepancy(models.Model):
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

    external_id = models.SlugField(max_length=80, unique=True)
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

    def natural_key(self):
        return (self.external_id,)

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


class ImportBatch(models.Model):
    """One import of one file (archive/importing/): what it was, who ran it, what it did."""

    class Format(models.TextChoices):
        MBOX = "mbox", "mbox mailbox"
        EML = "eml", "Folder of .eml files"
        TWITTER = "twitter", "Twitter/X archive"
        TELEGRAM = "telegram", "Telegram Desktop export"
        WHATSAPP = "whatsapp", "WhatsApp chat export"
        CSV = "csv", "CSV transcription"

    file_name = models.CharField(max_length=500)
    file_size = models.BigIntegerField()
    sha256 = models.CharField(
        max_length=64,
        unique=True,
        help_text="Of the file (of a folder: of its files' names and hashes).",
    )
    format = models.CharField(max_length=20, choices=Format.choices)
    importer_version = models.CharField(max_length=20)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_by_name = models.CharField(
        max_length=200, help_text="Who ran it, as known when it ran (a user, or the command)."
    )
    created = models.DateTimeField(default=timezone.now)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.file_name} ({self.get_format_display()}, {self.created:%Y-%m-%d %H:%M})"


class ImportUploadQuerySet(models.QuerySet):
    def uploaded_by(self, user):
        """The uploads a curator made: only they see and confirm them."""
        return self.filter(uploaded_by=user)


class ImportUpload(models.Model):
    """A file uploaded in the admin: checked (dry run), then imported, each step by a background
    task (archive/importing/tasks.py) whose progress the upload's status page shows."""

    class Step(models.TextChoices):
        DRY_RUN = "dry_run", "Dry run"
        IMPORT = "import", "Import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.CharField(max_length=32, unique=True, help_text="Its pending folder's name.")
    file_name = models.CharField(max_length=200)
    file_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    format = models.CharField(max_length=20, blank=True, help_text="Blank: detected.")
    thread = models.SlugField(max_length=200, blank=True)
    publish = models.BooleanField(default=False)
    skip_invalid = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.DRY_RUN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    report = models.JSONField(default=dict, blank=True)
    # Why the file cannot be imported as it is (messages that failed): it cannot be confirmed.
    refused = models.TextField(blank=True)
    error = models.TextField(blank=True)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    already_imported = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(step__in=["dry_run", "import"]), name="importupload_step_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="importupload_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.file_name} ({self.get_step_display()}: {self.get_status_display()})"

    @property
    def is_waiting(self):
        """Queued or running: its status page refreshes until the task is over."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def can_be_confirmed(self):
        return (
            self.step == self.Step.DRY_RUN
            and self.status == self.Status.DONE
            and not self.refused
            and self.already_imported_id is None
        )

    @property
    def format_label(self):
        return ImportBatch.Format(self.format).label if self.format else "format not detected"

    def record_result(self, result):
        """The step ran: keep what it found (a dry run) or did (an import)."""
        self.format, self.file_size, self.sha256 = result.format, result.size, result.sha256
        self.report, self.refused = result.report, result.refused
        self.batch, self.already_imported = result.batch, result.already_imported
        self.status, self.finished = self.Status.DONE, timezone.now()
        self.save()

    def record_failure(self, error):
        """The step stopped: say why; whatever it wrote was rolled back."""
        self.status, self.error, self.finished = self.Status.FAILED, error, timezone.now()
        self.save(update_fields=["status", "error", "finished"])


class Attachment(models.Model):
    """A file attached to an imported message: recorded, hashed, kept for curators."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=200)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=500, blank=True)

    class Meta:
        ordering = ["message", "pk"]

    def __str__(self):
        return self.name or f"attachment {self.pk}"


class LoadedFixture(models.Model):
    """What `load_archive` last wrote for one record: tells a curator's later edit from ours.

    A record whose current fingerprint differs from the one stored here was changed since it
    was loaded (in the admin), and loading keeps it unless asked to overwrite.
    """

    model = models.CharField(max_length=100, help_text="e.g. archive.message")
    natural_key = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "natural_key"], name="loadedfixture_unique")
        ]

    def __str__(self):
        return f"{self.model} {self.natural_key}"


class Correction(models.Model):
    """A curator's change to a record's evidence, kept as the record's public change log."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(
        default=list, help_text='[{"field": "text", "label": "Text", "before": …, "after": …}]'
    )
    note = models.TextField(blank=True, help_text="The curators' reason, shown to readers.")

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(message__isnull=False) & Q(event__isnull=True))
                | (Q(message__isnull=True) & Q(event__isnull=False)),
                name="correction_exactly_one_record",
            ),
        ]

    def __str__(self):
        record = self.message or self.event
        return f"Correction of {record.external_id} at {self.created:%Y-%m-%d %H:%M}"

    @property
    def anchor(self):
        """'correction-20161003T201000123456Z': its place on the record's page, by its UTC time
        (stable across a reload of the database, unlike its key)."""
        return f"correction-{self.created.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}"

    @classmethod
    def record(cls, before, after, editor=None, note=""):
        """Keep what changed in the evidence between two versions of a message or event.

        Returns the new Correction, or None when no evidence field changed.
        """
        changes = []
        for name in after.CORRECTABLE_FIELDS:
            field = after._meta.get_field(name)
            old, new = _shown_value(before, field), _shown_value(after, field)
            if old != new:
                label = capfirst(field.verbose_name)
                changes.append({"field": name, "label": label, "before": old, "after": new})
        if not changes:
            return None
        return cls.objects.create(
            **{after._meta.model_name: after}, editor=editor, changes=changes, note=note
        )

    def readable_changes(self):
        """Each change for a reader: a short value whole ('was: …'), a long text as the words
        that changed with a few words around them, so a one-word fix reads as one word."""
        readable = []
        for change in self.changes:
            before, after = change.get("before", ""), change.get("after", "")
            edits = None
            if len(before) > LONG_VALUE and len(after) > LONG_VALUE:
                edits = word_edits(before, after)
            readable.append({**change, "edits": edits})
        return readable


# Values longer than this are shown as their changed words, not whole.
LONG_VALUE = 80
CONTEXT_WORDS = 4


def word_edits(before, after):
    """[{'before_context', 'removed', 'added', 'after_context'}, …]: the words that changed."""
    old, new = before.split(), after.split()
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            {
                "before_context": " ".join(old[max(0, i1 - CONTEXT_WORDS) : i1]),
                "removed": " ".join(old[i1:i2]),
                "added": " ".join(new[j1:j2]),
                "after_context": " ".join(old[i2 : i2 + CONTEXT_WORDS]),
            }
        )
    return edits


def _shown_value(record, field):
    """A field's value as a reader would read it (a name, a label, an ISO date), '' if empty."""
    if field.is_relation:
        related = getattr(record, field.name)
        return str(related) if related is not None else ""
    value = field.value_from_object(record)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# The full-text index of each searchable record (archive/search/): unmanaged, since the
# migrations make them on SQLite only, as FTS5 tables kept in step by triggers.
class MessageSearchEntry(SearchEntry):
    record = search_entry(Message)
    document = FullTextColumn(db_column="archive_message_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_message_fts"


class EventSearchEntry(SearchEntry):
    record = search_entry(Event)
    document = FullTextColumn(db_column="archive_event_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_event_fts"


class PersonSearchEntry(SearchEntry):
    record = search_entry(Person)
    document = FullTextColumn(db_column="archive_person_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_person_fts"


class SourceSearchEntry(SearchEntry):
    record = search_entry(Source)
    document = FullTextColumn(db_column="archive_source_fts")

    class Meta(SearchEntry.Meta):
        db_table = "archive_source_fts"


class DatasetRelease(models.Model):
    """One versioned dataset release (archive/release.py): its zip, checksum and counts."""

    version = models.CharField(max_length=40, unique=True)
    date = models.DateField(help_text="The date the release carries (in its manifest).")
    licence = models.CharField(max_length=100)
    file_name = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict, help_text='{"messages": 24, "notes": 9, …}')
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-created", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.date})"

    def get_absolute_url(self):
        return reverse("archive:data_download", args=[self.file_name])


class Counter(models.Model):
    """A number every worker and app server shares, kept in the database: the cached figures'
    generation (archive/caching.py) and the rate-limit counters (annotations/throttling.py).

    In the database rather than the cache, so that it holds with the per-process default cache
    and while Redis is down, and a count cannot be lost with an evicted or unreachable key.
    `expires_at` lets a rate-limit window's counter be cleaned up once it has passed.
    """

    name = models.CharField(max_length=200, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"{self.name} = {self.value}"
