"""Load the archive's fixture files: natural keys, idempotent, counted, and the curators' work kept.

Each record is matched on its natural key (an external id). Once curators work on the archive,
the database, not the fixture file, is the record: loading writes a record only when it is new,
or when nobody has changed it since the loader last wrote it. To tell the two apart, every write
stores the record's fingerprint in `LoadedFixture`; a record whose fingerprint no longer matches
(or that has none and differs from the fixture) was edited in the admin and is kept, and a
record loaded once and now gone was deleted in the admin and stays deleted. `overwrite=True`
(`load_archive --overwrite`) replaces and recreates those, and the report names each one.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from archive.importing.fingerprints import (
    fingerprint,
    natural_key_label,
    natural_key_text,
    record_state,
    state_fingerprint,
)
from archive.models import LoadedFixture
from archive.models.base import note_first_publication
from archive.models.withholdings import reapply_withholdings

DEFAULT_FIXTURES = [Path(settings.BASE_DIR) / "fixtures" / "archive.json"]


def _records(count):
    return f"{count} record{'' if count == 1 else 's'}"


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_model: dict = field(default_factory=dict)
    kept_edited: list = field(default_factory=list)  # natural keys, as labels ("m05")
    kept_deleted: list = field(default_factory=list)
    replaced: list = field(default_factory=list)  # --overwrite: edited records put back
    recreated: list = field(default_factory=list)  # --overwrite: deleted records made again
    left_out: int = 0  # new fixture records that belong to a record kept deleted
    withheld_again: list = field(default_factory=list)  # withholdings in force, applied again

    def __str__(self):
        lines = [f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"]
        for verb, keys, how in [
            ("kept", self.kept_edited, "edited in the admin"),
            ("kept", self.kept_deleted, "deleted in the admin"),
            ("replaced", self.replaced, "edited in the admin"),
            ("recreated", self.recreated, "deleted in the admin"),
        ]:
            if keys:
                lines.append(f"{verb} {_records(len(keys))} {how}: {', '.join(sorted(keys))}")
        if self.left_out:
            lines.append(
                f"left out {_records(self.left_out)} of the fixture that belong to records "
                "deleted in the admin"
            )
        if self.withheld_again:
            lines.append(
                f"withheld again {_records(len(self.withheld_again))} the fixture gave back "
                f"words withheld from: {', '.join(sorted(self.withheld_again))}"
            )
        if self.kept_edited or self.kept_deleted:
            lines.append("(load_archive --overwrite puts the fixture's version back)")
        return "\n".join(lines)


def _read(paths):
    for path in paths:
        with open(path, encoding="utf-8") as stream:
            try:
                yield from json.load(stream)
            except ValueError as error:
                raise serializers.base.DeserializationError(f"{path}: {error}") from error


def _model(raw):
    try:
        return apps.get_model(raw["model"])
    except (KeyError, TypeError, LookupError, ValueError) as error:
        raise serializers.base.DeserializationError(
            f"not a record of this archive: {raw!r:.200}"
        ) from error


def _deleted_since_loading(tracked, labels):
    """{(model label, key)} of records the loader wrote once and that are gone now."""
    keys_by_model = defaultdict(set)
    for label, key in tracked:
        if label in labels:
            keys_by_model[label].add(key)
    deleted = set()
    for label, keys in keys_by_model.items():
        model = apps.get_model(label)
        # select_related(): natural keys made of foreign keys (readings, source links) are
        # read without a query per row.
        present = {
            natural_key_text(obj.natural_key())
            for obj in model._base_manager.select_related().order_by()
        }
        deleted.update((label, key) for key in keys - present)
    return deleted


def _without_deleted_references(model, raw, deleted):
    """The raw fixture record minus references to records kept deleted; None if it belongs to one.

    A record whose foreign key points at a deleted record cannot be loaded (it was removed with
    it); a many-to-many set simply loses the deleted members.
    """
    fields = dict(raw.get("fields", {}))
    for model_field in model._meta.fields:
        value = fields.get(model_field.name)
        if model_field.is_relation and isinstance(value, list):
            target = model_field.related_model._meta.label_lower
            if (target, natural_key_text(value)) in deleted:
                return None
    for model_field in model._meta.many_to_many:
        values = fields.get(model_field.name)
        if values:
            target = model_field.related_model._meta.label_lower
            fields[model_field.name] = [
                value
                for value in values
                if not (isinstance(value, list) and (target, natural_key_text(value)) in deleted)
            ]
    return {**raw, "fields": fields}


def _remember(label, key, instance):
    """Store the fingerprint of the record as the database now holds it."""
    saved = type(instance)._base_manager.get(pk=instance.pk)
    LoadedFixture.objects.update_or_create(
        model=label,
        natural_key=key,
        defaults={"fingerprint": fingerprint(saved), "loaded_at": timezone.now()},
    )


def _save(item, existing, key):
    instance = item.object
    # A record matched by its natural key is an update, not an insert: unique checks must not
    # count the row against itself.
    instance._state.adding = existing is None
    if hasattr(instance, "first_published_at"):
        # The archive dates a record's first publication, never a fixture: keep the stored date,
        # or date it now (a fixture is loaded raw, without the model's save()).
        instance.first_published_at = existing.first_published_at if existing else None
        note_first_publication(instance)
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ValidationError(f"{natural_key_label(key)}: {error}") from error
    item.save()


@transaction.atomic
def load_fixture_files(paths=None, overwrite=False):
    report = LoadReport()
    raw_records = list(_read(paths or DEFAULT_FIXTURES))
    tracked = {(row.model, row.natural_key): row for row in LoadedFixture.objects.all()}
    deleted = set()
    if not overwrite:
        labels = {str(raw.get("model", "")).lower() for raw in raw_records}
        deleted = _deleted_since_loading(tracked, labels)
        report.kept_deleted = [natural_key_label(key) for _, key in deleted]

    for raw in raw_records:
        model = _model(raw)
        if deleted:
            raw = _without_deleted_references(model, raw, deleted)
            if raw is None:
                report.left_out += 1
                continue
        (item,) = serializers.deserialize("python", [raw], handle_forward_references=False)
        instance = item.object
        label = model._meta.label_lower
        key = natural_key_text(instance.natural_key())
        loaded = tracked.get((label, key))
        existing = model._base_manager.filter(pk=instance.pk).first() if instance.pk else None

        if existing is None:
            if (label, key) in deleted:
                continue  # deleted in the admin after loading: already reported
            _save(item, None, key)
            _remember(label, key, instance)
            report.created += 1
            if loaded is not None:
                report.recreated.append(natural_key_label(key))
        else:
            current = record_state(existing)
            current_fingerprint = state_fingerprint(current)
            if current == record_state(instance, item.m2m_data):
                report.unchanged += 1
                if loaded is None or loaded.fingerprint != current_fingerprint:
                    _remember(label, key, existing)
                continue
            untouched = loaded is not None and loaded.fingerprint == current_fingerprint
            if not untouched and not overwrite:
                report.kept_edited.append(natural_key_label(key))
                continue
            _save(item, existing, key)
            _remember(label, key, instance)
            report.updated += 1
            if not untouched:
                report.replaced.append(natural_key_label(key))
        report.by_model[label] = report.by_model.get(label, 0) + 1
    # What curators withheld stays withheld, whatever the fixture says.
    report.withheld_again = reapply_withholdings()
    return report
