import json

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User
from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from archive.admin.conflicts import EditConflictAdminMixin
from archive.admin.links import LinkStateFilter, archived_copy, last_link_check, link_check
from lib.counting import count_per_row

from .forms import AnnotationForm
from .models import (
    Annotation,
    AnnotationRevision,
    Flag,
    ResearchGroup,
    SourceLink,
    reject_invisible_controls,
)


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
    fields = ["url", "title", "publisher", "accessed_on", "archived_url", last_link_check]
    readonly_fields = [last_link_check]


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
            "live": queryset.alive(),
            "hidden": queryset.filter(is_hidden=True),
            "deleted": queryset.filter(deleted_at__isnull=False),
            "orphaned": queryset.filter(is_orphaned=True),
        }.get(self.value(), queryset)


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Reason, shown to each note's author",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text="The author still sees the note, marked hidden by the curators, with this "
        "reason; no one else does.",
    )


@admin.action(description="Hide selected annotations (moderation)…")
def hide(modeladmin, request, queryset):
    """First shows a confirmation page asking for the reason (like Django's delete action), then
    hides the notes and keeps the reason and time for their authors to read."""
    form = HideForm(request.POST if "confirm" in request.POST else None)
    if form.is_valid():
        # The version moves on, so an edit form opened before the hide cannot save over it.
        count = queryset.update(
            is_hidden=True,
            hidden_at=timezone.now(),
            hidden_reason=form.cleaned_data["reason"],
            version=F("version") + 1,
        )
        modeladmin.message_user(request, f"Hid {count} annotation(s).", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Hide annotations: why?",
        "opts": modeladmin.model._meta,
        "queryset": queryset.select_related("author", "message", "event"),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(
        request,
        "admin/annotations/annotation/hide_confirmation.html",
        context,
        status=400 if form.is_bound else 200,
    )


@admin.action(description="Restore selected annotations (un-hide and un-delete)")
def restore(modeladmin, request, queryset):
    count = queryset.update(
        is_hidden=False,
        hidden_at=None,
        hidden_reason="",
        deleted_at=None,
        version=F("version") + 1,
    )
    modeladmin.message_user(request, f"Restored {count} annotation(s).", messages.SUCCESS)


@admin.action(description="Delete selected annotations (soft: they can be restored)")
def soft_delete(modeladmin, request, queryset):
    # The model's soft delete: the version moves on, so an open edit form cannot save over it.
    count = queryset.soft_delete()
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
class AnnotationAdmin(EditConflictAdminMixin, admin.ModelAdmin):
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
    # Deletion and hiding change only through the actions (one UPDATE each), so saving a change
    # page read before a delete or a hide cannot write the old state back.
    readonly_fields = [
        "uuid",
        "created",
        "modified",
        "public_link",
        "deleted_at",
        "is_hidden",
        "hidden_at",
        "version",
    ]
    inlines = [SourceLinkInline, FlagInline, RevisionInline]
    actions = [hide, restore, soft_delete, resolve_flags]

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Only the columns the curator changed: nothing read here is written back unchanged.
        columns = {field.name for field in Annotation._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in columns]
        if changed:
            obj.modified = timezone.now()
            obj.save(update_fields=[*changed, "modified"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        note = form.instance
        content_changed = set(form.changed_data) & set(AnnotationForm._meta.fields) or any(
            formset.has_changed() for formset in formsets if formset.model is SourceLink
        )
        if change and content_changed:
            # A curator's change moves the note to a new version, so an author's open form
            # conflicts with it instead of replacing it; the history says who changed it.
            Annotation.objects.filter(pk=note.pk).update(version=F("version") + 1)
            note.refresh_from_db(fields=["version"])
            note.record_revision(request.user)

    def get_queryset(self, request):
        # A subquery, so no filter's join on flags can multiply the count.
        return (
            super()
            .get_queryset(request)
            .annotate(open_flag_total=count_per_row(Flag.objects.open(), "annotation"))
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

    def has_change_permission(self, request, obj=None):
        # The same rule as the "moderate this note" links on the public pages.
        return Annotation.may_moderate(request.user)

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
        # A long unbroken address would widen the column and push the others out of view.
        words = (word if len(word) <= 30 else f"{word[:29]}…" for word in text.split())
        return Truncator(" ".join(words)).chars(80)

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


@admin.register(SourceLink)
class SourceLinkAdmin(admin.ModelAdmin):
    """Every note's source links, to find the dead ones: read here, changed on their note's
    page (so the change is a new version of the note, kept in its history)."""

    list_display = ["__str__", link_check, archived_copy, "note", "note_visibility"]
    list_filter = [LinkStateFilter, "annotation__visibility"]
    list_select_related = ["annotation__message", "annotation__event"]
    search_fields = ["url", "archived_url", "title", "publisher", "annotation__uuid"]
    fields = ["note", "url", "title", "publisher", "accessed_on", "archived_url", last_link_check]
    readonly_fields = fields

    @admin.display(description="Note")
    def note(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:annotations_annotation_change", args=[obj.annotation_id]),
            f"Note on {obj.annotation.target_label}",
        )

    @admin.display(description="Visibility", ordering="annotation__visibility")
    def note_visibility(self, obj):
        return obj.annotation.get_visibility_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


# Sign-in lockouts (django-axes): curators see who is locked out and let them in again.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Failed sign-ins per username and address; any curator (staff) may view and clear them."""

    list_display = [
        "username",
        "ip_address",
        "failures_since_start",
        "address_failures",
        "lockout",
        "attempt_time",
    ]
    actions = ["clear_lockouts", "clear_addresses"]

    def get_queryset(self, request):
        same_address = (
            AccessAttempt.objects.filter(ip_address=OuterRef("ip_address"))
            .order_by()
            .values("ip_address")
            .annotate(total=Sum("failures_since_start"))
            .values("total")
        )
        return super().get_queryset(request).annotate(address_total=Subquery(same_address))

    def _is_staff(self, request):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self._is_staff(request)

    def has_view_permission(self, request, obj=None):
        return self._is_staff(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_staff(request)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Failures from this address", ordering="address_total")
    def address_failures(self, obj):
        return obj.address_total

    @admin.display(description="Locked out?")
    def lockout(self, obj):
        if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            return "Locked: this username from this address"
        if (obj.address_total or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return "Locked: the whole address"
        return "Not locked"

    @admin.action(description="Lift the lockout: clear the selected usernames' failures")
    def clear_lockouts(self, request, queryset):
        count, _ = AccessAttempt.objects.filter(pk__in=queryset.values("pk")).delete()
        self.message_user(
            request, f"Cleared {count} record(s): they can sign in again.", messages.SUCCESS
        )

    @admin.action(description="Lift address lockouts: clear every failure from these addresses")
    def clear_addresses(self, request, queryset):
        addresses = set(queryset.values_list("ip_address", flat=True))
        count, _ = AccessAttempt.objects.filter(ip_address__in=addresses).delete()
        self.message_user(
            request,
            f"Cleared {count} record(s) from {len(addresses)} address(es).",
            messages.SUCCESS,
        )


# Researchers' accounts: names shown beside their notes must read as they look.
class ResearcherNamesMixin:
    def _clean_name(self, field):
        value = self.cleaned_data.get(field, "")
        reject_invisible_controls(value)
        return value

    def clean_username(self):
        return self._clean_name("username")

    def clean_first_name(self):
        return self._clean_name("first_name")

    def clean_last_name(self):
        return self._clean_name("last_name")


class ResearcherCreationForm(ResearcherNamesMixin, AdminUserCreationForm):
    pass


class ResearcherChangeForm(ResearcherNamesMixin, UserChangeForm):
    pass


admin.site.unregister(User)


@admin.register(User)
class ResearcherAdmin(UserAdmin):
    form = ResearcherChangeForm
    add_form = ResearcherCreationForm
