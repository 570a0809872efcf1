"""Whole-archive figures, shared for a minute, and forgotten all at once when the evidence changes.

The home counts and chart, a thread's side counts and a person's statistics are costly at a
million rows, so they are cached. Every cached figure's key carries a generation number; any
change to a record (a save, a delete, a many-to-many change, a fixture load or an admin bulk
action that uses `QuerySet.update()` and so sends no signal) bumps the generation, so the next
request recomputes every figure. One counter, rather than a list of keys to delete, because a
change to one message can move a thread's, two people's and the home page's figures.

The generation is kept in the database (`archive.Counter`), not in the cache: with the default
per-process cache a change made on one worker is then seen by every other at its next request,
and a Redis that was down or lost its keys cannot bring back figures from before a change. It is
read once per request and bumped when the change commits. Until then, the changing transaction
keeps its own figures under a key of its own, so its request sees them fresh and nobody else
sees figures computed from rows that are not committed.
"""

import contextvars
import uuid

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, transaction

from lib import counters
from ops.replicas import primary_reads

FIGURES_SECONDS = 60
GENERATION = "archive:figures-generation"
_MISSING = object()
_UNREAD = object()

# The generation read in the current request (_UNREAD until it is read; None outside requests,
# where every use reads it again).
_request_generation = contextvars.ContextVar("figures_generation", default=None)


def _start_request(**kwargs):
    _request_generation.set(_UNREAD)


def _finish_request(**kwargs):
    _request_generation.set(None)


request_started.connect(_start_request, dispatch_uid="archive-figures-generation-start")
request_finished.connect(_finish_request, dispatch_uid="archive-figures-generation-finish")


def _generation():
    memo = _request_generation.get()
    if memo is not None and memo is not _UNREAD:
        return memo
    with primary_reads():
        generation = counters.value(GENERATION)
    if memo is _UNREAD:
        _request_generation.set(generation)
    return generation


def _uncommitted_change():
    """A token naming the current transaction's uncommitted changes to records, or ''."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        connection.backchannel_figures_change = ""  # a transaction rolled back left it behind
    return getattr(connection, "backchannel_figures_change", "")


def cached_figures(name, compute, timeout=FIGURES_SECONDS):
    """compute() cached under `archive:<name>` until the timeout or the next change.

    Computed from the primary, even in a page view that reads from a replica: a figure that a
    lagging replica computed just after a change would be kept, under the new generation, for
    the whole timeout. A cache that does not answer is a miss (ops/cache_backends.py).
    """
    key = f"archive:{name}:g{_generation()}"
    change = _uncommitted_change()
    if change:
        key = f"{key}:{change}"
    figures = cache.get(key, _MISSING)
    if figures is _MISSING:
        with primary_reads():
            figures = compute()
        cache.add(key, figures, timeout)
    return figures


def _bump(using=DEFAULT_DB_ALIAS):
    counters.increment(GENERATION, using=using)
    if _request_generation.get() is not None:
        _request_generation.set(_UNREAD)  # this request's next figure reads the new generation


def forget_figures(using=DEFAULT_DB_ALIAS):
    """Make every cached figure stale when the current transaction commits (now, outside one).

    Until the commit, this transaction's own figures are computed afresh and kept apart from
    everyone else's: a figure computed from rows that may yet be rolled back is never shared.
    `using` is the database the change was written to (a signal's `using`).
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _bump(using)
        return
    connection.backchannel_figures_change = f"t{uuid.uuid4().hex}"

    def bump_once_committed():
        # Every change of the transaction registers one; the first to run after commit bumps.
        if connection.backchannel_figures_change:
            connection.backchannel_figures_change = ""
            _bump(using)

    transaction.on_commit(bump_once_committed, using=using, robust=True)


def forget_figures_receiver(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    forget_figures(using)


def connect_receivers():
    """Forget the figures on any write to the records they are computed from."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from archive.models import Account, Event, Message, Person, Source, Thread

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
