import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import Annotation, AnnotationRevision, Flag, ResearchGroup, SourceLink


@admin.register(ResearchGroup)
class ResearchGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


class SourceLinkInline(admin.TabularInline):
    model = SourceLink
    extra = 0


class RevisionInline(admin.TabularInline):
    model = AnnotationRevision
    extra = 0
    can_delete = False
    fields = ["created", "editor", "snapshot_display"]
    readonly_fields = fields
    ordering = ["-created"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Saved version")
    def snapshot_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.snapshot, indent=1, ensure_ascii=False))


class FlagResolveForm(forms.ModelForm):
    """One flag on its note's page: everything read-only but a box to resolve it if still open."""

    resolve = forms.BooleanField(required=False, label="Resolve")

    class Meta:
        model = Flag
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.resolved_at is not None:
            self.fields["resolve"].disabled = True
            self.fields["resolve"].initial = True


class FlagInline(admin.TabularInline):
    model = Flag
    form = FlagResolveForm
    fk_name = "annotation"
    extra = 0
    # A flag is the record of a report and of its resolution: it is resolved, never deleted.
    can_delete = False
    fields = ["reporter", "reason", "created", "resolved_by", "resolved_at", "resolve"]
    readonly_fields = ["reporter", "reason", "created", "resolved_by", "resolved_at"]

    def has_add_permission(self, request, obj=None):
        return False


class FlaggedFilter(admin.SimpleListFilter):
    title = "flags"
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("open", "Has open flags"), ("any", "Ever flagged")]

    def queryset(self, request, queryset):
        # EXISTS, not a join + DISTINCT: a join multiplies every count annotated on the list.
        flags = {"open": Flag.objects.open(), "any": Flag.objects.all()}.get(self.value())
        if flags is None:
            return queryset
        return queryset.filter(Exists(flags.filter(annotation=OuterRef("pk"))))


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("live", "Live"),
            ("hidden", "Hidden by a curator"),
            ("deleted", "Deleted"),
            ("orphaned", "Quote no longer found"),
        ]

    def queryset(self, request, queryset):
        return {
            "live": queryset.filter(deleted_at__isnull=True, is_hidden=False),
            "hidden": queryset.filter(is_hidden=True),
            "deleted": queryset.filter(deleted_at__isnull=False),
            "orphaned": queryset.filter(is_orphaned=True),
        }.get(self.value(), queryset)


@admin.action(description="Hide selected annotations (moderation)")
def hide(modeladmin, request, queryset):
    count = queryset.update(is_hidden=True)
    modeladmin.message_user(request, f"Hid {count} annotation(s).", messages.SUCCESS)


@admin.action(description="Restore selected annotations (un-hide and un-delete)")
def restore(modeladmin, request, queryset):
    count = queryset.update(is_hidden=False, deleted_at=None)
    modeladmin.message_user(request, f"Restored {count} annotation(s).", messages.SUCCESS)


@admin.action(description="Delete selected annotations (soft: they can be restored)")
def soft_delete(modeladmin, request, queryset):
    count = queryset.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
    modeladmin.message_user(request, f"Deleted {count} annotation(s).", messages.SUCCESS)


@admin.action(description="Resolve open flags on selected annotations")
def resolve_flags(modeladmin, request, queryset):
    count = (
        Flag.objects.open()
        .filter(annotation__in=queryset)
        .update(resolved_by=request.user, resolved_at=timezone.now())
    )
    modeladmin.message_user(request, f"Resolved {count} flag(s).", messages.SUCCESS)


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = [
        "excerpt",
        "author",
        "target_link",
        "motivation",
        "visibility",
        "open_flags",
        "is_hidden",
        "deleted_at",
        "created",
    ]
    list_filter = [FlaggedFilter, StateFilter, "visibility", "motivation", "group"]
    list_select_related = ["author", "message", "event", "group"]
    search_fields = [
        "uuid",
        "body",
        "quote_exact",
        "author__username",
        "message__external_id",
        "event__external_id",
    ]
    date_hierarchy = "created"
    raw_id_fields = ["author", "message", "event"]
    readonly_fields = ["uuid", "created", "modified", "public_link"]
    inlines = [SourceLinkInline, FlagInline, RevisionInline]
    actions = [hide, restore, soft_delete, resolve_flags]

    def get_queryset(self, request):
        # A subquery, so no filter's join on flags can multiply the count.
        open_flags = (
            Flag.objects.open()
            .filter(annotation=OuterRef("pk"))
            .order_by()
            .values("annotation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(open_flag_total=Coalesce(Subquery(open_flags), 0))
        )

    # Notes are deleted softly (the action above sets deleted_at and "restore" undoes it). The
    # hard delete, which would also erase the note's flags and history, is not offered in bulk
    # and only to superusers on a note's own page, for the rare legal erasure.
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_formset(self, request, form, formset, change):
        if formset.model is not Flag:
            return super().save_formset(request, form, formset, change)
        # Flags are read-only here except the "resolve" box: resolve the ticked open ones.
        formset.save(commit=False)  # records what changed, for the admin's history message
        ticked = [
            inline.instance.pk
            for inline in formset.forms
            if inline.cleaned_data.get("resolve") and inline.instance.resolved_at is None
        ]
        count = (
            Flag.objects.open()
            .filter(pk__in=ticked, annotation=form.instance)
            .update(resolved_by=request.user, resolved_at=timezone.now())
        )
        if count:
            self.message_user(request, f"Resolved {count} flag(s).", messages.SUCCESS)

    @admin.display(description="Note")
    def excerpt(self, obj):
        text = obj.body or (f"“{obj.quote_exact}”" if obj.quote_exact else "(no text)")
        return Truncator(" ".join(text.split())).chars(80)

    @admin.display(description="Open flags", ordering="open_flag_total")
    def open_flags(self, obj):
        return obj.open_flag_total

    @admin.display(description="Target")
    def target_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.target.get_absolute_url(), obj.target_label)

    @admin.display(description="Public page")
    def public_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["annotation", "reporter", "created", "resolved_by", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = [
        "annotation__author",
        "annotation__message",
        "annotation__event",
        "reporter",
        "resolved_by",
    ]
    search_fields = ["reason", "reporter__username", "annotation__uuid"]
    date_hierarchy = "created"
    raw_id_fields = ["annotation", "reporter", "resolved_by"]
    actions = ["resolve"]

    @admin.action(description="Mark selected flags resolved")
    def resolve(self, request, queryset):
        count = queryset.filter(resolved_at__isnull=True).update(
            resolved_by=request.user, resolved_at=timezone.now()
        )
        self.message_user(request, f"Resolved {count} flag(s).", messages.SUCCESS)


@admin.register(AnnotationRevision)
class AnnotationRevisionAdmin(admin.ModelAdmin):
    list_display = ["annotation", "editor", "created"]
    list_select_related = [
        "annotation__author",
        "annotation__message",
        "annotation__event",
        "editor",
    ]
    date_hierarchy = "created"
    search_fields = ["annotation__uuid", "editor__username"]
    readonly_fields = ["annotation", "editor", "created", "snapshot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
