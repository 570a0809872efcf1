"""The note itself and its rules: who may see it, who may edit it, how it is saved.

Modelled on the W3C Web Annotation Data Model: a target (a message or an event), an optional
selector on a message's text (TextQuoteSelector + TextPositionSelector), a motivation and a body.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from archive.models import Event, Message
from archive.models.base import on_a_published_record
from lib.counting import count_per_row

from .. import anchoring
from .groups import ResearchGroup
from .validators import MAX_BODY, MAX_QUOTE


def is_signed_in(user):
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
        return self.filter(on_a_published_record())

    def visible_to(self, user):
        """What this user may read — the one rule used on every page, count, list and feed."""
        shared = Q(is_hidden=False) & on_a_published_record()
        if not is_signed_in(user):
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
        if not is_signed_in(user):
            return self.none()
        return self.alive().on_published_target().filter(author=user)

    def soft_delete(self, now=None):
        """Mark these notes deleted at `now` (curators can restore); how many were not already.

        The version moves on, so an editor holding a note as it was (an open form, the admin's
        change page) cannot write its old state back without a conflict.
        """
        return self.filter(deleted_at__isnull=True).update(
            deleted_at=now or timezone.now(), version=F("version") + 1
        )

    def for_list(self):
        from .revisions import AnnotationRevision  # here: revisions.py imports this module

        return (
            self.select_related("author", "group", "message", "event")
            .prefetch_related("links")
            # A subquery per note shown, not a GROUP BY over every note and revision before
            # the page is cut (174 ms for the home page's three notes at 17,000 notes).
            .annotate(revision_count=count_per_row(AnnotationRevision.objects.all(), "annotation"))
        )

    def attach_counts(self, records, attribute="annotation_count"):
        """Set `attribute` on each of `records` (messages, or events): how many of these notes
        are on it, in one query. The one way pages, the API and exports count notes per row."""
        if not records:
            return
        field = "event_id" if records[0]._meta.model_name == "event" else "message_id"
        rows = (
            self.filter(**{f"{field}__in": [record.pk for record in records]})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
        )
        counts = {row[field]: row["n"] for row in rows}
        for record in records:
            setattr(record, attribute, counts.get(record.pk, 0))


class AnnotationManager(models.Manager.from_queryset(AnnotationQuerySet)):
    def get_by_natural_key(self, uuid_value):
        return self.get(uuid=uuid_value)


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

    @property
    def is_alive(self):
        """Instance twin of AnnotationQuerySet.alive: neither deleted nor hidden."""
        return not self.is_deleted and not self.is_hidden

    def is_authored_by(self, user):
        """True when user (signed in) wrote this note."""
        return is_signed_in(user) and self.author_id == user.pk

    def _is_shared_with(self, user):
        """The rule for readers other than the author, deletion aside: shared with them (public,
        or their group's), not hidden by the curators, on a published record."""
        if self.is_hidden or not self.is_on_published_target:
            return False
        if self.visibility == self.Visibility.PUBLIC:
            return True
        return self.visibility == self.Visibility.GROUP and self.group.has_member(user)

    def is_visible_to(self, user):
        """Instance twin of AnnotationQuerySet.visible_to (the same rule, for one note)."""
        if self.is_deleted:
            return False
        return self.is_authored_by(user) or self._is_shared_with(user)

    def was_visible_to(self, user):
        """For a deleted note: may this user be told it is gone (410) rather than never known
        (404)? Its author, or anyone if it was public, not hidden, on a published record."""
        return self.is_authored_by(user) or self._is_shared_with(None)

    def is_editable_by(self, user):
        """Instance twin of AnnotationQuerySet.editable_by."""
        return self.is_authored_by(user) and self.is_alive and self.is_on_published_target

    def is_reportable_by(self, user):
        """Who is offered "Report to the curators" on a note they can see: anyone signed in
        but its author."""
        return is_signed_in(user) and not self.is_authored_by(user)

    @staticmethod
    def may_moderate(user):
        """Curators who may moderate notes (hide, restore, resolve flags) on the admin's change
        page: the admin's own test (an active staff user) and the change permission. The admin
        and every link to it ask this."""
        return bool(
            user is not None
            and user.is_active
            and user.is_staff
            and user.has_perm("annotations.change_annotation")
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
        deleted = Annotation.objects.filter(pk=self.pk).soft_delete(now)
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
        return self.revisions.create(editor=editor, snapshot=self.snapshot())


PUBLIC = Annotation.Visibility.PUBLIC
GROUP = Annotation.Visibility.GROUP


def annotated_messages_subquery(user):
    """Exists() of visible annotations per message, for the messages list's 'annotated' filter."""
    return Exists(Annotation.objects.visible_to(user).filter(message=OuterRef("pk")))
