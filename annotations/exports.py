"""Notes as files: CSV and JSON (the archive's export columns), W3C JSON-LD and Markdown.

Which notes is always decided by the caller through the one visibility rule
(`Annotation.objects.visible_to`), or for curators by `export_annotations`: nothing here widens it.
"""

import json

from django.http import HttpResponse, StreamingHttpResponse

from archive.exports.files import (
    LIST_SEPARATOR,
    Column,
    RecordExport,
    bad_request,
    base_url,
    csv_lines,
    dialect_error,
    export_filename,
    json_chunks,
    requested_dialect,
)

from .w3c import jsonld

NOTE_FORMATS = ("csv", "json", "jsonld", "markdown")
EXTENSIONS = {"csv": "csv", "json": "json", "jsonld": "jsonld", "markdown": "md"}


def _target(note):
    return note.message if note.message_id else note.event


def _links(note, base):
    return [
        {
            "url": link.url,
            "title": link.title,
            "publisher": link.publisher,
            "accessed_on": link.accessed_on.isoformat() if link.accessed_on else None,
            "archived_url": link.archived_url or None,
        }
        for link in note.links.all()
    ]


def flat_links(links):
    """'The story <https://…> (archived copy: https://…)' per link, joined."""
    cells = []
    for link in links:
        text = f"{link['title']} <{link['url']}>" if link["title"] else link["url"]
        if link["archived_url"]:
            text += f" (archived copy: {link['archived_url']})"
        cells.append(text)
    return LIST_SEPARATOR.join(cells)


NOTE_COLUMNS = [
    Column("uuid", lambda n, base: str(n.uuid)),
    Column("url", lambda n, base: base + n.get_absolute_url()),
    Column("target_kind", lambda n, base: "message" if n.message_id else "event"),
    Column("target_id", lambda n, base: _target(n).external_id),
    Column("target_url", lambda n, base: base + _target(n).get_absolute_url()),
    Column("motivation", lambda n, base: n.motivation),
    Column("quote_exact", lambda n, base: n.quote_exact),
    Column("quote_prefix", lambda n, base: n.quote_prefix),
    Column("quote_suffix", lambda n, base: n.quote_suffix),
    Column("quote_start", lambda n, base: n.quote_start),
    Column("quote_end", lambda n, base: n.quote_end),
    Column("orphaned", lambda n, base: n.is_orphaned),
    Column("body", lambda n, base: n.body),
    Column("tags", lambda n, base: list(n.tags)),
    Column("links", _links, flat_links),
    Column("visibility", lambda n, base: n.visibility),
    Column("group", lambda n, base: n.group.slug if n.group_id else None),
    Column("author", lambda n, base: n.author.get_username()),
    Column("created", lambda n, base: jsonld.timestamp(n.created)),
    Column("modified", lambda n, base: jsonld.timestamp(n.modified)),
]

NOTES = RecordExport(
    "notes",
    NOTE_COLUMNS,
    lambda qs: qs.select_related("author", "group", "message", "event").prefetch_related("links"),
)


def ordered(notes):
    """Oldest first, then by uuid: the same notes always come out in the same order."""
    return notes.order_by("created", "uuid")


def as_jsonld(notes, base, collection_id, label=None):
    """A W3C AnnotationCollection of the notes (annotations/w3c/jsonld.py), as text."""
    notes = list(NOTES.prepare(notes))
    collection = jsonld.collection_to_jsonld(notes, base, collection_id, label=label)
    return json.dumps(collection, ensure_ascii=False, indent=2) + "\n"


def markdown_chunks(rows, title="Notes from Backchannel"):
    """A readable Markdown document: one section per note, with its quote, body, tags, links
    and where it is; nothing in it depends on when it was written."""
    yield f"# {title}\n"
    for row in rows:
        yield "\n" + note_markdown(row)


def _quote_block(text):
    return "\n".join("> " + line if line else ">" for line in text.splitlines()) + "\n"


def note_markdown(row):
    lines = [f"## {row['motivation'].capitalize()} on {row['target_kind']} {row['target_id']}\n"]
    lines.append(f"- Note: <{row['url']}>")
    lines.append(f"- On: <{row['target_url']}>")
    group = f" ({row['group']})" if row["group"] else ""
    lines.append(f"- Shared with: {row['visibility']}{group}")
    lines.append(f"- By {row['author']}, created {row['created']}, modified {row['modified']}")
    if row["tags"]:
        lines.append("- Tags: " + ", ".join(row["tags"]))
    lines.append("")
    if row["quote_exact"]:
        where = ""
        if row["quote_start"] is not None:
            where = f" (characters {row['quote_start']}–{row['quote_end']})"
        lost = " — this quote is no longer found in the text" if row["orphaned"] else ""
        lines.append(f"On the words{where}{lost}:\n")
        lines.append(_quote_block(row["quote_exact"]))
    if row["body"]:
        lines.append(row["body"].rstrip() + "\n")
    if row["links"]:
        lines.append("Sources:\n")
        for link in row["links"]:
            text = f"- [{link['title'] or link['url']}](<{link['url']}>)"
            if link["publisher"]:
                text += f", {link['publisher']}"
            if link["accessed_on"]:
                text += f", accessed {link['accessed_on']}"
            if link["archived_url"]:
                text += f" (archived copy: <{link['archived_url']}>)"
            lines.append(text)
        lines.append("")
    return "\n".join(lines)


def notes_response(request, filterset, export_format, mine=False):
    """The notes a list shows (its FilterSet over `visible_to`), as a download."""
    if not filterset.is_valid():
        return bad_request(filterset.errors.get_json_data())
    prefix = ("mine",) if mine else ()
    filename = export_filename("notes", filterset, EXTENSIONS[export_format], prefix)
    notes = ordered(filterset.qs)
    base = base_url(request)
    if export_format == "jsonld":
        collection_id = base + request.get_full_path()
        response = HttpResponse(
            as_jsonld(notes, base, collection_id), content_type=jsonld.MEDIA_TYPE
        )
    elif export_format == "markdown":
        response = StreamingHttpResponse(
            markdown_chunks(NOTES.rows(notes, base)), content_type="text/markdown; charset=utf-8"
        )
    elif export_format == "csv":
        dialect = requested_dialect(request)
        if dialect is None:
            return dialect_error(request)
        response = StreamingHttpResponse(
            csv_lines(NOTES, NOTES.rows(notes, base), dialect),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = StreamingHttpResponse(
            json_chunks(NOTES, NOTES.rows(notes, base)),
            content_type="application/json; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def note_file_chunks(notes, export_format, base, *, dialect="data", collection_id=None, label=None):
    """The text of a notes file, in pieces: for commands and the dataset release, where no
    request exists (`base` is then settings.SITE_URL)."""
    notes = ordered(notes)
    if export_format == "jsonld":
        yield as_jsonld(notes, base, collection_id or f"{base}/annotations/", label=label)
    elif export_format == "markdown":
        yield from markdown_chunks(NOTES.rows(notes, base))
    elif export_format == "csv":
        yield from csv_lines(NOTES, NOTES.rows(notes, base), dialect)
    else:
        yield from json_chunks(NOTES, NOTES.rows(notes, base))
