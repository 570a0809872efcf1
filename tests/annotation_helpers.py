"""Builders for annotation tests: users, groups and notes with each visibility."""

from annotations.models import Annotation, ResearchGroup


def make_annotation(author, message=None, event=None, **fields):
    annotation = Annotation.objects.create(
        author=author,
        message=message,
        event=event,
        body=fields.pop("body", "A note."),
        **fields,
    )
    # Place a quote the way the annotate form does, unless the test set its offsets itself.
    if annotation.quote_exact and annotation.quote_start is None:
        annotation.anchor(message.text)
        annotation.save()
    annotation.record_revision(author)
    return annotation


def make_group(*members, name="Researchers"):
    group = ResearchGroup.objects.create(name=name, slug=name.lower().replace(" ", "-"))
    group.members.set(members)
    return group
