"""Corrections: what changed in a published record, word by word."""

import datetime
import difflib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst

from archive.models.events import Event
from archive.models.messages import Message


class Correction(models.Model):
    """A curator's change to a record's evidence, kept as the record's public change log."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="corrections"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(
        default=list, help_text='[{"field": "text", "label": "Text", "before": …, "after": …}]'
    )
    note = models.TextField(blank=True, help_text="The curators' reason, shown to readers.")

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(message__isnull=False) & Q(event__isnull=True))
                | (Q(message__isnull=True) & Q(event__isnull=False)),
                name="correction_exactly_one_record",
            ),
        ]

    def __str__(self):
        record = self.message or self.event
        return f"Correction of {record.external_id} at {self.created:%Y-%m-%d %H:%M}"

    @property
    def anchor(self):
        """'correction-20161003T201000123456Z': its place on the record's page, by its UTC time
        (stable across a reload of the database, unlike its key)."""
        return f"correction-{self.created.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}"

    @classmethod
    def record(cls, before, after, editor=None, note=""):
        """Keep what changed in the evidence between two versions of a message or event.

        Returns the new Correction, or None when no evidence field changed.
        """
        changes = []
        for name in after.CORRECTABLE_FIELDS:
            field = after._meta.get_field(name)
            old, new = _shown_value(before, field), _shown_value(after, field)
            if old != new:
                label = capfirst(field.verbose_name)
                changes.append({"field": name, "label": label, "before": old, "after": new})
        if not changes:
            return None
        return cls.objects.create(
            **{after._meta.model_name: after}, editor=editor, changes=changes, note=note
        )

    def readable_changes(self):
        """Each change for a reader: a short value whole ('was: …'), a long text as the words
        that changed with a few words around them, so a one-word fix reads as one word."""
        readable = []
        for change in self.changes:
            before, after = change.get("before", ""), change.get("after", "")
            edits = None
            if len(before) > LONG_VALUE and len(after) > LONG_VALUE:
                edits = word_edits(before, after)
            readable.append({**change, "edits": edits})
        return readable


# Values longer than this are shown as their changed words, not whole.
LONG_VALUE = 80


CONTEXT_WORDS = 4


def word_edits(before, after):
    """[{'before_context', 'removed', 'added', 'after_context'}, …]: the words that changed."""
    old, new = before.split(), after.split()
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            {
                "before_context": " ".join(old[max(0, i1 - CONTEXT_WORDS) : i1]),
                "removed": " ".join(old[i1:i2]),
                "added": " ".join(new[j1:j2]),
                "after_context": " ".join(old[i2 : i2 + CONTEXT_WORDS]),
            }
        )
    return edits


def _shown_value(record, field):
    """A field's value as a reader would read it (a name, a label, an ISO date), '' if empty."""
    if field.is_relation:
        related = getattr(record, field.name)
        return str(related) if related is not None else ""
    value = field.value_from_object(record)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
