"""Withholdings in the admin: withhold words, a field or an attachment of a message (the same
rules as `manage.py withhold`, archive/models/withholdings.py), see what is withheld and why,
and release it. Only curators reach it; the words are shown here and nowhere readers look."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q

from archive.models import Withholding
from archive.models.collections import is_limited_curator
from archive.models.withholdings import WithholdingError, release, withhold, withhold_event


class _DryRun(Exception):
    pass


class WithholdingForm(forms.ModelForm):
    class Meta:
        model = Withholding
        fields = ["message", "event", "words", "scope", "attachment", "reason", "reason_note"]
        help_texts = {
            "words": "The exact words, as the message writes them (every place in the message "
            "that holds them is withheld). Leave empty to withhold the whole field chosen below.",
            "scope": "Where: the words anywhere in the record, a whole field, or an attachment.",
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if (cleaned.get("message") is None) == (cleaned.get("event") is None):
            raise forms.ValidationError("Choose the message, or the event, to withhold from.")
        if cleaned.get("scope") == Withholding.Scope.ATTACHMENT and not cleaned.get("attachment"):
            raise forms.ValidationError("Choose the attachment to withhold.")
        # The rules are the model's own: tried in a transaction that is then rolled back.
        try:
            with transaction.atomic():
                made_from(cleaned)
                raise _DryRun
        except _DryRun:
            pass
        except WithholdingError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


def made_from(data, user=None):
    """The withholding the form's cleaned data asks for (WithholdingError if it cannot be)."""
    words, reason, note = data.get("words", ""), data.get("reason", ""), data.get("reason_note", "")
    if data.get("event") is not None:
        return withhold_event(data["event"], words, reason, note=note, user=user)
    attachment = data.get("attachment")
    return withhold(data["message"], words, reason, note=note, user=user, attachment=attachment,
                    scope="" if attachment else data.get("scope") or "")  # fmt: skip


@admin.action(description="Release the selected withholdings (put the words back)")
def release_withholdings(modeladmin, request, queryset):
    released = kept = 0
    for withholding in queryset.filter(released_at__isnull=True):
        kept += release(withholding, user=request.user)
        released += 1
    note = f"; {kept} place(s) edited since keep the placeholder" if kept else ""
    modeladmin.message_user(request, f"Released {released} withholding(s){note}.", messages.SUCCESS)


@admin.register(Withholding)
class WithholdingAdmin(admin.ModelAdmin):
    form = WithholdingForm

    def get_queryset(self, request):
        # A limited curator's: withholdings of their collections' messages and events.
        queryset = super().get_queryset(request)
        if not is_limited_curator(request.user):
            return queryset
        return queryset.filter(
            Q(message__thread__collection__curators=request.user)
            | Q(event__collection__curators=request.user)
        ).distinct()

    list_display = ["pk", "record", "scope", "reason", "created", "created_by", "released_at"]
    list_filter = ["reason", "scope", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["message", "event", "created_by"]
    search_fields = ["message__external_id", "words", "reason_note"]
    raw_id_fields = ["message", "event", "attachment"]
    actions = [release_withholdings]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*WithholdingForm.Meta.fields, "created", "created_by", "released_at",
                "released_by"]  # fmt: skip

    def has_change_permission(self, request, obj=None):
        # A withholding is made and released, never edited: its page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        made = made_from(form.cleaned_data, user=request.user)
        self._after(request, obj, made)

    def _after(self, request, obj, made):
        for version in made.withdrawn_releases:
            self.message_user(
                request,
                f"Withdrew dataset release {version}, which held the words (its file is "
                "removed): make a new one with manage.py release_dataset.",
                messages.WARNING,
            )
        obj.pk = made.pk
        obj.__dict__.update(Withholding.objects.get(pk=made.pk).__dict__)
