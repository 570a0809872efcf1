"""Keep annotations anchored when a curator edits a message's text (never lose one)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from archive.models import Message

from .models import Annotation


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
            if changed:
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
