"""Keep annotations anchored when a curator edits a message's text (never lose one)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

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
    before = getattr(instance, "_text_before_save", None)
    if created or before is None or before == instance.text:
        return
    quoted = Annotation.objects.filter(message=instance).exclude(quote_exact="")
    for annotation in quoted:
        # An author's edit may commit between reading and writing: then read it again.
        for _attempt in range(3):
            annotation.anchor(instance.text)
            if annotation.save_anchor():
                break
            annotation = Annotation.objects.filter(pk=annotation.pk).first()
            if annotation is None or not annotation.quote_exact:
                break
