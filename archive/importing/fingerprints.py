"""One record's state as stable, comparable values: what the loader and the admin compare.

The loader stores a record's fingerprint when it writes it (`LoadedFixture`) and later compares
it with the database to tell a curator's edit from its own; the admin carries the per-field
digests of a change form as it was shown and compares them on save to catch a second curator's
edit. Both call the functions here, so "changed" means the same thing in both places.
"""

import datetime
import hashlib
import json

from archive.models.links import LINK_CHECK_FIELDS

MAX_KEY_LENGTH = 300  # LoadedFixture.natural_key


def _stable(value):
    """A JSON-able form of a field value that survives a database round trip unchanged."""
    if isinstance(value, str):
        # A browser sends a textarea back with \r\n line ends and a form strips the ends: a text
        # resubmitted as it was shown must compare equal to the stored one.
        return value.replace("\r\n", "\n").strip()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_stable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _stable(item) for key, item in value.items()}
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # The same instant written with another offset (a fixture's -05:00, the database's UTC).
        return value.astimezone(datetime.UTC).isoformat()
    # Dates, datetimes, durations, UUIDs, decimals: their string form is exact and stable.
    return str(value)


def _digest(value):
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Values the app derives and sets itself, left out of what "changed since loading" (and the
# admin's edit conflict check) compares: a note's anchor in its message's text is placed again
# whenever a curator corrects that text; `check_links` records what a cited address answered;
# a record's first publication is dated by the archive. None of these is an edit.
DERIVED_FIELDS = {
    "archive.source": set(LINK_CHECK_FIELDS),
    "annotations.sourcelink": set(LINK_CHECK_FIELDS),
    "annotations.annotation": {
        "quote_prefix",
        "quote_suffix",
        "quote_start",
        "quote_end",
        "is_orphaned",
        "anchor_changed_at",
    },
    "archive.message": {"first_published_at"},
    "archive.event": {"first_published_at"},
}


def editable_field_names(model):
    """Concrete fields except the primary key, then many-to-many fields: what a record holds."""
    opts = model._meta
    derived = DERIVED_FIELDS.get(opts.label_lower, set())
    fields = [f.name for f in opts.concrete_fields if not f.primary_key] + [
        f.name for f in opts.many_to_many
    ]
    return [name for name in fields if name not in derived]


def record_state(instance, m2m_pks=None, fields=None):
    """{field name: stable value}; a foreign key as its id, a many-to-many set as sorted ids.

    `m2m_pks` gives many-to-many sets for an instance not (yet) saved with them, such as a record
    read from a fixture; otherwise they are read from the database.
    """
    opts = instance._meta
    names = fields if fields is not None else editable_field_names(type(instance))
    state = {}
    for name in names:
        field = opts.get_field(name)
        if field.many_to_many:
            if m2m_pks is not None and name in m2m_pks:
                pks = m2m_pks[name]
            elif instance.pk is None:
                pks = []
            else:
                pks = getattr(instance, name).order_by().values_list("pk", flat=True)
            to_pk = field.related_model._meta.pk.to_python
            state[name] = sorted(_stable(to_pk(pk)) for pk in pks)
        else:
            state[name] = _stable(field.value_from_object(instance))
    return state


def fingerprint(instance, m2m_pks=None):
    """sha256 of a record's field values and many-to-many sets (all but derived ones)."""
    return state_fingerprint(record_state(instance, m2m_pks))


def state_fingerprint(state):
    """The fingerprint of a `record_state()` already read."""
    return _digest(state)


def stable_value(model_field, value):
    """A form's cleaned value in the form `record_state()` reads it from the database."""
    if model_field.many_to_many:
        return sorted(_stable(getattr(item, "pk", item)) for item in value or [])
    if model_field.is_relation:
        value = getattr(value, "pk", value)
    return _stable(value)


def short_digest(value):
    """A short digest of one stable value: small enough to carry in a hidden form field."""
    return _digest(value)[:16]


def field_digests(instance, fields):
    """{field name: short digest of its value} for some of a record's fields."""
    state = record_state(instance, None, fields)
    return {name: short_digest(value) for name, value in state.items()}


def natural_key_text(parts):
    """How LoadedFixture stores a natural key: a JSON list, shortened (still unique) if long."""
    text = json.dumps([str(part) for part in parts], ensure_ascii=False)
    if len(text) > MAX_KEY_LENGTH:
        text = f"{text[: MAX_KEY_LENGTH - 72]}…{hashlib.sha256(text.encode()).hexdigest()}"
    return text


def natural_key_label(text):
    """'m05', or 'd01/s10' for a key of two parts: how reports name a record."""
    try:
        parts = json.loads(text)
    except ValueError:
        return text
    return "/".join(parts)
