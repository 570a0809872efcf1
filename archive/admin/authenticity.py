"""DKIM keys curators supply (and where each came from), and the checks made with them."""

from django.contrib import admin

from archive.models import DkimCheck, DkimKey


@admin.register(DkimKey)
class DkimKeyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "provenance", "added_by", "created"]
    search_fields = ["domain", "selector", "provenance"]
    fields = ["domain", "selector", "record", "provenance"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DkimCheck)
class DkimCheckAdmin(admin.ModelAdmin):
    list_display = ["message", "domain", "selector", "result", "key_source", "checked_at"]
    list_filter = ["result"]
    list_select_related = ["message"]
    search_fields = ["message__external_id", "domain", "selector"]

    def has_add_permission(self, request):
        return False  # made by the import and manage.py verify_dkim

    def has_change_permission(self, request, obj=None):
        return False
