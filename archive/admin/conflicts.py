"""Two curators on one record: the second save must not silently replace the first.

`EditConflictAdminMixin` gives a change form a hidden field holding digests of the record as it was
shown (its form fields and its inlines' rows, from `archive.importing.fingerprints`). On save the
record is locked and read again inside the admin's transaction, and if anything shown has changed
meanwhile, the form comes back with the curator's own input kept, each field the other curator
changed marked with their value, and a fresh token. Saving again then keeps their version of
whatever this curator left untouched (fields and inline rows) and saves what this curator did
change, knowingly, as a wiki's edit conflict does."""

import json

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.db import router, transaction
from django.db.models.fields.related import ManyToManyField
from django.utils.text import Truncator, capfirst

from archive.importing.fingerprints import field_digests, record_state, short_digest, stable_value

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
    """Mixed into the admin's ModelForm for one record; see EditConflictAdminMixin.

    The hidden token holds two sets of digests: `seen`, everything the page has shown (a save is
    refused when the record differs from it), and `base`, each field and inline row as the page
    first showed it: one this curator left alone while another curator changed it keeps the
    other curator's value instead of being written back.
    """

    conflict_fields = ()  # the form's model fields
    conflict_inlines = ()  # (prefix, verbose name plural, fk name, model, field names)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            shown = self._current_digests()
            self.initial[TOKEN] = self._token(shown, shown)

    def _token(self, seen, base):
        return json.dumps({"seen": seen, "base": base}, sort_keys=True)

    def _rows(self, fk_name, model):
        return model._base_manager.filter(**{fk_name: self.instance}).order_by("pk")

    def _current_digests(self):
        digests = field_digests(self.instance, self.conflict_fields)
        for prefix, _, fk_name, model, fields in self.conflict_inlines:
            for row in self._rows(fk_name, model):
                digests[f"{prefix}-{row.pk}"] = short_digest(record_state(row, None, fields))
        return digests

    def _posted_token(self):
        try:
            token = json.loads(self.data.get(self.add_prefix(TOKEN)) or "null")
        except ValueError:
            return None
        if not isinstance(token, dict):
            return None
        seen, base = token.get("seen"), token.get("base")
        return (seen, base) if isinstance(seen, dict) and isinstance(base, dict) else None

    def _is_unchanged_by_me(self, name, base_digest):
        if name not in self.cleaned_data:
            return False
        model_field = self._meta.model._meta.get_field(name)
        mine = short_digest(stable_value(model_field, self.cleaned_data[name]))
        return mine == base_digest

    def _current_value(self, name):
        if self._meta.model._meta.get_field(name).many_to_many:
            return list(getattr(self.instance, name).all())
        return getattr(self.instance, name)

    def clean(self):
        cleaned_data = super().clean()
        token = self._posted_token()
        if token is None:
            # Not posted from the change form (a script): there is nothing to compare with.
            return cleaned_data
        seen, base = token
        self.conflict_base = base  # for the inline rows, saved after this form (save_formset)
        # self.instance is still the record as the database holds it now (read after the row
        # was locked); the form's values are put on it only after clean().
        current = self._current_digests()
        theirs_kept = []
        for name in self.conflict_fields:
            if (
                name in base
                and base[name] != current.get(name)
                and self._is_unchanged_by_me(name, base[name])
            ):
                # Only the other curator changed it: writing our stale value back would undo it.
                self.cleaned_data[name] = self._current_value(name)
                theirs_kept.append(name)
        changed = {key for key in seen.keys() | current.keys() if seen.get(key) != current.get(key)}
        if changed:
            self._report_conflict(changed, seen, current, theirs_kept)
            # This page has now shown the other version: the next save compares with it. The base
            # stays as first shown, so what this curator still has not touched keeps their value
            # and what they did change is saved knowingly.
            self.data = self.data.copy()
            self.data[self.add_prefix(TOKEN)] = self._token(current, base)
        return self.cleaned_data

    def _report_conflict(self, changed, seen, current, theirs_kept):
        names = []
        for name in self.conflict_fields:
            if name not in changed:
                continue
            names.append(str(self.fields[name].label or capfirst(name)))
            if name in theirs_kept:
                outcome = "You had not changed it, so saving keeps their version."
            else:
                outcome = "Your input is kept here: saving again replaces their version with it."
            self.add_error(
                name,
                "Another curator changed this after you opened the page. Their version: "
                f"“{_display(self.instance, name)}”. {outcome}",
            )
        for prefix, plural, fk_name, model, _ in self.conflict_inlines:
            rows = {f"{prefix}-{row.pk}": row for row in self._rows(fk_name, model)}
            for key in sorted(changed):
                if not key.startswith(f"{prefix}-"):
                    continue
                if key not in current:
                    names.append(f"{plural}: a row was deleted")
                elif key not in seen:
                    names.append(f"{plural}: “{rows[key]}” was added")
                else:
                    names.append(f"{plural}: “{rows[key]}” was changed")
        verbose_name = self._meta.model._meta.verbose_name
        self.add_error(
            None,
            f"Another curator saved this {verbose_name} after you opened it, changing: "
            f"{'; '.join(names)}. Nothing was saved. Your input is kept below and their values "
            "are shown under each field they changed; save again to go on from here, or reload "
            "the page to start from their version.",
        )


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

    def save_formset(self, request, form, formset, change):
        base = getattr(form, "conflict_base", None) or {}
        fields = next(
            (
                entry[4]
                for entry in getattr(form, "conflict_inlines", ())
                if entry[0] == formset.prefix
            ),
            None,
        )
        if base and fields:
            for row_form in formset.initial_forms:
                key = f"{formset.prefix}-{row_form.instance.pk}"
                if (
                    key in base
                    and row_form.has_changed()
                    and not formset._should_delete_form(row_form)
                ):
                    model_opts = formset.model._meta
                    mine = {
                        name: stable_value(
                            model_opts.get_field(name), row_form.cleaned_data.get(name)
                        )
                        for name in fields
                    }
                    if short_digest(mine) == base[key]:
                        # The row is as this curator was shown it; it only "changed" because
                        # another curator changed it since. Writing it would undo their edit.
                        row_form.has_changed = lambda: False
        super().save_formset(request, form, formset, change)

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
        if not transaction.get_connection(router.db_for_write(type(obj))).in_atomic_block:
            return obj  # a custom view outside the admin's transaction: nothing to hold a lock
        # Saving: lock the row for the rest of the admin's transaction, then read it again so
        # the comparison is with what is committed now (SQLite's IMMEDIATE transactions already
        # serialise writers; select_for_update is a no-op there).
        list(type(obj)._base_manager.select_for_update().filter(pk=obj.pk).values_list("pk"))
        return super().get_object(request, object_id, from_field)
