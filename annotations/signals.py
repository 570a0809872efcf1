"""Keep annotations anchored when a curator edits a message's text (never lose one)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from archive.models import Message
from archive.models.withholdings import withholding_released, words_withheld

from .models import Annotation, AnnotationRevision


@receiver(pre_save, sender=Message)
def remember_old_text(sender, instance, **kwargs):
    # Also on fixture loads (raw saves): a reloaded archive re-anchors its notes too.
    if not instance.pk:
        return
    instance._text_before_save = (
        Message.objects.filter(pk=instance.pk).values_list("text", flat=True).first()
    )


@receiver(post_save, sender=Message)
def reanchor_annotations(sender, instance, created, **kwargs):
    """Re-place every quote in the new text; mark and report the notes whose quote changed.

    A note whose quote now sits elsewhere ("moved") or is no longer found ("lost") gets
    anchor_changed_at, so its author sees a notice on it; the list is left on the message as
    `anchor_report` for whoever saved it (the admin tells the curator). The archive app reads
    that attribute and never imports this one.
    """
    before = getattr(instance, "_text_before_save", None)
    instance.anchor_report = []
    if created or before is None or before == instance.text:
        return
    now = timezone.now()
    quoted = Annotation.objects.filter(message=instance).exclude(quote_exact="")
    for annotation in quoted.select_related("author").order_by("created", "pk"):
        # An author's edit may commit between reading and writing: then read it again.
        for _attempt in range(3):
            was = (annotation.quote_start, annotation.quote_end, annotation.is_orphaned)
            annotation.anchor(instance.text)
            changed = was != (annotation.quote_start, annotation.quote_end, annotation.is_orphaned)
            # A withholding moves quotes too, but it is no correction: no notice says so.
            if changed and not getattr(instance, "saved_by_withholding", False):
                annotation.anchor_changed_at = now
            if annotation.save_anchor(also=["anchor_changed_at"] if changed else []):
                break
            annotation = (
                Annotation.objects.select_related("author").filter(pk=annotation.pk).first()
            )
            if annotation is None or not annotation.quote_exact:
                break
        else:
            continue
        if annotation is None or not annotation.quote_exact:
            continue
        if changed and not annotation.is_deleted:
            instance.anchor_report.append(
                {
                    "uuid": str(annotation.uuid),
                    "author": annotation.author.get_username(),
                    "quote": annotation.quote_exact,
                    "lost": annotation.is_orphaned,
                }
            )


QUOTE_FIELDS = ("quote_exact", "quote_prefix", "quote_suffix", "body")


@receiver(words_withheld)
def withhold_in_notes(sender, withholding, replace, words, text_before, **kwargs):
    """Withheld words leave the notes on the message too: a quote of them (or of part of them)
    becomes the placeholder, and so does the body's and every revision's copy; the note stays.
    Returns what each held before, for the release."""
    before, after, revisions_before, revisions_after = {}, {}, {}, {}
    on_record = (
        {"message": withholding.message_id}
        if withholding.message_id
        else {"event": withholding.event_id}
    )
    for note in Annotation.objects.filter(**on_record):
        was = {name: getattr(note, name) for name in QUOTE_FIELDS}
        now = {name: replace(value) for name, value in was.items()}
        quote = _quote_around(note, text_before, words, replace)
        if quote:
            now.update(quote)
        if now == was:
            continue
        Annotation.objects.filter(pk=note.pk).update(**now)
        before[str(note.pk)], after[str(note.pk)] = was, now
        for revision in note.revisions.all():
            snapshot = revision.snapshot
            new = dict(snapshot)
            if quote and (snapshot.get("quote") or {}).get("exact") == was["quote_exact"]:
                new["quote"] = {
                    **snapshot["quote"],
                    "exact": now["quote_exact"],
                    "prefix": now["quote_prefix"],
                    "suffix": now["quote_suffix"],
                }
            new = replace(new)
            if new != snapshot:
                revision.snapshot = new
                revision.save(update_fields=["snapshot"])
                revisions_before[str(revision.pk)] = snapshot
                revisions_after[str(revision.pk)] = new
    return {
        "annotations": (before, after),
        "annotation_revisions": (revisions_before, revisions_after),
    }


def _quote_around(note, text, words, replace):
    """The quote, its prefix and suffix read again from the text with the withheld words
    replaced — widened to take in whole any occurrence they overlap, so that no part of the
    words (a quote ending mid-number) stays. None when the note is not anchored in the text."""
    start, end = note.quote_start, note.quote_end
    if not note.quote_exact or start is None or end is None or text[start:end] != note.quote_exact:
        return None
    spans = []
    position = text.find(words)
    while words and position != -1:
        spans.append((position, position + len(words)))
        position = text.find(words, position + len(words))

    def widened(a, b):
        for s, e in spans:
            if s < b and e > a:
                a, b = min(a, s), max(b, e)
        return a, b

    start, end = widened(start, end)
    prefix_start, _ = widened(max(0, start - len(note.quote_prefix)), start)
    _, suffix_end = widened(end, end + len(note.quote_suffix))
    return {
        "quote_exact": replace(text[start:end]),
        "quote_prefix": replace(text[prefix_start:start]),
        "quote_suffix": replace(text[end:suffix_end]),
    }


@receiver(withholding_released)
def release_in_notes(sender, withholding, again, **kwargs):
    """Put back the notes' quotes and bodies a withholding replaced, where they have not been
    edited since; returns how many kept the placeholder."""
    kept = 0
    before = withholding.before.get("annotations", {})
    after = withholding.after.get("annotations", {})
    for pk, was in before.items():
        note = Annotation.objects.filter(pk=pk).first()
        if note is None:
            continue
        same = [name for name in was if getattr(note, name) == again(after[pk][name])]
        kept += len(was) - len(same)
        if same:
            Annotation.objects.filter(pk=pk).update(**{name: again(was[name]) for name in same})
    for pk, was in withholding.before.get("annotation_revisions", {}).items():
        revision = AnnotationRevision.objects.filter(pk=pk).first()
        if revision is None:
            continue
        if revision.snapshot == again(withholding.after["annotation_revisions"][pk]):
            revision.snapshot = again(was)
            revision.save(update_fields=["snapshot"])
        else:
            kept += 1
    return kept
