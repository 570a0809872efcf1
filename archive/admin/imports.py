"""The admin side of imports: batches (read-only, publish a batch), the upload → dry run →
confirm pages (both steps run in the background: archive/importing/tasks.py), attachments for
curators, and merging imported accounts into one person."""

import json
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from archive.admin.collections import CuratedCollections
from archive.importing import csv_reader
from archive.importing import formats as import_formats
from archive.importing.tasks import pending_root, queue, read_progress, remove_stale_uploads
from archive.importing.undo import UndoRefused, undo_batch, what_depends_on
from archive.models import (
    Attachment,
    Authenticity,
    Collection,
    ImportBatch,
    ImportUpload,
    Message,
    Thread,
)
from archive.models.collections import is_limited_curator
from archive.models.personal_data import undecided
from lib.caching import forget_figures


def upload_limit():
    """Bytes an upload may have (IMPORT_UPLOAD_MAX_BYTES, 25 MB); larger files: the command."""
    return settings.IMPORT_UPLOAD_MAX_BYTES


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="An mbox, a single .eml or Outlook .msg (or a zip of them), a Twitter/X "
        "archive .zip, a Telegram result.json, a WhatsApp _chat.txt (or its zip) or a .csv."
    )
    format = forms.ChoiceField(
        choices=lambda: [("", "Detect from the file"), *import_formats.format_choices()],
        required=False,
    )
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.none(),  # the curator's own (UploadForm.__init__)
        required=False,
        to_field_name="external_id",
        empty_label="A new collection (named below)",
        label="Into collection",
    )
    new_collection = forms.CharField(
        required=False,
        max_length=300,
        label="New collection's title",
        help_text="Blank: a collection named after the file.",
    )
    thread = forms.SlugField(
        required=False,
        label="Put every message in thread",
        help_text="A thread's external id (made if it does not exist). "
        "Blank: threads come from the data.",
    )
    publish = forms.BooleanField(
        required=False,
        label="Publish at once",
        help_text="Otherwise the messages wait, unpublished, for review.",
    )
    skip_invalid = forms.BooleanField(
        required=False, label="Import the rest if some messages cannot be read"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["collection"].queryset = Collection.objects.curated_by(user)
            # A curator limited to some collections imports only into those.
            if is_limited_curator(user):
                self.fields["collection"].required = True
                self.fields["collection"].empty_label = None
                del self.fields["new_collection"]

    def collection_name(self):
        chosen = self.cleaned_data.get("collection")
        return chosen.external_id if chosen else self.cleaned_data.get("new_collection", "")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_limit():
            raise forms.ValidationError(
                f"This file is {upload.size / 1024**2:.1f} MB; uploads here are limited to "
                f"{upload_limit() / 1024**2:.0f} MB. Import larger files with "
                "`manage.py import_messages PATH`."
            )
        if upload.size == 0:
            raise forms.ValidationError("This file is empty: there is nothing to import.")
        return upload


def _safe_name(name):
    name = Path(name.replace("\\", "/")).name
    return "".join(c for c in name if c.isalnum() or c in "._- ")[:120] or "upload"


@admin.register(ImportBatch)
class ImportBatchAdmin(CuratedCollections, admin.ModelAdmin):
    list_display = [
        "__str__",
        "format",
        "imported_by_name",
        "created",
        "published",
        "unpublished",
        "undone_at",
        "review_link",
    ]
    list_filter = ["format"]
    search_fields = ["file_name", "sha256"]
    actions = ["publish_batches", "unpublish_batches", "noindex_batches", "index_batches"]
    readonly_fields = [
        "file_name",
        "file_size",
        "sha256",
        "format",
        "importer_version",
        "imported_by",
        "imported_by_name",
        "created",
        "undone_at",
        "undone_by_name",
        "review_link",
        "messages_link",
        "report_display",
    ]
    fields = readonly_fields
    change_list_template = "admin/archive/importbatch/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_count=Count("messages", filter=Q(messages__is_published=True)),
                unpublished_count=Count("messages", filter=Q(messages__is_published=False)),
            )
        )

    @admin.display(description="Published", ordering="published_count")
    def published(self, batch):
        return batch.published_count

    @admin.display(description="Unpublished", ordering="unpublished_count")
    def unpublished(self, batch):
        return batch.unpublished_count

    @admin.display(description="Report")
    def report_display(self, batch):
        return format_html("<pre>{}</pre>", json.dumps(batch.report, indent=2, ensure_ascii=False))

    @admin.display(description="Review")
    def review_link(self, batch):
        url = reverse("admin:archive_importbatch_review", args=[batch.pk])
        return format_html('<a href="{}">Review, publish by thread, or undo</a>', url)

    @admin.display(description="Messages")
    def messages_link(self, batch):
        url = reverse("admin:archive_message_changelist") + f"?import_batch__id__exact={batch.pk}"
        return format_html('<a href="{}">The messages of this batch</a>', url)

    def has_add_permission(self, request):
        return False  # batches are made by importing: the "Import a file" page

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # provenance stays

    @admin.action(description="Publish every message of the selected batches")
    def publish_batches(self, request, queryset):
        chosen = Message.objects.filter(import_batch__in=queryset)
        waiting = undecided().filter(message__in=chosen.filter(is_published=False)).count()
        if waiting and not request.POST.get("publish_despite_personal_data"):
            return render(
                request,
                "admin/archive/importbatch/confirm_publish.html",
                self._context(
                    request,
                    title="Publish with undecided personal data?",
                    waiting=waiting,
                    batches=queryset,
                    review_url=reverse("admin:archive_personaldatahit_changelist")
                    + "?decision__exact=",
                    action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
                ),
            )
        count = chosen.publish()
        forget_figures()
        self.message_user(request, f"Published {count} message(s).", messages.SUCCESS)

    @admin.action(description="Unpublish every message of the selected batches")
    def unpublish_batches(self, request, queryset):
        count = Message.objects.filter(import_batch__in=queryset).update(is_published=False)
        forget_figures()
        self.message_user(request, f"Unpublished {count} message(s).", messages.SUCCESS)

    @admin.action(description="Ask search engines not to index the selected batches' messages")
    def noindex_batches(self, request, queryset):
        count = queryset.update(noindex=True)
        self.message_user(request, f"{count} batch(es) marked noindex.", messages.SUCCESS)

    @admin.action(description="Let search engines index the selected batches' messages again")
    def index_batches(self, request, queryset):
        count = queryset.update(noindex=False)
        self.message_user(request, f"{count} batch(es) may be indexed again.", messages.SUCCESS)

    def get_actions(self, request):
        # The batches' own changes are refused (read-only), but publishing their messages is a
        # change to messages: allowed to those who may change messages.
        actions = super().get_actions(request)
        if not request.user.has_perm("archive.change_message"):
            return {}
        return actions

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.upload_view),
                name="archive_importbatch_upload",
            ),
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.status_view),
                name="archive_importbatch_upload_status",
            ),
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="archive_importbatch_review",
            ),
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.template_view),
                name="archive_importbatch_template",
            ),
            *super().get_urls(),
        ]

    def review_view(self, request, pk):
        """A batch's messages per thread, to publish or unpublish a thread at a time; and its
        undo, or what depends on it and stops the undo."""
        # The curator's own collections only (CuratedCollections.get_queryset).
        batch = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        may_publish = request.user.has_perm("archive.change_message")
        may_undo = request.user.has_perm("archive.delete_message")
        if request.method == "POST":
            return self._review_action(request, batch, may_publish, may_undo)
        threads = (
            Thread.objects.filter(messages__import_batch=batch)
            .annotate(
                batch_messages=Count("messages", filter=Q(messages__import_batch=batch)),
                batch_published=Count(
                    "messages",
                    filter=Q(messages__import_batch=batch, messages__is_published=True),
                ),
            )
            .order_by("-batch_messages", "title", "pk")
        )
        context = self._context(
            request,
            title=f"Review of {batch.file_name}",
            batch=batch,
            report=batch.report,
            threads=threads,
            blockers=what_depends_on(batch),
            personal_data_waiting=undecided().filter(message__import_batch=batch).count(),
            authenticity_choices=Authenticity.choices,
            may_publish=may_publish,
            may_undo=may_undo,
        )
        return render(request, "admin/archive/importbatch/review.html", context)

    def _review_action(self, request, batch, may_publish, may_undo):
        action = request.POST.get("action")
        here = redirect("admin:archive_importbatch_review", batch.pk)
        if action in ("publish", "unpublish"):
            if not may_publish or batch.undone_at:
                raise PermissionDenied
            chosen = [value for value in request.POST.getlist("thread") if value.isdigit()]
            if not chosen:
                messages.warning(request, "Choose one or more threads first.")
                return here
            selected = Message.objects.filter(import_batch=batch, thread__in=chosen)
            waiting = undecided().filter(message__in=selected.filter(is_published=False)).count()
            if action == "publish" and waiting and not request.POST.get("confirm"):
                messages.warning(
                    request,
                    f"{waiting} likely personal data hit(s) in those threads are undecided: "
                    "withhold or keep them first, or tick “Publish despite undecided personal "
                    "data” and publish again.",
                )
                return here
            if action == "publish":
                count = selected.publish()
            else:
                count = selected.update(is_published=False)
            forget_figures()
            messages.success(request, f"{action.capitalize()}ed {count} message(s).")
            return here
        if action == "authenticity":
            if not may_publish:
                raise PermissionDenied
            status = request.POST.get("authenticity", "")
            evidence = request.POST.get("authenticity_evidence", "").strip()
            if status not in Authenticity.values:
                messages.error(request, "Choose one of the statuses listed.")
                return here
            if "\x00" in evidence:
                messages.error(request, "The evidence holds a NUL character.")
                return here
            batch.set_authenticity(status, evidence, request.user)
            batch.save(update_fields=["authenticity", "authenticity_evidence",
                                      "authenticity_set_by", "authenticity_set_at"])  # fmt: skip
            messages.success(
                request, f"The batch is now {batch.get_authenticity_display()}, by you."
            )
            return here
        if action == "undo":
            if not may_undo:
                raise PermissionDenied
            try:
                gone = undo_batch(batch, by=request.user.get_username())
            except UndoRefused as refused:
                messages.error(request, f"This import cannot be undone: {refused}.")
                return here
            messages.success(
                request,
                f"Undone: {gone['messages']} message(s), {gone['threads']} thread(s), "
                f"{gone['accounts']} account(s), {gone['people']} people and "
                f"{gone['attachments']} attachment(s) removed. The file may be imported again.",
            )
            return here
        messages.error(request, "Unknown action.")
        return here

    def template_view(self, request):
        response = HttpResponse(csv_reader.TEMPLATE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="backchannel-import-template.csv"'
        return response

    def _may_import(self, request):
        if not (
            request.user.has_perm("archive.add_message")
            and request.user.has_perm("archive.view_importbatch")
        ):
            raise PermissionDenied

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "limit_mb": upload_limit() // (1024 * 1024),
            **extra,
        }

    def upload_view(self, request):
        """A curator who may add messages uploads a file; its dry run is queued."""
        self._may_import(request)
        remove_stale_uploads()
        form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            token = secrets.token_hex(16)
            folder = pending_root() / token
            folder.mkdir()
            stored = folder / _safe_name(form.cleaned_data["file"].name)
            with open(stored, "wb") as out:
                for chunk in form.cleaned_data["file"].chunks():
                    out.write(chunk)
            upload = ImportUpload.objects.create(
                token=token,
                file_name=stored.name,
                uploaded_by=request.user,
                collection=form.collection_name(),
                **{
                    key: form.cleaned_data[key]
                    for key in ("format", "thread", "publish", "skip_invalid")
                },
            )
            queue(upload)
            return redirect("admin:archive_importbatch_upload_status", upload.pk)
        context = self._context(request, title="Import a file", form=form)
        return render(request, "admin/archive/importbatch/upload.html", context)

    def status_view(self, request, pk):
        """The curator who uploaded a file follows its dry run and import, and confirms it."""
        self._may_import(request)
        upload = get_object_or_404(ImportUpload.objects.uploaded_by(request.user), pk=pk)
        if request.method == "POST":
            return self._confirm(request, upload)
        context = self._context(
            request,
            title=f"Import of {upload.file_name}",
            upload=upload,
            progress=read_progress(upload)
            if upload.status == ImportUpload.Status.RUNNING
            else None,
            may_confirm=upload.can_be_confirmed and self._still_waiting(upload),
        )
        return render(request, "admin/archive/importbatch/status.html", context)

    def _still_waiting(self, upload):
        return (pending_root() / upload.token / upload.file_name).is_file()

    def _confirm(self, request, upload):
        # One conditional update: a second click (or a second tab) finds nothing to confirm.
        confirmed = self._still_waiting(upload) and ImportUpload.objects.filter(
            pk=upload.pk,
            step=ImportUpload.Step.DRY_RUN,
            status=ImportUpload.Status.DONE,
            refused="",
            already_imported__isnull=True,
        ).update(step=ImportUpload.Step.IMPORT, status=ImportUpload.Status.QUEUED, started=None)
        if not confirmed:
            messages.error(
                request,
                "That upload is no longer waiting (confirmed already, or expired): "
                "upload it again.",
            )
            return redirect("admin:archive_importbatch_upload_status", upload.pk)
        queue(upload)
        return redirect("admin:archive_importbatch_upload_status", upload.pk)


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    """A curator's own uploads and where each stands; the status page is where they act."""

    list_display = ["file_name", "step", "status", "created", "finished", "status_page", "batch"]
    list_filter = ["step", "status"]
    search_fields = ["file_name", "sha256"]
    date_hierarchy = "created"
    list_select_related = ["batch"]

    def get_queryset(self, request):
        return super().get_queryset(request).uploaded_by(request.user)

    @admin.display(description="Status page")
    def status_page(self, upload):
        url = reverse("admin:archive_importbatch_upload_status", args=[upload.pk])
        return format_html('<a href="{}">follow or confirm</a>', url)

    def has_add_permission(self, request):
        return False  # made by uploading: "Import a file"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    """A message's attachments: read-only but for whether readers may download it."""

    model = Attachment
    extra = 0
    can_delete = False
    fields = ["name", "content_type", "size", "sha256", "download", "is_public"]
    readonly_fields = ["name", "content_type", "size", "sha256", "download"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="File")
    def download(self, attachment):
        if not attachment.file:
            return "—"
        url = reverse("admin:archive_attachment_download", args=[attachment.pk])
        return format_html('<a href="{}">download</a>', url)


def attachment_download(request, pk):
    """A curator downloads an attachment: always as a file to save, never shown inline."""
    if not request.user.is_staff or not request.user.has_perm("archive.view_message"):
        raise PermissionDenied
    # Of a collection the curator curates (a curator limited to some sees no other's files).
    attachment = Attachment.objects.filter(
        pk=pk, message__thread__collection__in=Collection.objects.curated_by(request.user)
    ).first()
    if attachment is None or not attachment.file:
        raise Http404("No such attachment.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The attachment's file is missing from storage.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name or f"attachment-{attachment.pk}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@admin.action(description="Merge the selected accounts into one person…")
def merge_accounts(modeladmin, request, queryset):
    """Preview, then move every selected account to the chosen person; undoable."""
    accounts = list(queryset.select_related("person"))
    people = {account.person for account in accounts}
    if len(people) < 2:
        modeladmin.message_user(
            request, "These accounts already belong to one person.", messages.INFO
        )
        return None
    if request.POST.get("target"):
        target = next((p for p in people if str(p.pk) == request.POST["target"]), None)
        if target is None:
            modeladmin.message_user(request, "Choose one of the accounts' people.", messages.ERROR)
            return None
        with transaction.atomic():
            moved = 0
            for account in accounts:
                if account.person_id != target.pk:
                    account.merged_from = account.person
                    account.person = target
                    account.save(update_fields=["person", "merged_from"])
                    moved += 1
        forget_figures()
        modeladmin.message_user(
            request,
            f"Moved {moved} account(s) to {target.name}. "
            "“Undo merge” on those accounts puts them back.",
            messages.SUCCESS,
        )
        return None
    return render(
        request,
        "admin/archive/account/merge_preview.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": "Merge accounts into one person",
            "accounts": accounts,
            "people": sorted(people, key=lambda p: p.name),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description="Undo merge: put the selected accounts back with their earlier person")
def undo_merge(modeladmin, request, queryset):
    moved = 0
    with transaction.atomic():
        for account in queryset.filter(merged_from__isnull=False):
            account.person_id, account.merged_from = account.merged_from_id, None
            account.save(update_fields=["person", "merged_from"])
            moved += 1
    forget_figures()
    modeladmin.message_user(
        request, f"Put {moved} account(s) back with their earlier person.", messages.SUCCESS
    )


__all__ = ["AttachmentInline", "attachment_download", "merge_accounts", "undo_merge"]
