"""Builders for annotation tests: users, groups and notes with each visibility."""

from datetime import date

from annotations.models import Annotation, ResearchGroup, SourceLink


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


def make_every_shape(build, users):
    """One note of every shape we serialise, by name (users: the conftest personas)."""
    message = build.message(
        text="We would like you to help disseminate a link.", text_status="verbatim"
    )
    event = build.event()
    group = make_group(users["author"], users["member"])
    author = users["author"]
    notes = {
        "whole message": make_annotation(author, message=message, visibility="public"),
        "event": make_annotation(author, event=event, visibility="public"),
        "quote": make_annotation(
            author, message=message, quote_exact="disseminate a link", visibility="public"
        ),
        "tags only": make_annotation(
            author, message=message, body="", tags=["podesta", "dates"], visibility="public"
        ),
        "private": make_annotation(author, message=message, visibility="private"),
        "group": make_annotation(author, message=message, visibility="group", group=group),
        "questioning": make_annotation(author, message=message, motivation="questioning"),
        "correcting": make_annotation(author, message=message, motivation="correcting"),
        "corroborating": make_annotation(author, message=message, motivation="corroborating"),
    }
    links = make_annotation(author, message=message, body="See both.", visibility="public")
    SourceLink.objects.create(
        annotation=links,
        url="https://example.org/story",
        title="The story",
        publisher="Example News",
        accessed_on=date(2017, 11, 14),
        archived_url="https://web.archive.org/web/2017/https://example.org/story",
    )
    SourceLink.objects.create(annotation=links, url="https://example.org/bare")
    notes["links"] = links
    edited = make_annotation(author, message=message, body="First.", visibility="public")
    edited.body = "Second."
    assert edited.save_edit(["body"], edited.version)
    edited.record_revision(author)
    notes["edited"] = edited
    # Its words were corrected away from the message: anchoring finds nothing and marks it.
    orphaned = make_annotation(
        author, message=message, quote_exact="words since corrected away", visibility="public"
    )
    assert orphaned.is_orphaned
    notes["orphaned"] = orphaned
    hidden = make_annotation(author, message=message, visibility="public")
    hidden.is_hidden, hidden.hidden_reason = True, "Off topic."
    hidden.save()
    notes["hidden (as its author reads it)"] = hidden
    notes["imported with canonical and via"] = make_annotation(
        author,
        message=message,
        canonical="urn:uuid:2f0c8c3e-7f51-4a6b-9d1e-0a3c5b7d9e11",
        via="https://hypothes.is/a/abc123",
    )
    return {name: Annotation.objects.for_list().get(pk=note.pk) for name, note in notes.items()}
