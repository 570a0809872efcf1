"""Withholding: words, a field or an attachment of a message taken out of everything readers get.

A leak publishes private correspondence; a third party's phone number in it is not the
archive's to publish. Editing the text would publish the removed words in the correction
notice, so withholding is not an edit: the words are replaced, in the stored record itself, by
"[withheld: <reason>]" — in the text, summary, subject, e-mail headers, searchable header text,
original form, links, attachment names, the conversation's title, the accounts and people of the
message, its corrections and the notes on it (through `words_withheld`, which the annotations app
answers) — and the words themselves are kept only here, in `before`, which curators alone read.
Every output (pages, search and its index, API, exports, feeds, releases, citations, caches and
replicas) reads the stored records, so none of them can hold the words: there is no second copy
to forget to filter.

Releasing a withholding puts back what it replaced wherever nothing has changed since (and
re-applies the other withholdings still in force); a place edited since keeps the placeholder,
and the release says how many.
"""

from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from archive.models.corrections import Correction
from archive.models.events import Event
from archive.models.messages import Message, Thread
from archive.models.people import Account, Person
from archive.models.provenance import Attachment
from archive.models.slugs import event_slug
from lib.caching import forget_figures

# Sent with (withholding, replace) when words are withheld: each receiver replaces them in what
# it keeps about the message (replace(text) -> text) and returns {key: {pk: before}} to keep.
words_withheld = Signal()
# Sent with (withholding, vault) when it is released: each receiver restores its part.
withholding_released = Signal()

MESSAGE_FIELDS = ("text", "summary", "subject", "curator_note", "header_text")
MESSAGE_JSON_FIELDS = ("mail_headers", "original", "links")
THREAD_FIELDS = ("title", "description")
ACCOUNT_FIELDS = ("handle", "note")
PERSON_FIELDS = ("name", "description")
EVENT_FIELDS = ("title", "description", "time_note")


class WithholdingError(ValueError):
    """Words not in the record, an empty reason, a release that cannot be made: nothing
    changed."""


class Withholding(models.Model):
    class Reason(models.TextChoices):
        CONTACT = "contact", "personal contact details"
        THIRD_PARTY = "third_party", "a third party's private data"
        HEALTH = "health", "health or other sensitive personal data"
        LEGAL = "legal", "legal reasons"
        OTHER = "other", "other reasons"

    class Scope(models.TextChoices):
        EVERYWHERE = "", "words in the record"
        SUBJECT = "subject", "the subject"
        TEXT = "text", "the text"
        SUMMARY = "summary", "the summary"
        ATTACHMENT = "attachment", "an attachment"

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="withholdings"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, null=True, blank=True, related_name="withholdings"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices, blank=True, default="")
    attachment = models.ForeignKey(
        Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="withholdings"
    )
    words = models.TextField(
        blank=True, help_text="The exact words withheld (curators only; never shown to readers)."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reason_note = models.TextField(
        blank=True, help_text="The curators' own words on why (curators only)."
    )
    # What each place held before: {"message": {field: value}, "threads": {pk: {…}}, …}.
    before = models.JSONField(default=dict, editable=False)
    after = models.JSONField(default=dict, editable=False)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(message__isnull=False) & models.Q(event__isnull=True))
                | (models.Q(message__isnull=True) & models.Q(event__isnull=False)),
                name="withholding_of_one_record",
            ),
        ]

    def __str__(self):
        state = "released" if self.released_at else "in force"
        return f"Withholding {self.pk} on {self.record.external_id} ({state})"

    @property
    def record(self):
        return self.message if self.message_id else self.event

    @property
    def placeholder(self):
        return placeholder(self.reason)

    @property
    def in_force(self):
        return self.released_at is None


def placeholder(reason):
    return f"[withheld: {Withholding.Reason(reason).label}]"


def _replacer(words, mark):
    def replace(value):
        if isinstance(value, str):
            return value.replace(words, mark) if words else value
        if isinstance(value, list):
            return [replace(item) for item in value]
        if isinstance(value, dict):
            return {key: replace(item) for key, item in value.items()}
        return value

    return replace


def _replacer_all(pairs):
    replacers = [_replacer(words, mark) for words, mark in pairs]

    def replace(value):
        for one in replacers:
            value = one(value)
        return value

    return replace


def _holds(value, words):
    if isinstance(value, str):
        return words in value
    if isinstance(value, list):
        return any(_holds(item, words) for item in value)
    if isinstance(value, dict):
        return any(_holds(item, words) for item in value.values())
    return False


def _message_fields(scope):
    if scope in ("", None):
        return MESSAGE_FIELDS + MESSAGE_JSON_FIELDS
    return (scope,)


def _check_reason(reason):
    if reason not in Withholding.Reason.values:
        choices = ", ".join(Withholding.Reason.values)
        raise WithholdingError(f"Give a reason: one of {choices}.")


def _withhold_in_corrections(corrections, words, replace, before, after):
    """The record's earlier corrections lose the words too (a correction shows old words)."""
    before["corrections"], after["corrections"] = {}, {}
    for correction in corrections:
        if _holds(correction.changes, words):
            before["corrections"][str(correction.pk)] = correction.changes
            correction.changes = replace(correction.changes)
            correction.save(update_fields=["changes"])
            after["corrections"][str(correction.pk)] = correction.changes


def _withhold_in_notes(withholding, replace, text_before, before, after):
    """The notes on the record (the annotations app answers `words_withheld`), before the
    record is saved: their quotes are re-anchored in the new text by the save."""
    answers = words_withheld.send(
        Withholding,
        withholding=withholding,
        replace=replace,
        words=withholding.words,
        text_before=text_before,
    )
    for _receiver, kept in answers:
        for key, (was, now) in (kept or {}).items():
            before[key], after[key] = was, now


@transaction.atomic
def withhold(message, words, reason, *, scope="", note="", user=None, attachment=None):
    """Withhold `words` (or the whole `scope` field when no words are given, or an attachment)
    of `message`: the placeholder takes their place in every copy the archive keeps. Returns
    the Withholding; WithholdingError (and nothing changed) when there is nothing to withhold."""
    _check_reason(reason)
    message = Message.objects.select_for_update().get(pk=message.pk)
    if attachment is not None:
        if attachment.message_id != message.pk:
            raise WithholdingError("That attachment is not one of this message's.")
        scope, words = Withholding.Scope.ATTACHMENT, attachment.name
    elif scope and scope not in ("subject", "text", "summary"):
        raise WithholdingError("A whole field is the subject, the text or the summary.")
    elif not words:
        if not scope:
            raise WithholdingError("Give the exact words to withhold, or a whole field.")
        words = getattr(message, scope)
        if not words or words.startswith("[withheld: ") and words.endswith("]"):
            raise WithholdingError(f"The message's {scope} is empty or withheld already.")
    mark = placeholder(reason)
    if words in mark:
        raise WithholdingError("Those words are the placeholder's own.")
    replace = _replacer(words, mark)
    if scope == Withholding.Scope.SUBJECT:
        # The conversation's title is the subject without its "Re:": withheld with it.
        title = message.thread.title
        if title and title in words and title != words:
            replace = _replacer_all([(words, mark), (title, mark)])
    text_before = message.text
    before, after = {}, {}
    fields = () if attachment is not None else _message_fields(scope)
    changed = {
        name: getattr(message, name) for name in fields if _holds(getattr(message, name), words)
    }
    if attachment is None and not changed:
        where = f"its {scope}" if scope else "it"
        raise WithholdingError(f"These words are not in {where} (they must match exactly).")
    if scope in ("", "attachment") and _holds(message.header_text, words):
        changed["header_text"] = message.header_text
    before["message"] = changed
    after["message"] = {name: replace(value) for name, value in changed.items()}
    for name, value in after["message"].items():
        setattr(message, name, value)
    related = []
    if scope in ("", "subject"):
        related.append(("threads", Thread.objects.filter(pk=message.thread_id), THREAD_FIELDS))
    if not scope:
        # (ids, not a join: PostgreSQL locks no rows of a DISTINCT query)
        account_ids = [message.sender_id, *message.recipients.values_list("pk", flat=True)]
        accounts = Account.objects.filter(pk__in=account_ids)
        person_ids = list(accounts.values_list("person_id", flat=True))
        related.append(("accounts", accounts, ACCOUNT_FIELDS))
        related.append(("people", Person.objects.filter(pk__in=person_ids), PERSON_FIELDS))
        related.append(("attachments", message.attachments.all(), ("name",)))
    for key, queryset, names in related:
        _replace_in(queryset, names, replace, before.setdefault(key, {}),
                    after.setdefault(key, {}))  # fmt: skip
    if attachment is not None:
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        was = {"name": attachment.name, "is_public": attachment.is_public}
        before["attachments"] = {str(attachment.pk): was}
        attachment.name, attachment.is_public = mark, False
        attachment.save(update_fields=["name", "is_public"])
        after["attachments"] = {str(attachment.pk): {"name": mark, "is_public": False}}
    _withhold_in_corrections(Correction.objects.filter(message=message), words, replace,
                             before, after)  # fmt: skip
    withholding = Withholding.objects.create(
        message=message,
        scope=scope,
        attachment=attachment,
        words=words,
        reason=reason,
        reason_note=note,
        created_by=user,
    )
    _withhold_in_notes(withholding, replace, text_before, before, after)
    message.saved_by_withholding = True  # (annotations/signals.py: no "corrected" notice)
    message.save()
    withholding.before, withholding.after = before, after
    withholding.save(update_fields=["before", "after"])
    withholding.withdrawn_releases = withdraw_releases_holding(message)
    forget_figures()  # the cached figures (home, sources, threads) are made again
    return withholding


@transaction.atomic
def withhold_event(event, words, reason, *, note="", user=None):
    """Withhold `words` of an event (its title, description and time note, its corrections and
    the notes on it); a title's words leave its page's address too (a new slug: the old one
    still leads to it). Returns the Withholding; WithholdingError when nothing is withheld."""
    _check_reason(reason)
    if not words:
        raise WithholdingError("Give the exact words to withhold.")
    mark = placeholder(reason)
    if words in mark:
        raise WithholdingError("Those words are the placeholder's own.")
    event = Event.objects.select_for_update().get(pk=event.pk)
    replace = _replacer(words, mark)
    changed = {name: getattr(event, name) for name in EVENT_FIELDS
               if _holds(getattr(event, name), words)}  # fmt: skip
    if not changed:
        raise WithholdingError("These words are not in it (they must match exactly).")
    now = {name: replace(value) for name, value in changed.items()}
    if "title" in changed:
        changed["slug"] = event.slug
        now["slug"] = event_slug(event.external_id, now["title"])
    for name, value in now.items():
        setattr(event, name, value)
    before, after = {"event": changed}, {"event": now}
    _withhold_in_corrections(Correction.objects.filter(event=event), words, replace,
                             before, after)  # fmt: skip
    withholding = Withholding.objects.create(
        event=event, words=words, reason=reason, reason_note=note, created_by=user
    )
    _withhold_in_notes(
        withholding, replace, changed.get("description", event.description), before, after
    )
    event.save()
    withholding.before, withholding.after = before, after
    withholding.save(update_fields=["before", "after"])
    withholding.withdrawn_releases = withdraw_releases_holding(event)
    forget_figures()
    return withholding


def withdraw_releases_holding(record):
    """Withdraw every dataset release that may hold the message or event as it was (the whole
    site's, or its collection's, made since it was first published): its file is removed at once, as
    it holds words now withheld; the row stays, listed as withdrawn. Returns their versions."""
    from archive.exports.release import releases_dir
    from archive.models.provenance import DatasetRelease

    if record.first_published_at is None:
        return []
    collection = record.collection_id if isinstance(record, Event) else record.thread.collection_id
    releases = DatasetRelease.objects.filter(
        models.Q(collection__isnull=True) | models.Q(collection=collection),
        withdrawn_at__isnull=True,
        created__gte=record.first_published_at,
    )
    withdrawn = []
    for found in releases:
        found.withdrawn_at = timezone.now()
        found.withdrawn_reason = "it held words of a message since withheld; a new release follows"
        found.save(update_fields=["withdrawn_at", "withdrawn_reason"])
        # At once, not on commit: should the rest fail, a missing file is the safe side.
        (releases_dir() / found.file_name).unlink(missing_ok=True)
        withdrawn.append(found.version)
    return withdrawn


def _replace_in(queryset, names, replace, before, after):
    for record in queryset.select_for_update():
        was = {
            name: getattr(record, name)
            for name in names
            if replace(getattr(record, name)) != getattr(record, name)
        }
        if not was:
            continue
        now = {name: replace(value) for name, value in was.items()}
        for name, value in now.items():
            setattr(record, name, value)
        record.save(update_fields=list(now))
        before[str(record.pk)], after[str(record.pk)] = was, now


MODELS = {"threads": Thread, "accounts": Account, "people": Person, "attachments": Attachment}


@transaction.atomic
def release(withholding, user=None):
    """Put the withheld words back wherever nothing has changed since; returns how many places
    kept the placeholder because they were edited since."""
    withholding = Withholding.objects.select_for_update().get(pk=withholding.pk)
    if not withholding.in_force:
        raise WithholdingError(f"Withholding {withholding.pk} was released already.")
    later = list(
        Withholding.objects.filter(
            message=withholding.message_id,
            event=withholding.event_id,
            released_at__isnull=True,
            created__gt=withholding.created,
        ).exclude(pk=withholding.pk)
    )

    def again(value):  # the withholdings made after this one, applied again
        for other in later:
            value = _replacer(other.words, other.placeholder)(value)
        return value

    kept = 0
    key = "message" if withholding.message_id else "event"
    model = Message if withholding.message_id else Event
    record = model.objects.select_for_update().get(pk=withholding.record.pk)
    for name, was in withholding.before.get(key, {}).items():
        now = withholding.after[key][name]
        if again(now) == getattr(record, name):
            setattr(record, name, again(was))
        else:
            kept += 1
    for part, part_model in MODELS.items():
        for pk, was in withholding.before.get(part, {}).items():
            related = part_model.objects.select_for_update().filter(pk=pk).first()
            if related is None:
                continue
            now = withholding.after[part][pk]
            fields = [name for name in was if getattr(related, name) == again(now[name])]
            kept += len(was) - len(fields)
            for name in fields:
                setattr(related, name, again(was[name]))
            if fields:
                related.save(update_fields=fields)
    for pk, was in withholding.before.get("corrections", {}).items():
        correction = Correction.objects.filter(pk=pk).first()
        if correction is not None and correction.changes == again(
            withholding.after["corrections"][pk]
        ):
            correction.changes = again(was)
            correction.save(update_fields=["changes"])
        elif correction is not None:
            kept += 1
    for _receiver, count in withholding_released.send(
        Withholding, withholding=withholding, again=again
    ):
        kept += count or 0
    record.saved_by_withholding = True  # (annotations/signals.py: no "corrected" notice)
    record.save()
    withholding.released_at, withholding.released_by = timezone.now(), user
    withholding.save(update_fields=["released_at", "released_by"])
    forget_figures()
    return kept


def reapply_withholdings():
    """Withhold again, wherever they are back, the words of every withholding in force: a
    reload of the archive (`load_archive --overwrite`) or a restore writes the records as they
    were before. Returns the ids of the messages withheld again."""
    again = []
    for withholding in Withholding.objects.filter(
        released_at__isnull=True, event__isnull=False
    ).select_related("event"):
        event, replace = withholding.event, _replacer(withholding.words, withholding.placeholder)
        fields = [
            name for name in EVENT_FIELDS if replace(getattr(event, name)) != getattr(event, name)
        ]
        if fields:
            for name in fields:
                setattr(event, name, replace(getattr(event, name)))
            if "title" in fields:
                event.slug = event_slug(event.external_id, event.title)
            event.save()
            again.append(event.external_id)
    for withholding in Withholding.objects.filter(
        released_at__isnull=True, message__isnull=False
    ).select_related("message__thread"):
        message = withholding.message
        replace = _replacer(withholding.words, withholding.placeholder)
        # The same places as when it was made: an attachment's name is in the searchable
        # header text only; a field's words in that field; other words anywhere in the message.
        places = (
            ("header_text",)
            if withholding.scope == Withholding.Scope.ATTACHMENT
            else _message_fields(withholding.scope)
        )
        changed = [
            name for name in places if replace(getattr(message, name)) != getattr(message, name)
        ]
        if withholding.scope == Withholding.Scope.ATTACHMENT and withholding.attachment_id:
            attachment = withholding.attachment
            if attachment.name != withholding.placeholder or attachment.is_public:
                attachment.name, attachment.is_public = withholding.placeholder, False
                attachment.save(update_fields=["name", "is_public"])
                changed.append("attachment")
        thread = message.thread
        thread_fields = [
            name
            for name in THREAD_FIELDS
            if replace(getattr(thread, name)) != getattr(thread, name)
        ]
        if withholding.scope in ("", "subject") and thread_fields:
            for name in thread_fields:
                setattr(thread, name, replace(getattr(thread, name)))
            thread.save(update_fields=thread_fields)
            changed.extend(thread_fields)
        if not changed:
            continue
        text_before = message.text
        for name in changed:
            if hasattr(message, name) and name not in THREAD_FIELDS:
                setattr(message, name, replace(getattr(message, name)))
        words_withheld.send(
            Withholding,
            withholding=withholding,
            replace=replace,
            words=withholding.words,
            text_before=text_before,
        )
        message.saved_by_withholding = True  # (annotations/signals.py: no "corrected" notice)
        message.save()
        again.append(message.external_id)
    if again:
        forget_figures()
    return again
