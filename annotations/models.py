"""Researchers' commentary on the archive: annotations, their source links, groups, history, flags.

Modelled on the W3C Web Annotation Data Model: a target (a message or an event), an optional
selector on a message's text (TextQuoteSelector + TextPositionSelector), a motivation and a body.
"""

import hashlib
import secrets
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from archive.models import Event, Message
from archive.models.links import LinkCheckFields, LinkCheckQuerySet
from archive.search.fields import FullTextColumn, SearchEntry, search_entry

from . import anchoring

MAX_BODY = 10_000
MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_QUOTE = 2_000
MAX_LINKS = 10

http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)


# Characters that are there but not seen: format controls (bidi overrides and isolates such as
# U+202E, zero-width spaces and joiners, the byte-order mark), control codes, line separators.
# In a name or a title they can disguise it or reorder the text around it on the page.
ALLOWED_WHITESPACE = {"\t", "\n", "\r"}
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zl", "Zp"}


def invisible_controls(value):
    """The code points in value that are invisible controls, as 'U+202E' labels, in order."""
    found = []
    for ch in str(value or ""):
        if ch not in ALLOWED_WHITESPACE and unicodedata.category(ch) in INVISIBLE_CATEGORIES:
            label = f"U+{ord(ch):04X}"
            if label not in found:
                found.append(label)
    return found


def reject_invisible_controls(value):
    """Validator for names and titles: refuse invisible or direction-changing characters."""
    found = invisible_controls(value)
    if found:
        raise ValidationError(
            "Remove the invisible or direction-changing characters (%(chars)s): "
            "names and titles must read as they look.",
            code="invisible_controls",
            params={"chars": ", ".join(found)},
        )


class ResearchGroup(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[reject_invisible_controls])
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="research_groups", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def _is_signed_in(user):
    """True for a real, signed-in user; False for None and for AnonymousUser."""
    return user is not None and user.is_authenticated


# Who may see a note, in words (the QuerySet method and the instance twin below both follow it):
# - its author sees every note of theirs that is not deleted, wherever it stands: one hidden by
#   the curators (marked, with their reason) and one on a withdrawn record (marked as such);
# - anyone else sees a note only while it is shared with them (public, or their group's), not
#   hidden by the curators, and on a published message or event.
# Curators get nothing more on the public pages: they read everything in the admin.


class AnnotationQuerySet(models.QuerySet):
    def alive(self):
        """Not deleted by the author and not hidden by a curator."""
        return self.filter(deleted_at__isnull=True, is_hidden=False)

    def on_published_target(self):
        """Notes on a message or event that is published (not withdrawn by the curators)."""
        return self.filter(_ON_PUBLISHED_TARGET)

    def visible_to(self, user):
        """What this user may read — the one rule used on every page, count, list and feed."""
        shared = Q(is_hidden=False) & _ON_PUBLISHED_TARGET
        if not _is_signed_in(user):
            return self.filter(shared, deleted_at__isnull=True, visibility=PUBLIC)
        member = ResearchGroup.members.through.objects.filter(
            researchgroup_id=OuterRef("group_id"), user_id=user.pk
        )
        shared &= Q(visibility=PUBLIC) | (Q(visibility=GROUP) & Exists(member))
        return self.filter(Q(author=user) | shared, deleted_at__isnull=True)

    def editable_by(self, user):
        """What this user may edit or delete: their own notes, not hidden by the curators, on a
        published record. A hidden note stays read-only with the curators' reason; a note on a
        withdrawn record is kept as it was until the record returns."""
        if not _is_signed_in(user):
            return self.none()
        return self.alive().on_published_target().filter(author=user)

    def for_list(self):
        return (
            self.select_related("author", "group", "message", "event")
            .prefetch_related("links")
            # A subquery per note shown, not a GROUP BY over every note and revision before
            # the page is cut (174 ms for the home page's three notes at 17,000 notes).
            .annotate(
                revision_count=Coalesce(
                    Subquery(
                        AnnotationRevision.objects.filter(annotation=OuterRef("pk"))
                        .order_by()
                        .values("annotation")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
        )

    def counts_by_message(self, message_ids):
        """{message pk: count} in one query, for list pages that show annotation counts."""
        rows = (
            self.filter(message_id__in=message_ids)
            .order_by()
            .values("message_id")
            .annotate(n=Count("pk"))
        )
        return {row["message_id"]: row["n"] for row in rows}

    def counts_by_event(self, event_ids):
        rows = (
            self.filter(event_id__in=event_ids)
            .order_by()
            .values("event_id")
            .annotate(n=Count("pk"))
        )
        return {row["event_id"]: row["n"] for row in rows}


class AnnotationManager(models.Manager.from_queryset(AnnotationQuerySet)):
    def get_by_natural_key(self, uuid_value):
        return self.get(uuid=uuid_value)


def normalise_tag(value):
    """'Seed Error!' → 'seed-error': how one tag is stored, and how a search for it is read.

    Lower case, runs of white space become one hyphen, and only letters, digits and '-_.' are
    kept (so invisible and direction-changing characters never reach a tag).
    """
    tag = "-".join(str(value).strip().lower().split())
    return "".join(ch for ch in tag if ch.isalnum() or ch in "-_.")


def normalise_tags(raw):
    """'Podesta, seed error ,podesta' → ['podesta', 'seed-error']; raises on too many/too long."""
    if isinstance(raw, str):
        raw = raw.split(",")
    tags = []
    for item in raw:
        tag = normalise_tag(item)
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"A tag can be at most {MAX_TAG_LENGTH} characters long.")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"Use at most {MAX_TAGS} tags.")
    return tags


class Annotation(models.Model):
    class Motivation(models.TextChoices):
        COMMENTING = "commenting", "Commenting"
        QUESTIONING = "questioning", "Questioning"
        CORRECTING = "correcting", "Correcting"
        CORROBORATING = "corroborating", "Corroborating"
        LINKING = "linking", "Linking"
        TAGGING = "tagging", "Tagging"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private (only me)"
        GROUP = "group", "Research group"
        PUBLIC = "public", "Public"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="annotations"
    )
    # TextQuoteSelector + TextPositionSelector on the message's text; empty for a whole record.
    quote_exact = models.TextField(blank=True, max_length=MAX_QUOTE)
    quote_prefix = models.CharField(max_length=200, blank=True)
    quote_suffix = models.CharField(max_length=200, blank=True)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    is_orphaned = models.BooleanField(
        default=False, help_text="The quote is no longer found in the message's text."
    )
    motivation = models.CharField(
        max_length=20, choices=Motivation.choices, default=Motivation.COMMENTING
    )
    body = models.TextField(blank=True, max_length=MAX_BODY, help_text="Markdown.")
    tags = models.JSONField(default=list, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    group = models.ForeignKey(
        ResearchGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="annotations"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    modified = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False, help_text="Hidden by a curator (moderation).")
    hidden_reason = models.TextField(
        blank=True, max_length=2000, help_text="Why the curators hid it; shown to its author."
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every save of the author's content bumps it; a form carries the
    # version it was made from, so a save from a stale form is a conflict, not an overwrite.
    version = models.PositiveIntegerField(default=1)
    # Set when a curator's correction of the message's text moved or lost this note's quote.
    anchor_changed_at = models.DateTimeField(null=True, blank=True)
    # W3C Web Annotation identity kept from elsewhere: `canonical` is an IRI the client gave (the
    # note's identity everywhere it is copied; ours is urn:uuid:<uuid> when empty), `via` the IRI
    # it had where it came from. Neither changes once set.
    canonical = models.CharField(max_length=2000, blank=True)
    via = models.CharField(max_length=2000, blank=True)

    objects = AnnotationManager()
    # What full-text search reads (archive/search/schema.py indexes these and the tags).
    search_fields = ("body", "quote_exact")

    class Meta:
        ordering = ["created"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(message__isnull=False) & Q(event__isnull=True))
                | (Q(message__isnull=True) & Q(event__isnull=False)),
                name="annotation_exactly_one_target",
                violation_error_message="An annotation targets exactly one message or event.",
            ),
            models.CheckConstraint(
                condition=(Q(visibility="group") & Q(group__isnull=False))
                | (~Q(visibility="group") & Q(group__isnull=True)),
                name="annotation_group_iff_group_visibility",
                violation_error_message="Group visibility needs a group, and only it does.",
            ),
            models.CheckConstraint(
                condition=Q(quote_exact="") | Q(message__isnull=False),
                name="annotation_quote_only_on_messages",
            ),
            models.CheckConstraint(
                condition=Q(quote_start__isnull=True)
                | Q(quote_end__isnull=True)
                | Q(quote_start__lt=F("quote_end")),
                name="annotation_quote_offsets_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["message", "visibility"], name="annotation_message_idx"),
            models.Index(fields=["event", "visibility"], name="annotation_event_idx"),
            # The notes list, newest first, read a keyset page at a time.
            models.Index(fields=["created", "id"], name="annotation_list_order_idx"),
        ]

    def __str__(self):
        return f"{self.get_motivation_display()} by {self.author} on {self.target_label}"

    def natural_key(self):
        return (str(self.uuid),)

    def get_absolute_url(self):
        return reverse("annotations:detail", args=[self.uuid])

    @property
    def target(self):
        return self.message if self.message_id else self.event

    @property
    def target_label(self):
        """'message m06' or 'event e06': what the note is on, by its permanent id."""
        if self.message_id:
            return f"message {self.message.external_id}"
        return f"event {self.event.external_id}"

    @property
    def target_context(self):
        """The target's date and, for an event, its title: enough to recognise it in a list."""
        if self.message_id:
            return self.message.date_display
        return f"{self.event.title}, {self.event.date_display}"

    @property
    def target_url(self):
        """The note on its record's page; ?note= opens the page of notes that holds it."""
        return f"{self.target.get_absolute_url()}?note={self.uuid}#annotation-{self.uuid}"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def has_quote(self):
        return bool(self.quote_exact)

    @property
    def quotes_summary(self):
        """The selected words are the archive's summary of a message, not the message's words.

        An excerpt is the sender's own words (only part of them), so it is quoted like verbatim
        text; a summary is ours, so its words are never shown as a quotation.
        """
        return bool(
            self.quote_exact
            and self.message_id
            and self.message.text_status == Message.TextStatus.SUMMARY
        )

    @property
    def anchor_notice(self):
        """'lost' or 'moved' when a correction of the message's text changed where this note's
        quote is, and the author has not edited the note since; '' otherwise."""
        if not (self.quote_exact and self.anchor_changed_at):
            return ""
        if self.modified and self.modified > self.anchor_changed_at:
            return ""
        return "lost" if self.is_orphaned else "moved"

    @property
    def is_edited(self):
        count = getattr(self, "revision_count", None)
        if count is None:
            count = self.revisions.count()
        return count > 1

    @property
    def is_on_published_target(self):
        """False once the curators withdraw (unpublish) the message or event it is on."""
        return self.target.is_published

    def is_visible_to(self, user):
        """Instance twin of AnnotationQuerySet.visible_to (the same rule, for one note)."""
        if self.is_deleted:
            return False
        if _is_signed_in(user) and self.author_id == user.pk:
            return True
        if self.is_hidden or not self.is_on_published_target:
            return False
        if self.visibility == self.Visibility.PUBLIC:
            return True
        return (
            _is_signed_in(user)
            and self.visibility == self.Visibility.GROUP
            and self.group.members.filter(pk=user.pk).exists()
        )

    def is_editable_by(self, user):
        """Instance twin of AnnotationQuerySet.editable_by."""
        return (
            _is_signed_in(user)
            and self.author_id == user.pk
            and not self.is_deleted
            and not self.is_hidden
            and self.is_on_published_target
        )

    def clean(self):
        errors = {}
        if self.visibility == self.Visibility.GROUP and not self.group_id:
            errors["group"] = "Choose the research group that may read this note."
        if self.visibility != self.Visibility.GROUP:
            self.group = None
        if self.quote_exact and not self.message_id:
            errors["quote_exact"] = "Only a message's text can be quoted."
        if errors:
            raise ValidationError(errors)

    def anchor(self, text):
        """Place the quote in text by quote and context; keep it, marked orphaned, if it is gone."""
        if not self.quote_exact:
            return
        position = anchoring.locate(
            text, self.quote_exact, self.quote_prefix, self.quote_suffix, near=self.quote_start
        )
        if position is None:
            self.is_orphaned = True
            return
        self.quote_start, self.quote_end = position
        self.quote_prefix, self.quote_suffix = anchoring.context(text, *position)
        self.is_orphaned = False

    def save_edit(self, columns, base_version):
        """Write these columns of an author's edit made from base_version; False if refused.

        One conditional UPDATE, so a stale read can never be written back: a delete, a curator's
        hide or another edit committed since the form was made matches no row, and the note
        keeps what was committed. Only the edited columns are written, and the version moves on.
        """
        now = timezone.now()
        saved = (
            Annotation.objects.alive()
            .filter(pk=self.pk, version=base_version)
            .update(
                **{name: getattr(self, name) for name in columns},
                modified=now,
                version=F("version") + 1,
            )
        )
        if saved:
            self.modified, self.version = now, base_version + 1
        return bool(saved)

    def soft_delete(self):
        """Mark deleted (curators can restore); False if it was deleted already.

        The version moves on, so an editor holding the note as it was (an open form, the
        admin's change page) cannot write its old state back without a conflict.
        """
        now = timezone.now()
        deleted = Annotation.objects.filter(pk=self.pk, deleted_at__isnull=True).update(
            deleted_at=now, version=F("version") + 1
        )
        if deleted:
            self.deleted_at = now
        return bool(deleted)

    ANCHOR_COLUMNS = ["quote_start", "quote_end", "quote_prefix", "quote_suffix", "is_orphaned"]

    def save_anchor(self, also=()):
        """Write the quote's place (and the columns in `also`) only if the note is as read.

        Re-anchoring after a curator's text edit must not write back a stale quote, body or
        state; False (an author's edit came between) tells the caller to read it again.
        """
        columns = [*self.ANCHOR_COLUMNS, *also]
        return bool(
            Annotation.objects.filter(
                pk=self.pk, version=self.version, quote_exact=self.quote_exact
            ).update(**{name: getattr(self, name) for name in columns})
        )

    def snapshot(self):
        """What a revision keeps: everything an edit can change."""
        return {
            "body": self.body,
            "motivation": self.motivation,
            "tags": list(self.tags),
            "visibility": self.visibility,
            "group": self.group.name if self.group_id else None,
            # Who could read this version: kept so the history shows it to them alone.
            "group_id": self.group_id,
            "quote": {
                "exact": self.quote_exact,
                "prefix": self.quote_prefix,
                "suffix": self.quote_suffix,
                "start": self.quote_start,
                "end": self.quote_end,
            },
            "links": [
                {
                    "url": link.url,
                    "title": link.title,
                    "publisher": link.publisher,
                    "accessed_on": link.accessed_on.isoformat() if link.accessed_on else None,
                    "archived_url": link.archived_url,
                }
                for link in self.links.all()
            ],
        }

    def record_revision(self, editor):
        return AnnotationRevision.objects.create(
            annotation=self, editor=editor, snapshot=self.snapshot()
        )


PUBLIC = Annotation.Visibility.PUBLIC
GROUP = Annotation.Visibility.GROUP
_ON_PUBLISHED_TARGET = Q(message__is_published=True) | Q(event__is_published=True)


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


# What a reader calls each part of a snapshot, in the order the history lists changes.
SNAPSHOT_PARTS = [
    ("body", "note"),
    ("quote", "quote"),
    ("motivation", "motivation"),
    ("tags", "tags"),
    ("visibility", "sharing"),
    ("group", "sharing"),
    ("links", "source links"),
]


def changed_parts(before, after):
    """['note', 'tags'] — the parts of a note that differ between two snapshots."""
    changed = []
    for key, label in SNAPSHOT_PARTS:
        if before.get(key) != after.get(key) and label not in changed:
            changed.append(label)
    return changed


class AnnotationRevisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Versions this user could read when they were written: the note's author sees every
        version; anyone else a public version, or a group version of a group they belong to.
        (Whether the note itself may be seen is Annotation's rule; callers look it up first.)"""
        public = Q(snapshot__visibility=PUBLIC)
        if not _is_signed_in(user):
            return self.filter(public)
        groups = list(ResearchGroup.objects.filter(members=user).values_list("pk", "name"))
        # Snapshots keep the group's id; older ones only its name (groups are unique by name).
        in_group = Q(snapshot__group_id__in=[pk for pk, _ in groups]) | (
            ~Q(snapshot__has_key="group_id") & Q(snapshot__group__in=[name for _, name in groups])
        )
        return self.filter(
            Q(annotation__author=user) | public | (Q(snapshot__visibility=GROUP) & in_group)
        )


class AnnotationRevision(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField()

    objects = AnnotationRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self):
        return f"Revision of {self.annotation.uuid} at {self.created:%Y-%m-%d %H:%M}"

    def is_visible_to(self, user):
        """Instance twin of AnnotationRevisionQuerySet.visible_to."""
        visibility = self.snapshot.get("visibility")
        if visibility == PUBLIC:
            return True
        if not _is_signed_in(user):
            return False
        if self.annotation.author_id == user.pk:
            return True
        if visibility != GROUP:
            return False
        groups = ResearchGroup.objects.filter(members=user)
        if "group_id" in self.snapshot:
            return groups.filter(pk=self.snapshot["group_id"]).exists()
        return groups.filter(name=self.snapshot.get("group")).exists()


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


def annotated_messages_subquery(user):
    """Exists() of visible annotations per message, for the messages list's 'annotated' filter."""
    return Exists(Annotation.objects.visible_to(user).filter(message=OuterRef("pk")))


class AnnotationSearchEntry(SearchEntry):
    """The note's row in its full-text index (archive/search/): SQLite only, unmanaged."""

    record = search_entry(Annotation)
    document = FullTextColumn(db_column="annotations_annotation_fts")

    class Meta(SearchEntry.Meta):
        db_table = "annotations_annotation_fts"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A researcher's personal key for the annotation API (`Authorization: Bearer …`).

    Only a SHA-256 of the key is stored: the key is shown once, when it is made, and a leaked
    database does not give anyone a researcher's access. Revoking keeps the row, so the account
    page can say when a key was used last and when it was revoked.
    """

    PREFIX = "bc_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=80, validators=[reject_invisible_controls], help_text="What it is for."
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, to recognise it in the list without storing it.
    key_start = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # Tokens in use are told apart by name (to revoke the right one); this also makes a
            # form sent twice (a reload, a double click) one token, not two.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="apitoken_unique_active_name",
                violation_error_message="You already have a token in use with this name.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key_start}…)"

    @staticmethod
    def digest(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name):
        """Make a token; returns (token, key). The key is never readable again."""
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_digest=cls.digest(key), key_start=key[:8]
        )
        return token, key

    @classmethod
    def user_for_key(cls, key):
        """The active user this key belongs to, or None; notes when the key was last used."""
        token = (
            cls.objects.active()
            .select_related("user")
            .filter(key_digest=cls.digest(key), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        # Written at most once a minute: a script making many calls does not write on each.
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used=now)
        return token.user

    @property
    def is_active(self):
        return self.revoked_at is None
