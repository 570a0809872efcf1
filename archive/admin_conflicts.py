"""Two curators on one record: the second save must not silently replace the first.

`EditConflictAdminMixin` gives a change form a hidden field holding digests of the record as it
was shown (its form fields and its inlines' rows, from `archive.fingerprints`). On save the
record is locked and read again inside the admin's transaction, and if anything shown has changed
meanwhile, the form comes back with the curator's own input kept, each field the other curator
changed marked with their value, and a fresh token: saving again then replaces their version
knowingly, as a wiki's edit conflict does.
"""

import json

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models.fields.related import ManyToManyField
from django.utils.text import Truncator, capfirst

from .fingerprints import field_digests, record_state, state_fingerprint

TOKEN = "shown_record_fingerprint"
SHOWN_VALUE_CHARS = 600


def _model_field_names(model):
    opts = model._meta
    return {f.name for f in [*opts.concrete_fields, *opts.many_to_many] if not f.primary_key}


def _display(instance, name):
    """A field's current value as a curator reads it: labels for choices, names for records."""
    field = instance._meta.get_field(name)
    if isinstance(field, ManyToManyField):
        text = "; ".join(str(related) for related in getattr(instance, name).all())
    elif field.is_relation:
        text = str(getattr(instance, name) or "")
    elif field.choices:
        text = str(getattr(instance, f"get_{name}_display")())
    else:
        value = getattr(instance, name)
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif value is None:
            text = ""
        else:
            text = str(value)
    return Truncator(text).chars(SHOWN_VALUE_CHARS) if text else "(empty)"


class EditConflictFormMixin:
    """Mixed into the admin's ModelForm for one record; see EditConflictAdminMixin."""

    conflict_fields = ()  # the form's model fields
    conflict_inlines = ()  # (prefix, verbose name plural, fk name, model, field names)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial[TOKEN] = json.dumps(self._shown_digests(), sort_keys=True)

    def _rows(self, fk_name, model):
        return model._base_manager.filter(**{fk_name: self.instance}).order_by("pk")

    def _shown_digests(self):
        digests = field_digests(self.instance, self.conflict_fields)
        for prefix, _, fk_name, model, fields in self.conflict_inlines:
            for row in self._rows(fk_name, model):
                digests[f"{prefix}-{row.pk}"] = state_fingerprint(record_state(row, None, fields))[
                    :16
                ]
        return digests

    def clean(self):
        cleaned_data = super().clean()
        try:
            shown = json.loads(self.data.get(self.add_prefix(TOKEN)) or "null")
        except ValueError:
            shown = None
        if not isinstance(shown, dict):
            # Not posted from the change form (a script): there is nothing to compare with.
            return cleaned_data
        # self.instance is still the record as the database holds it now (read after the row
        # was locked); the form's values are put on it only after clean().
        current = self._shown_digests()
        changed = {
            key for key in shown.keys() | current.keys() if shown.get(key) != current.get(key)
        }
        if changed:
            self._report_conflict(changed, shown, current)
            # The next save from this page is made knowing the other version: compare with it.
            self.data = self.data.copy()
            self.data[self.add_prefix(TOKEN)] = json.dumps(current, sort_keys=True)
        return cleaned_data

    def _report_conflict(self, changed, shown, current):
        names = []
        for name in self.conflict_fields:
            if name in changed:
                label = str(self.fields[name].label or capfirst(name))
                names.append(label)
                self.add_error(
                    name,
                    f"Another curator changed this after you opened the page. Their version: "
                    f"{_display(self.instance, name)}",
                )
        for prefix, plural, fk_name, model, _ in self.conflict_inlines:
            rows = {f"{prefix}-{row.pk}": row for row in self._rows(fk_name, model)}
            for key in sorted(changed):
                if not key.startswith(f"{prefix}-"):
                    continue
                if key not in current:
                    names.append(f"{plural}: a row was deleted")
                elif key not in shown:
                    names.append(f"{plural}: “{rows[key]}” was added")
                else:
                    names.append(f"{plural}: “{rows[key]}” was changed")
        verbose_name = self._meta.model._meta.verbose_name
        raise_message = (
            f"Another curator saved this {verbose_name} after you opened it, changing: "
            f"{'; '.join(names)}. Nothing was saved. Your input is kept below and their values "
            "are shown under each field; save again to replace their version with yours, or "
            "reload the page to start from theirs."
        )
        self.add_error(None, raise_message)


class EditConflictAdminMixin:
    """For every curated model's ModelAdmin: a stale change form cannot overwrite a newer save."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or TOKEN in flatten_fieldsets(fieldsets):
            return fieldsets
        return [*fieldsets, (None, {"fields": [TOKEN], "classes": ["hidden"]})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != TOKEN]
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        model_fields = _model_field_names(self.model)
        attrs = {
            TOKEN: forms.CharField(widget=forms.HiddenInput, required=False),
            "conflict_fields": [name for name in form.base_fields if name in model_fields],
            "conflict_inlines": self._conflict_inlines(request, obj),
        }
        return type(form.__name__, (EditConflictFormMixin, form), attrs)

    def _conflict_inlines(self, request, obj):
        inlines = []
        for inline in self.get_inline_instances(request, obj):
            formset = inline.get_formset(request, obj)
            model_fields = _model_field_names(inline.model)
            fields = [
                name
                for name in formset.form.base_fields
                if name in model_fields and name != formset.fk.name
            ]
            if fields:  # rows shown read-only cannot be overwritten from this page
                inlines.append(
                    (
                        formset.get_default_prefix(),
                        capfirst(inline.model._meta.verbose_name_plural),
                        formset.fk.name,
                        inline.model,
                        fields,
                    )
                )
        return inlines

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None or request.method != "POST":
            return obj
        # Saving: lock the row for the rest of the admin's transaction, then read it again so
        # the comparison is with what is committed now (SQLite's IMMEDIATE transactions already
        # serialise writers; select_for_update is a no-op there).
        list(type(obj)._base_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
        return super().get_object(request, object_id, from_field)
