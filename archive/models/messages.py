"""Conversations (threads) and their messages, with reply latency and answer rates."""

import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery

from archive.models import dates, mail_text
from archive.models.authenticity import AuthenticityRecord
from archive.models.base import (
    DatedRecord,
    ExternalIdManager,
    PublishingQuerySet,
    RecordWithPage,
    _date_range_constraint,
    first_published_field,
    note_first_publication,
)
from archive.models.collections import default_collection
from archive.models.people import Account
from archive.models.sources import Source
from lib.counting import count_per_row

# The channels in which a message awaits an answer (turn-taking infers them; a public tweet is
# addressed to no one in particular).
TURN_CHANNELS = ("direct_message", "chat")
# A message after this long a silence answers nothing by turn-taking (the conversation view's
# "days of silence" begin at the same length).
TURN_SILENCE = timedelta(days=7)


class ThreadQuerySet(models.QuerySet):
    def public(self):
        """Conversations holding at least one published message: the ones a reader can open
        from a message, and the ones the API, downloads and the sitemap list."""
        return self.filter(Exists(Message.objects.public().filter(thread=OuterRef("pk"))))


class Thread(RecordWithPage):
    collection = models.ForeignKey(
        "Collection",
        on_delete=models.PROTECT,
        related_name="threads",
        default=default_collection,
        help_text="The collection it belongs to; its messages follow it.",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    participants = models.ManyToManyField(Account, related_name="threads", blank=True)

    objects = ExternalIdManager.from_queryset(ThreadQuerySet)()
    page_url_name = "archive:thread_detail"

    class Meta:
        ordering = ["external_id"]

    def __str__(self):
        return self.title

    def answers_by_turns(self):
        """Whether this conversation's answers are inferred from turn-taking: none of its
        published messages links the one it answers, and some await an answer."""
        published = Message.objects.public().filter(thread=self)
        return (
            not published.filter(in_reply_to__isnull=False).exists()
            and published.awaiting_answers().exists()
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
        return self.annotate(reply_count=count_per_row(Message.objects.public(), "in_reply_to"))

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
        return self.filter(Exists(Message.objects.public().filter(in_reply_to=OuterRef("pk"))))

    def unanswered(self):
        return self.exclude(Exists(Message.objects.public().filter(in_reply_to=OuterRef("pk"))))

    # Turn-taking: where a conversation's data carries no reply links (a Twitter DM thread, a
    # WhatsApp chat, a CSV without in_reply_to), a direct or chat message counts as answered
    # when the next message of the conversation is someone else's: "inferred from
    # turn-taking", never mixed with answers the data links.
    def without_reply_links(self):
        """Messages of conversations in which no published message links the one it answers."""
        linked = Message.objects.public().filter(
            thread=OuterRef("thread"), in_reply_to__isnull=False
        )
        return self.exclude(Exists(linked))

    def awaiting_answers(self):
        """Messages that await an answer: direct and chat messages (a public tweet does not)."""
        return self.filter(channel__in=TURN_CHANNELS)

    def with_turns(self):
        """Each message with the published messages before and after it in its conversation:
        `previous_sender_id`, `previous_external_id`, `previous_sent_at`, `next_sender_id`."""
        later = (
            Message.objects.public()
            .filter(thread=OuterRef("thread"), position__gt=OuterRef("position"))
            .order_by("position")
        )
        earlier = (
            Message.objects.public()
            .filter(thread=OuterRef("thread"), position__lt=OuterRef("position"))
            .order_by("-position")
        )
        return self.annotate(
            next_sender_id=Subquery(later.values("sender_id")[:1]),
            next_date=Subquery(later.values("date_earliest")[:1]),
            previous_sender_id=Subquery(earlier.values("sender_id")[:1]),
            previous_external_id=Subquery(earlier.values("external_id")[:1]),
            previous_sent_at=Subquery(earlier.values("sent_at")[:1]),
            previous_date=Subquery(earlier.values("date_latest")[:1]),
        )

    def answered_by_turns(self):
        """Messages awaiting an answer whose next message is someone else's."""
        later = (
            Message.objects.public()
            .filter(thread=OuterRef("thread"), position__gt=OuterRef("position"))
            .order_by("position")
        )
        return (
            self.awaiting_answers()
            .annotate(
                turn_next_sender=Subquery(later.values("sender_id")[:1]),
                turn_next_date=Subquery(later.values("date_earliest")[:1]),
            )
            .filter(turn_next_sender__isnull=False)
            .exclude(turn_next_sender=F("sender_id"))
            # After a long silence the next message starts anew; it answers nothing. (Undated
            # messages are judged by their order alone.)
            .exclude(turn_next_date__gt=F("date_latest") + TURN_SILENCE)
        )

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


class Message(DatedRecord, AuthenticityRecord):
    class Channel(models.TextChoices):
        DIRECT_MESSAGE = "direct_message", "Direct message"
        PUBLIC_TWEET = "public_tweet", "Public tweet"
        EMAIL = "email", "E-mail"
        CHAT = "chat", "Chat message"

    class TextStatus(models.TextChoices):
        VERBATIM = "verbatim", "Verbatim"
        EXCERPT = "excerpt", "Excerpt"
        SUMMARY = "summary", "Summary"

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    position = models.PositiveIntegerField(help_text="Order in the thread (1 = first).")
    sender = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="sent_messages")
    recipients = models.ManyToManyField(Account, related_name="received_messages", blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    text = models.TextField(
        help_text="The message's words if verbatim or excerpted; otherwise our summary."
    )
    text_status = models.CharField(max_length=10, choices=TextStatus.choices)
    # An e-mail's own fields, as evidence: its subject (the message's heading), and From, To,
    # Cc, Bcc (each a list of {"name", "address"}), Date and Message-ID as the headers gave them.
    # (Database defaults too: the synthetic archive's writer inserts rows with plain SQL.)
    subject = models.CharField(
        max_length=1000, blank=True, default="", db_default="", help_text="An e-mail's subject."
    )
    mail_headers = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        help_text='An e-mail\'s "from", "to", "cc", "bcc" (lists of {"name", "address"}), '
        '"date" and "message_id", as its headers gave them.',
    )
    # What search reads beside the words: the names and addresses of an e-mail's people and
    # the names of its attachments (written by the import; archive/search/schema.py indexes it).
    header_text = models.TextField(blank=True, default="", db_default="", editable=False)
    summary = models.TextField(blank=True, help_text="The curator's summary of the message.")
    curator_note = models.TextField(
        blank=True, help_text="Confidence and caveats: how well the sources establish this."
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    in_reply_to_inferred = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The reply link is inferred by the import (same subject and participants), "
        "not stated by the message's own headers.",
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
    noindex = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Ask search engines not to index its page (robots noindex; left out of the "
        "sitemap).",
    )
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
    page_url_name = "archive:message_detail"
    # What full-text search reads (archive/search/schema.py indexes the same columns).
    search_fields = ("subject", "text", "summary", "header_text")

    # The evidence: a change to any of these by a curator is a public Correction.
    CORRECTABLE_FIELDS = [
        "subject",
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

    @property
    def is_noindex(self):
        """Whether its page asks not to be indexed: it, its import batch or its collection."""
        batch = self.import_batch
        return self.noindex or bool(batch and batch.noindex) or self.thread.collection.noindex

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
    def mail_parties(self):
        """[("From", [{"name", "address"}, …]), ("To", …), ("Cc", …), ("Bcc", …)] of an e-mail."""
        headers = self.mail_headers or {}
        return [
            (label, headers.get(key) or [])
            for label, key in [("From", "from"), ("To", "to"), ("Cc", "cc"), ("Bcc", "bcc")]
        ]

    @property
    def text_parts(self):
        """An e-mail's text as what the sender wrote, quoted mail and signature (see
        archive/models/mail_text.py); any other message's text is one part."""
        if self.channel != self.Channel.EMAIL:
            return [mail_text.Part("text", self.text)]
        return mail_text.mail_parts(self.text)

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
