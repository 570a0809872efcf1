"""Whole-archive figures, shared for a minute, and forgotten all at once when the evidence changes.

The home counts and chart, a thread's side counts and a person's statistics are costly at a
million rows, so they are cached. Every cached figure's key carries a generation number; any
change to a record (a save, a delete, a many-to-many change, a fixture load or an admin bulk
action that uses `QuerySet.update()` and so sends no signal) bumps the generation, so the next
request recomputes every figure. One counter, rather than a list of keys to delete, because a
change to one message can move a thread's, two people's and the home page's figures.
"""

import time

from django.core.cache import cache
from django.db import transaction

from .replicas import primary_reads

FIGURES_SECONDS = 60
GENERATION_KEY = "archive:figures-generation"
_MISSING = object()


def _generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Start from the clock, not 1: if the counter was evicted, an old key cannot come back.
        cache.add(GENERATION_KEY, time.time_ns() // 1000, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def cached_figures(name, compute, timeout=FIGURES_SECONDS):
    """compute() cached under `archive:<name>` until the timeout or the next change.

    Computed from the primary, even in a page view that reads from a replica: a figure that a
    lagging replica computed just after a change would be kept, under the new generation, for
    the whole timeout.
    """
    key = f"archive:{name}:g{_generation()}"
    figures = cache.get(key, _MISSING)
    if figures is _MISSING:
        with primary_reads():
            figures = compute()
        cache.add(key, figures, timeout)
    return figures


def _bump():
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no counter yet (or evicted): nothing cached under it can be found either
        _generation()


def forget_figures():
    """Make every cached figure stale: now, and again when the current transaction commits.

    Now, so that the change's own request (and a test inside a transaction) sees fresh figures;
    at commit, so that a figure recomputed from the old rows before the commit is not kept.
    """
    _bump()
    transaction.on_commit(_bump)


def forget_figures_receiver(sender, **kwargs):
    forget_figures()


def connect_receivers():
    """Forget the figures on any write to the records they are computed from."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import Account, Event, Message, Person, Source, Thread

    for model in (Person, Account, Source, Thread, Message, Event):
        uid = f"archive-figures-{model._meta.model_name}"
        post_save.connect(forget_figures_receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(forget_figures_receiver, sender=model, dispatch_uid=uid)
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                forget_figures_receiver,
                sender=field.remote_field.through,
                dispatch_uid=f"{uid}-{field.name}",
            )
