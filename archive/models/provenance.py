"""Where records came from and went: import batches and uploads, attachments, loaded fixtures,
dataset releases."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from archive.importing import formats as import_formats
from archive.models.authenticity import AuthenticityRecord
from archive.models.messages import Message


class ImportBatchQuerySet(models.QuerySet):
    def standing(self):
        """The batches not undone."""
        return self.filter(undone_at__isnull=True)


class ImportBatch(AuthenticityRecord):
    """One import of one file (archive/importing/): what it was, who ran it, what it did."""

    file_name = models.CharField(max_length=500)
    file_size = models.BigIntegerField()
    sha256 = models.CharField(
        max_length=64,
        help_text="Of the file (of a folder: of its files' names and hashes). One batch per file, "
        "undone ones aside: a file whose import was undone can be imported again.",
    )
    # The registry's formats, by reference: a new format needs no migration.
    format = models.CharField(max_length=20, choices=import_formats.format_choices)
    importer_version = models.CharField(max_length=20)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_by_name = models.CharField(
        max_length=200, help_text="Who ran it, as known when it ran (a user, or the command)."
    )
    created = models.DateTimeField(default=timezone.now)
    report = models.JSONField(default=dict)
    collection = models.ForeignKey(
        "Collection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_batches",
        help_text="Where its new conversations went.",
    )
    # An undone import (archive/importing/undo.py): its messages and what only they used are
    # gone; the batch stays, as provenance of what was imported and undone.
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_name = models.CharField(max_length=200, blank=True)

    noindex = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Ask search engines not to index its page (robots noindex; left out of the "
        "sitemap).",
    )
    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "import batches"
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(undone_at__isnull=True),
                name="importbatch_one_standing_batch_per_file",
            )
        ]

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
    collection = models.CharField(
        max_length=300, blank=True, help_text="The collection's id or a new one's title."
    )
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
        return import_formats.label(self.format) if self.format else "format not detected"

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
    is_public = models.BooleanField(
        default=False,
        help_text="Readers may download it from the message's page (images and PDFs only, and "
        "only while the message is published).",
    )

    # What may be given to readers: files a browser shows as pictures or documents, never as a
    # page of its own (no HTML, no SVG, which can carry scripts). Even these are served as a
    # download, with their type checked against their first bytes.
    PUBLIC_TYPES = {
        "image/jpeg": (b"\xff\xd8\xff",),
        "image/png": (b"\x89PNG\r\n\x1a\n",),
        "image/gif": (b"GIF87a", b"GIF89a"),
        "image/webp": (b"RIFF",),
        "application/pdf": (b"%PDF-",),
    }

    class Meta:
        ordering = ["message", "pk"]

    def __str__(self):
        return self.name or f"attachment {self.pk}"

    @property
    def may_be_public(self):
        return self.content_type in self.PUBLIC_TYPES

    def clean(self):
        if self.is_public and not self.may_be_public:
            raise ValidationError(
                {
                    "is_public": f"Only images and PDFs can be given to readers, not "
                    f"{self.content_type or 'a file of unknown type'}."
                }
            )

    def get_public_url(self):
        return reverse("archive:message_attachment", args=[self.message.external_id, self.pk])


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


class DatasetRelease(models.Model):
    """One versioned dataset release (archive/exports/release.py): its zip, checksum and counts."""

    version = models.CharField(max_length=40, unique=True)
    date = models.DateField(help_text="The date the release carries (in its manifest).")
    licence = models.CharField(max_length=100)
    file_name = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict, help_text='{"messages": 24, "notes": 9, …}')
    created = models.DateTimeField(default=timezone.now)
    collection = models.ForeignKey(
        "Collection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="releases",
        help_text="The collection released; blank: the whole site.",
    )
    # A release that held words since withheld is withdrawn: its file removed, its row kept.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-date", "-created", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.date})"

    def get_absolute_url(self):
        return reverse("archive:data_download", args=[self.file_name])
