"""Readers' requests in the admin: each decided with a reason, every step kept (who, when)."""

from django.contrib import admin
from django.utils import timezone

from archive.models import ReaderRequest, ReaderRequestEvent


class ReaderRequestEventInline(admin.TabularInline):
    model = ReaderRequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "status", "by", "note"]
    readonly_fields = fields
    verbose_name_plural = "What happened (the audit trail)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReaderRequest)
class ReaderRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "record", "status", "received_at", "decided_by", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["record", "text", "email", "name"]
    readonly_fields = ["kind", "record", "text", "name", "email", "received_at", "decided_by",
                       "decided_at"]  # fmt: skip
    fields = [*readonly_fields[:6], "status", "decision_reason", "decided_by", "decided_at"]
    inlines = [ReaderRequestEventInline]

    def has_add_permission(self, request):
        return False  # readers send them (/requests/)

    def has_delete_permission(self, request, obj=None):
        return False  # the trail stays

    def save_model(self, request, obj, form, change):
        if {"status", "decision_reason"} & set(form.changed_data):
            obj.decided_by, obj.decided_at = request.user, timezone.now()
            super().save_model(request, obj, form, change)
            ReaderRequestEvent.objects.create(
                request=obj, by=request.user, status=obj.status, note=obj.decision_reason
            )
            return
        super().save_model(request, obj, form, change)
