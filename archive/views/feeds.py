"""The Atom feed of new and corrected records: what changed in the archive, newest first.

An entry is one of two things that happened to a published message or event:
- it was published for the first time (at its `first_published_at`; a record published before
  the archive kept that date has none and is never announced as new);
- the curators corrected its evidence (a `Correction`, with what changed and their reason).
A withdrawn record leaves the feed with its corrections; it comes back when published again.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from archive.models import Account, Collection, Correction, Event, Message
from archive.models.base import on_a_published_record

FEED_ITEMS = 50


@dataclass
class RecordEntry:
    """One thing that happened to a record: new (correction is None) or corrected."""

    record: Message | Event
    when: datetime
    correction: Correction | None = None

    @property
    def label(self):
        return f"{self.record._meta.verbose_name} {self.record.external_id}"

    @property
    def summary(self):
        """'@wl to @son, 3 Oct 2016' or 'Debate night, 9 Oct 2016': enough to recognise it."""
        record = self.record
        if isinstance(record, Event):
            return f"{record.title}, {record.date_display}"
        if self.correction is not None:  # recipients are read for new messages only
            return f"from {record.sender}, {record.date_display}"
        recipients = ", ".join(str(account) for account in record.recipients.all())
        return f"{record.sender} to {recipients or 'the public'}, {record.date_display}"

    @property
    def path(self):
        url = self.record.get_absolute_url()
        return f"{url}#{self.correction.anchor}" if self.correction else url

    @property
    def stable_path(self):
        """The path by external id alone, which a corrected title does not change (an event's
        page at /events/<external id>/ redirects to its current slug)."""
        name = (
            "archive:message_detail" if isinstance(self.record, Message) else "archive:event_detail"
        )
        url = reverse(name, args=[self.record.external_id])
        return f"{url}#{self.correction.anchor}" if self.correction else url


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,80}")


def latest_entries(limit=FEED_ITEMS, collection=None):
    """The `limit` newest entries: four queries (messages, their recipients, events,
    corrections), each of at most `limit` rows, merged by time; of one collection if given."""
    first_published = Q(first_published_at__isnull=False)
    newest = ("-first_published_at", "-pk")
    in_messages, in_events, in_corrections = Q(), Q(), Q()
    if collection is not None:
        in_messages = Q(thread__collection=collection)
        in_events = Q(collection=collection)
        in_corrections = Q(message__thread__collection=collection) | Q(event__collection=collection)
    messages = (
        Message.objects.public()
        .filter(first_published, in_messages)
        .select_related("sender__person")
        .prefetch_related(Prefetch("recipients", Account.objects.select_related("person")))
        .order_by(*newest)[:limit]
    )
    events = Event.objects.public().filter(first_published, in_events).order_by(*newest)[:limit]
    corrections = (
        Correction.objects.filter(on_a_published_record(), in_corrections)
        .select_related("message__sender__person", "event")
        .order_by("-created", "-pk")[:limit]
    )
    entries = [RecordEntry(record, record.first_published_at) for record in [*messages, *events]]
    entries += [
        RecordEntry(correction.message or correction.event, correction.created, correction)
        for correction in corrections
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


class RecordsFeed(Feed):
    """Anyone: records published for the first time and records the curators corrected."""

    feed_type = Atom1Feed
    description_template = "archive/feeds/record_entry.html"

    def get_object(self, request):
        """?collection=<id> keeps the feed to one collection (an unknown one: a 404)."""
        slug = request.GET.get("collection")
        if not slug:
            return None
        if not SLUG.fullmatch(slug):
            raise Http404("No such collection.")
        return get_object_or_404(Collection.objects.all(), external_id=slug)

    def items(self, collection=None):
        return latest_entries(collection=collection)

    def title(self):
        return f"New and corrected records · {settings.ARCHIVE_NAME}"

    def subtitle(self):
        return (
            f"Messages and events published in {settings.ARCHIVE_TITLE}, and the curators' "
            "corrections to them."
        )

    def link(self):
        return reverse("archive:timeline")

    def feed_url(self):
        return reverse("archive:records_feed")

    def feed_guid(self):
        return settings.SITE_URL + self.feed_url()

    def item_title(self, entry):
        if entry.correction is None:
            return f"New: {entry.label} — {entry.summary}"
        fields = ", ".join(change.get("label", "") for change in entry.correction.changes)
        return f"Corrected: {entry.label} ({fields.lower()}) — {entry.summary}"

    def item_link(self, entry):
        return entry.path

    def item_guid(self, entry):
        # A permalink on the archive's public site (SITE_URL): a record by its external id, a
        # correction by its record and time, so ids survive a reload of the database or a
        # corrected title.
        return settings.SITE_URL + entry.stable_path

    def item_author_name(self, entry):
        return f"The curators of {settings.ARCHIVE_NAME}"

    def item_pubdate(self, entry):
        return entry.when

    def item_updateddate(self, entry):
        return entry.when

    def item_categories(self, entry):
        return ["new" if entry.correction is None else "correction", entry.record._meta.model_name]
