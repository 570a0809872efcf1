"""Numbers every worker shares, kept in the database."""

from django.db import models


class Counter(models.Model):
    """A number every worker and app server shares, kept in the database: the cached figures'
    generation (lib/caching.py) and the rate-limit counters (annotations/accounts/throttling.py).

    In the database rather than the cache, so that it holds with the per-process default cache
    and while Redis is down, and a count cannot be lost with an evicted or unreachable key.
    `expires_at` lets a rate-limit window's counter be cleaned up once it has passed.
    """

    name = models.CharField(max_length=200, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self):
        return f"{self.name} = {self.value}"
