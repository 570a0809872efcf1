"""The admin side of imports: batches (read-only, publish a batch), the upload → dry run →
confirm page, attachments for curators, and merging imported accounts into one person."""

import json
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html

from .caching import forget_figures
from .importing import csv_reader
from .importing.importer import FAMILIES, import_path
from .importing.items import FileRefused
from .models import Attachment, ImportBatch, Message

PENDING_DIR_NAME = "backchannel-pending-imports"


def upload_limit():
    """Bytes an upload may have (IMPORT_UPLOAD_MAX_BYTES, 25 MB); larger files: the command."""
    return getattr(settings, "IMPORT_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)


PENDING_HOURS = 24


def _pending_root():
    """Where uploads wait between their dry run and the curator's confirmation; uploads left
    unconfirmed for a day are removed whenever someone opens the import page."""
    root = Path(
        getattr(settings, "IMPORT_PENDING_DIR", "")
        or Path(tempfile.gettempdir()) / PENDING_DIR_NAME
    )
    root.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_HOURS * 3600
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
    return root


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="An mbox, a single .eml, a Twitter/X archive .zip, a Telegram result.json, "
        "a WhatsApp _chat.txt or a .csv."
    )
    format = forms.ChoiceField(
        choices=[("", "Detect from the file")]
        + [(f, ImportBatch.Format(f).label) for f in FAMILIES],
        required=False,
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
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "format", "imported_by_name", "created", "published", "unpublished"]
    list_filter = ["format"]
    search_fields = ["file_name", "sha256"]
    actions = ["publish_batches", "unpublish_batches"]
    readonly_fields = [
        "file_name",
        "file_size",
        "sha256",
        "format",
        "importer_version",
        "imported_by",
        "imported_by_name",
        "created",
        "report_display",
        "messages_link",
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
        count = Message.objects.filter(import_batch__in=queryset).publish()
        forget_figures()
        self.message_user(request, f"Published {count} message(s).", messages.SUCCESS)

    @admin.action(description="Unpublish every message of the selected batches")
    def unpublish_batches(self, request, queryset):
        count = Message.objects.filter(import_batch__in=queryset).update(is_published=False)
        forget_figures()
        self.message_user(request, f"Unpublished {count} message(s).", messages.SUCCESS)

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
                "import/template.csv",
                self.admin_site.admin_view(self.template_view),
                name="archive_importbatch_template",
            ),
            *super().get_urls(),
        ]

    def template_view(self, request):
        response = HttpResponse(csv_reader.TEMPLATE, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="backchannel-import-template.csv"'
        return response

    def upload_view(self, request):
        if not (
            request.user.has_perm("archive.add_message")
            and request.user.has_perm("archive.view_importbatch")
        ):
            raise PermissionDenied
        _pending_root()  # and remove uploads left unconfirmed for a day
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a file",
            "limit_mb": upload_limit() // (1024 * 1024),
        }
        if request.method == "POST" and request.POST.get("confirm"):
            return self._confirm(request, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = secrets.token_hex(16)
            folder = _pending_root() / token
            folder.mkdir()
            stored = folder / _safe_name(form.cleaned_data["file"].name)
            with open(stored, "wb") as out:
                for chunk in form.cleaned_data["file"].chunks():
                    out.write(chunk)
            options = {
                key: form.cleaned_data[key]
                for key in ("format", "thread", "publish", "skip_invalid")
            }
            try:
                result = import_path(
                    stored,
                    format=options["format"] or None,
                    thread=options["thread"] or None,
                    dry_run=True,
                    skip_invalid=options["skip_invalid"],
                    user=request.user,
                )
            except FileRefused as error:
                shutil.rmtree(folder, ignore_errors=True)
                form.add_error("file", f"Nothing can be imported from this file: {error}")
            else:
                if result.already_imported:
                    shutil.rmtree(folder, ignore_errors=True)
                request.session[f"import:{token}"] = {"name": stored.name, **options}
                context.update(result=result, token=token, options=options)
                return render(request, "admin/archive/importbatch/dry_run.html", context)
        context["form"] = form
        return render(request, "admin/archive/importbatch/upload.html", context)

    def _confirm(self, request, context):
        token = request.POST.get("token", "")
        pending = request.session.pop(f"import:{token}", None) if token.isalnum() else None
        folder = _pending_root() / token if token.isalnum() else None
        if not pending or not folder or not (folder / pending["name"]).is_file():
            messages.error(
                request,
                "That upload is no longer waiting (confirmed already, or expired): "
                "upload it again.",
            )
            return redirect("admin:archive_importbatch_upload")
        try:
            result = import_path(
                folder / pending["name"],
                format=pending["format"] or None,
                thread=pending["thread"] or None,
                publish=pending["publish"],
                skip_invalid=pending["skip_invalid"],
                user=request.user,
            )
        except FileRefused as error:
            messages.error(request, f"Nothing was imported: {error}")
            return redirect("admin:archive_importbatch_upload")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if result.already_imported:
            messages.info(
                request,
                f"{result.file_name} was already imported (batch "
                f"{result.already_imported.pk}): nothing was created.",
            )
            return redirect("admin:archive_importbatch_change", result.already_imported.pk)
        if result.refused:
            messages.error(request, result.refused)
            return redirect("admin:archive_importbatch_upload")
        state = "published" if pending["publish"] else "unpublished, waiting for review"
        messages.success(
            request,
            f"Imported {result.report['created']} message(s) from {result.file_name}, {state}.",
        )
        return redirect("admin:archive_importbatch_change", result.batch.pk)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["name", "content_type", "size", "sha256", "download"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
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
    attachment = Attachment.objects.filter(pk=pk).first()
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
