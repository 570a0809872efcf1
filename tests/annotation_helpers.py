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


def note_form_data(links=(), **fields):
    """The annotate/edit form's POST data for a whole-record public note, links by address."""
    data = {
        "body": "",
        "motivation": "commenting",
        "tags": "",
        "visibility": "public",
        "group": "",
        "quote_exact": "",
        "quote_prefix": "",
        "quote_suffix": "",
        "quote_start": "",
        "quote_end": "",
        "links-TOTAL_FORMS": str(len(links)),
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "10",
    }
    for i, url in enumerate(links):
        data[f"links-{i}-url"] = url
    data.update(fields)
    return data
