"""Undo an import batch that nothing depends on: its messages go, with the conversations,
accounts, people and sources only they used, and its attachment files; the batch itself stays
(marked undone, with what went) as provenance, and its file may be imported again.

    blockers = what_depends_on(batch)        # [] when it can be undone
    report = undo_batch(batch, by="…")       # UndoRefused(blockers) otherwise

What depends on a batch, and so stops the undo (each named, with a count):
- its messages being published (readers may have read and cited them: unpublish first);
- notes on its messages, in any visibility (a researcher's work);
- curators' work on its messages: corrections, or edits in the admin;
- records outside it that point at its messages: replies from other messages, events,
  discrepancies;
- other messages in the conversations it made (a later import joined them).
"""

from collections import Counter

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from archive.models import (
    Account,
    Attachment,
    Correction,
    Discrepancy,
    Event,
    ImportBatch,
    Message,
    Person,
    Source,
    Thread,
)
from lib.caching import forget_figures


class UndoRefused(Exception):
    def __init__(self, blockers):
        self.blockers = blockers
        super().__init__("; ".join(blockers))


def what_depends_on(batch):
    """Why the batch cannot be undone, in words: [] when nothing depends on it."""
    from annotations.models import Annotation

    if batch.undone_at:
        return [f"it was undone on {batch.undone_at:%Y-%m-%d %H:%M} by {batch.undone_by_name}"]
    messages = Message.objects.filter(import_batch=batch)
    ids = messages.values("pk")
    thread_ids = messages.values("thread_id")
    checks = [
        (
            messages.filter(is_published=True).count(),
            "of its messages are published (readers may have cited them): unpublish them first",
        ),
        (Annotation.objects.filter(message__in=ids).count(), "notes are on its messages"),
        (Correction.objects.filter(message__in=ids).count(), "corrections were made to them"),
        (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Message),
                action_flag=CHANGE,
                object_id__in=[str(pk) for pk in messages.values_list("pk", flat=True)],
            ).count(),
            "edits were made to them in the admin",
        ),
        (
            Message.objects.filter(in_reply_to__in=ids).exclude(import_batch=batch).count(),
            "messages outside it reply to them",
        ),
        (
            Event.objects.filter(messages__in=ids).distinct().count(),
            "events name its messages",
        ),
        (Discrepancy.objects.filter(message__in=ids).count(), "discrepancies are about them"),
        (
            Message.objects.filter(thread__in=thread_ids).exclude(import_batch=batch).count(),
            "messages of other imports (or of the archive) share its conversations",
        ),
    ]
    return [f"{count:,} {reason}" for count, reason in checks if count]


@transaction.atomic
def undo_batch(batch, by):
    """Remove what the batch imported (see the module's docstring). Returns what went."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    blockers = what_depends_on(batch)
    if blockers:
        raise UndoRefused(blockers)
    messages = Message.objects.filter(import_batch=batch)
    threads = set(messages.values_list("thread_id", flat=True))
    accounts = set(messages.values_list("sender_id", flat=True)) | set(
        Message.recipients.through.objects.filter(message__import_batch=batch).values_list(
            "account_id", flat=True
        )
    )
    attachments = Attachment.objects.filter(message__import_batch=batch)
    files = list(attachments.exclude(file="").values_list("file", flat=True))
    gone = Counter()
    gone["attachments"] = attachments.delete()[0]
    # Replies first, so that no message is deleted while another still points at it.
    gone["messages"] = messages.count()
    messages.filter(in_reply_to__isnull=False).update(in_reply_to=None)
    messages.delete()
    gone["threads"] = _delete_unused(Thread.objects.filter(pk__in=threads, messages__isnull=True))
    gone["accounts"], gone["people"] = _unused_accounts_and_people(accounts)
    gone["sources"] = _delete_unused(
        Source.objects.filter(import_batch=batch, messages__isnull=True, events__isnull=True)
    )
    batch.undone_at = timezone.now()
    batch.undone_by_name = by[:200]
    batch.report = {**batch.report, "undone": dict(gone)}
    batch.save(update_fields=["undone_at", "undone_by_name", "report"])
    transaction.on_commit(lambda: _remove_files(files))
    transaction.on_commit(forget_figures)
    return dict(gone)


def _unused_accounts_and_people(account_ids):
    """Delete the accounts the batch's messages used that nothing uses any more, and then their
    people if they are left with no account and nothing names them."""
    unused = Account.objects.filter(
        pk__in=account_ids,
        sent_messages__isnull=True,
        received_messages__isnull=True,
        threads__isnull=True,
    )
    people = set(unused.values_list("person_id", flat=True))
    accounts = _delete_unused(unused)
    people = _delete_unused(
        Person.objects.filter(pk__in=people, accounts__isnull=True, events__isnull=True)
    )
    return accounts, people


def _delete_unused(queryset):
    """Delete each record nothing protects (a record still named elsewhere stays)."""
    deleted = 0
    for record in queryset.distinct():
        try:
            with transaction.atomic():
                record.delete()
            deleted += 1
        except ProtectedError:
            continue
    return deleted


def _remove_files(names):
    from django.core.files.storage import default_storage

    for name in names:
        if not Attachment.objects.filter(file=name).exists():  # another message's same file
            default_storage.delete(name)
