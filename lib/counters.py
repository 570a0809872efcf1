"""Numbers shared by every worker and app server, kept in the database (`archive.Counter`).

`increment` is atomic on SQLite and PostgreSQL alike: the row's UPDATE takes the write lock, so
two workers counting at once both count, and the value read back in the same transaction is at
least every increment committed before it.
"""

from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from archive.models.counters import Counter


def increment(name, *, expires_at=None, using=DEFAULT_DB_ALIAS):
    """Add one to counter `name` (made at 1 when new) and return its value now."""
    counters = Counter.objects.db_manager(using)
    with transaction.atomic(using=using):
        if not counters.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic(using=using):
                    counters.create(name=name, value=1, expires_at=expires_at)
            except IntegrityError:  # made by another worker a moment ago: count on it
                counters.filter(name=name).update(value=F("value") + 1)
            else:
                if expires_at is not None:
                    # A new window began: the windows that have ended are no longer counted.
                    counters.filter(expires_at__lt=timezone.now()).delete()
                return 1
        return counters.values_list("value", flat=True).get(name=name)


def value(name):
    """Counter `name`'s value; 0 if it was never incremented."""
    return Counter.objects.filter(name=name).values_list("value", flat=True).first() or 0
