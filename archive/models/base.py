"""What every archive record shares: a stable external id (its natural key and permalink), one
rule per kind for what is public, dates at their honest precision, and publishing.

Each kind's QuerySet answers `public()`: the records any reader may see (a published message or
event; a conversation holding one; a person, source or disagreement a published record names).
Pages, the API, downloads, search, feeds, sitemaps and releases all go through it.
"""

from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from archive.models import dates


class ExternalIdManager(models.Manager):
    """Natural keys: every record is found by its stable external id, never its primary key."""

    def get_by_natural_key(self, external_id):
        return self.get(external_id=external_id)


class Record(models.Model):
    """An archive record: found by its external id in fixtures, permalinks and the API, never
    by its primary key."""

    external_id = models.SlugField(max_length=80, unique=True)

    objects = ExternalIdManager()

    class Meta:
        abstract = True

    def natural_key(self):
        return (self.external_id,)


class RecordWithPage(Record):
    """A record with a public page of its own (its permalink): `page_url_name` reversed with
    `page_key`, the external id unless the kind says otherwise (an event's slug)."""

    page_url_name = ""

    class Meta:
        abstract = True

    @property
    def page_key(self):
        return self.external_id

    def get_absolute_url(self):
        return reverse(self.page_url_name, args=[self.page_key])


def on_a_published_record(prefix=""):
    """Rows about a published message or event (a correction, a disagreement, a note):
    `prefix` leads to the row holding the `message` and `event` keys."""
    return Q(**{f"{prefix}message__is_published": True}) | Q(
        **{f"{prefix}event__is_published": True}
    )


class DatedRecord(RecordWithPage):
    """A record with honest time: a day range (equal when certain, null when unknown) and what
    the sources say."""

    date_earliest = models.DateField(null=True, blank=True, db_index=True)
    date_latest = models.DateField(null=True, blank=True)
    time_note = models.TextField(blank=True, help_text="What the sources state about the time.")

    class Meta:
        abstract = True

    @property
    def date_display(self):
        return dates.format_date_range(self.date_earliest, self.date_latest)

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

    def public(self):
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
