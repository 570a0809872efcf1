"""Load the archive's fixture files: natural keys, idempotent, counted.

Each record is matched on its external id; a record that already exists is saved only when a
field or a many-to-many set differs, so loading twice reports `created 0, updated 0`.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import transaction

DEFAULT_FIXTURES = [Path(settings.BASE_DIR) / "fixtures" / "archive.json"]


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_model: dict = field(default_factory=dict)

    def __str__(self):
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


def _differs(existing, incoming, m2m_data):
    for model_field in incoming._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if model_field.value_from_object(existing) != model_field.value_from_object(incoming):
            return True
    for name, pks in m2m_data.items():
        current = set(getattr(existing, name).values_list("pk", flat=True))
        if current != {int(pk) for pk in pks}:
            return True
    return False


@transaction.atomic
def load_fixture_files(paths=None):
    report = LoadReport()
    for path in paths or DEFAULT_FIXTURES:
        with open(path, encoding="utf-8") as stream:
            for item in serializers.deserialize("json", stream, handle_forward_references=False):
                instance = item.object
                model = type(instance)
                label = model._meta.label
                existing = (
                    model._base_manager.filter(pk=instance.pk).first() if instance.pk else None
                )
                if existing is not None and not _differs(existing, instance, item.m2m_data):
                    report.unchanged += 1
                    continue
                # A record matched by its natural key is an update, not an insert: unique checks
                # must not count the row against itself.
                instance._state.adding = existing is None
                instance.full_clean()
                item.save()
                if existing is None:
                    report.created += 1
                else:
                    report.updated += 1
                report.by_model[label] = report.by_model.get(label, 0) + 1
    return report
