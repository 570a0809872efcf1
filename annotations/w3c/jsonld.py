"""Our notes as W3C Web Annotation Data Model JSON-LD, and W3C JSON-LD read back as form data.

One note becomes one `Annotation`:

- `target`: the record's permalink, or for a quoted span a `SpecificResource` on it with a
  `TextQuoteSelector` (exact, prefix, suffix) and a `TextPositionSelector` (start, end);
- `body`: the note's Markdown as a `TextualBody` (`text/markdown`), each tag as a `TextualBody`
  with purpose `tagging`, each source link as a `SpecificResource` with purpose `linking` (its
  archived copy as a `TimeState`'s `cached` copy when the access day is known);
- `motivation`: the W3C name of ours (correcting → editing, corroborating → assessing);
- `creator`, `created`, `modified` (UTC, written with Z), `canonical` (urn:uuid:… unless the
  client gave one), `via` (where an imported note came from);
- what the W3C vocabulary has no word for (who may read the note, our own motivation, a lost
  quote, a link's publisher) under the `bc:` prefix, so our own files read back exactly.

Reading back (`form_data`) turns a W3C annotation into the same fields the note form takes, so
notes made through the API or imported from a file pass the same checks as typed ones.
"""

import uuid as uuid_module
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from archive.models import Event, Message

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
# Our own terms: a namespace IRI names them; it need not be fetched.
OUR_PREFIX = "bc"
OUR_NAMESPACE = "https://backchannel.example/ns/annotation#"

W3C_MOTIVATION = {"correcting": "editing", "corroborating": "assessing"}
OUR_MOTIVATION = {
    "commenting": "commenting",
    "questioning": "questioning",
    "linking": "linking",
    "tagging": "tagging",
    "editing": "correcting",
    "assessing": "corroborating",
    "replying": "commenting",
    "describing": "commenting",
    "highlighting": "commenting",
    "classifying": "tagging",
    "identifying": "commenting",
    "bookmarking": "commenting",
    "moderating": "commenting",
}
# The purpose a note's text has, by the note's W3C motivation; "describing" for the rest.
TEXT_PURPOSES = {"commenting", "questioning", "editing", "assessing", "replying"}


class W3CError(ValueError):
    """A W3C annotation we cannot take: the message says what is wrong, for a 400 or a report."""


def base_url(request=None):
    """The scheme and host permalinks are written with: the request's, else SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL


def context():
    return [ANNO_CONTEXT, {OUR_PREFIX: OUR_NAMESPACE}]


def container_iri(base):
    return base + reverse("annotations:w3c_container")


def annotation_iri(base, annotation):
    return base + reverse("annotations:w3c_annotation", args=[annotation.uuid])


def timestamp(value):
    """'2016-10-03T20:10:00Z': UTC written with Z, as the model asks; microseconds only if any."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


def _agent(user):
    return {
        "type": "Person",
        "nickname": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
    }


def _target(base, annotation):
    permalink = base + annotation.target.get_absolute_url()
    if not annotation.quote_exact:
        return permalink
    quote = {"type": "TextQuoteSelector", "exact": annotation.quote_exact}
    if annotation.quote_prefix:
        quote["prefix"] = annotation.quote_prefix
    if annotation.quote_suffix:
        quote["suffix"] = annotation.quote_suffix
    selectors = [quote]
    if annotation.quote_start is not None and annotation.quote_end is not None:
        selectors.append(
            {
                "type": "TextPositionSelector",
                "start": annotation.quote_start,
                "end": annotation.quote_end,
            }
        )
    return {"type": "SpecificResource", "source": permalink, "selector": selectors}


def _link_body(link):
    source = {"id": link.url}
    if link.title:
        source["dcterms:title"] = link.title
    if link.publisher:
        source["dcterms:publisher"] = link.publisher
    body = {"type": "SpecificResource", "purpose": "linking", "source": source}
    if link.archived_url and link.accessed_on:
        body["state"] = {
            "type": "TimeState",
            "cached": link.archived_url,
            "sourceDate": f"{link.accessed_on.isoformat()}T00:00:00Z",
        }
    elif link.archived_url:
        body[f"{OUR_PREFIX}:archivedCopy"] = link.archived_url
    if link.accessed_on:
        body[f"{OUR_PREFIX}:accessedOn"] = link.accessed_on.isoformat()
    return body


def annotation_to_jsonld(annotation, base, *, with_context=True):
    """One note as a W3C Web Annotation (a dict ready for json.dumps).

    Reads the note's author, group, target and links: callers serialising many prefetch them
    (`Annotation.objects.for_list()`).
    """
    motivation = W3C_MOTIVATION.get(annotation.motivation, annotation.motivation)
    data = {"@context": context()} if with_context else {}
    data.update(
        id=annotation_iri(base, annotation),
        type="Annotation",
        motivation=motivation,
        created=timestamp(annotation.created),
        modified=timestamp(annotation.modified),
        creator=_agent(annotation.author),
        canonical=annotation.canonical or f"urn:uuid:{annotation.uuid}",
        generator={"id": base + "/", "type": "Software", "name": "Backchannel"},
    )
    if annotation.via:
        data["via"] = annotation.via
    bodies = []
    if annotation.body:
        bodies.append(
            {
                "type": "TextualBody",
                "value": annotation.body,
                "format": "text/markdown",
                "purpose": motivation if motivation in TEXT_PURPOSES else "describing",
            }
        )
    bodies += [
        {"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in annotation.tags
    ]
    bodies += [_link_body(link) for link in annotation.links.all()]
    if bodies:
        data["body"] = bodies
    data["target"] = _target(base, annotation)
    data[f"{OUR_PREFIX}:motivation"] = annotation.motivation
    data[f"{OUR_PREFIX}:visibility"] = annotation.visibility
    if annotation.group_id:
        data[f"{OUR_PREFIX}:group"] = annotation.group.slug
    if annotation.is_orphaned:
        data[f"{OUR_PREFIX}:quoteLost"] = True
    if annotation.is_hidden:
        # Only its author still reads a hidden note; they are told why.
        data[f"{OUR_PREFIX}:hiddenByCurators"] = annotation.hidden_reason or True
    return data


def page_to_jsonld(annotations, base, *, page_id, collection, start_index, next_id, prev_id, iris):
    """An AnnotationPage; items are IRIs (iris=True) or whole annotations. `collection` (an IRI
    or the collection's summary) is its partOf; None for a page embedded in its collection."""
    items = [
        annotation_iri(base, a) if iris else annotation_to_jsonld(a, base, with_context=False)
        for a in annotations
    ]
    page = {"id": page_id, "type": "AnnotationPage"}
    if collection is not None:
        page["partOf"] = collection
    if next_id:
        page["next"] = next_id
    if prev_id:
        page["prev"] = prev_id
    page["startIndex"] = start_index
    page["items"] = items
    return page


def collection_to_jsonld(annotations, base, collection_id, *, label=None):
    """A whole set of notes as one AnnotationCollection whose single page embeds them all: the
    form of a file (an export, a dataset release), where no server answers for further pages."""
    annotations = list(annotations)
    latest = max((a.modified for a in annotations), default=None)
    collection = {
        "@context": context(),
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label or "Notes from Backchannel",
        "total": len(annotations),
    }
    if latest:
        collection["modified"] = timestamp(latest)
    if annotations:
        collection["first"] = page_to_jsonld(
            annotations,
            base,
            page_id=f"{collection_id}#page-1",
            collection=collection_id,
            start_index=0,
            next_id=None,
            prev_id=None,
            iris=False,
        )
        collection["last"] = collection["first"]["id"]
    return collection


# Reading W3C JSON-LD back ---------------------------------------------------------------------


# Lists within lists, and pages embedded in pages, a file may hold before the annotations.
MAX_CONTAINER_DEPTH = 32
CONTAINER_TYPES = {"AnnotationPage", "AnnotationCollection"}


def annotations_in(document, depth=0):
    """The annotations a file holds: one annotation, a list, an AnnotationPage, or a collection
    with embedded pages (following `next` only through pages embedded in the same file)."""
    if depth > MAX_CONTAINER_DEPTH:
        raise W3CError(f"Lists and pages are nested deeper than {MAX_CONTAINER_DEPTH} levels.")
    if isinstance(document, list):
        found = []
        for item in document:
            if isinstance(item, list) or (
                isinstance(item, dict) and types_of(item) & CONTAINER_TYPES
            ):
                found += annotations_in(item, depth + 1)
            else:
                # Anything else in a list is an item: the importer takes it or says why not.
                found.append(item)
        return found
    if not isinstance(document, dict):
        raise W3CError("Expected a JSON object or a list of them.")
    kinds = types_of(document)
    if "Annotation" in kinds:
        return [document]
    if "AnnotationPage" in kinds:
        items = document.get("items", [])
        if not isinstance(items, list):
            raise W3CError("An AnnotationPage's items must be a list.")
        found = [item for item in items if isinstance(item, dict)]
        nxt = document.get("next")
        return found + (annotations_in(nxt, depth + 1) if isinstance(nxt, dict) else [])
    if "AnnotationCollection" in kinds:
        first = document.get("first")
        return annotations_in(first, depth + 1) if isinstance(first, dict) else []
    raise W3CError("This is not a W3C Web Annotation, AnnotationPage or AnnotationCollection.")


def types_of(value):
    """The type names an object gives itself (strings only: anything else names no type)."""
    kinds = value.get("type", value.get("@type", []))
    return {kind for kind in as_list(kinds) if isinstance(kind, str)}


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def iri_of(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id", value.get("@id"))
        if isinstance(found, str):
            return found
    return None


def record_for(iri, allowed_hosts=None):
    """The published message or event whose permalink this IRI is, or raise W3CError.

    The path decides; the host must be one of ours (allowed_hosts) when given."""
    parts = urlsplit(iri or "")
    if parts.scheme not in ("http", "https"):
        raise W3CError("The target must be the permalink of a message or event (http or https).")
    if allowed_hosts is not None and parts.netloc.lower() not in allowed_hosts:
        raise W3CError(f"The target {iri} is not on this archive's site.")
    try:
        match = resolve(parts.path)
    except Resolver404:
        match = None
    if match and match.view_name == "archive:message_detail":
        record = Message.objects.public().filter(external_id=match.kwargs["external_id"])
    elif match and match.view_name == "archive:event_detail":
        record = Event.objects.public().filter(slug=match.kwargs["slug"])
    else:
        raise W3CError(f"The target {iri} is not the permalink of a message or event here.")
    record = record.first()
    if record is None:
        raise W3CError(f"No published record has the permalink {iri}.")
    return record


def target_of(data, allowed_hosts=None):
    """(record, quote fields) from an annotation's target."""
    targets = as_list(data.get("target"))
    if len(targets) != 1:
        raise W3CError("A note has exactly one target: a message's or an event's permalink.")
    target = targets[0]
    quote = {}
    if isinstance(target, dict) and "source" in target:
        record = record_for(iri_of(target["source"]), allowed_hosts)
        for selector in as_list(target.get("selector")):
            if not isinstance(selector, dict):
                continue
            kinds = types_of(selector)
            if "TextQuoteSelector" in kinds:
                quote.update(
                    quote_exact=_text(selector.get("exact")),
                    quote_prefix=_text(selector.get("prefix")),
                    quote_suffix=_text(selector.get("suffix")),
                )
            elif "TextPositionSelector" in kinds:
                start, end = selector.get("start"), selector.get("end")
                if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                    quote.update(quote_start=start, quote_end=end)
        if "quote_exact" not in quote and quote:
            raise W3CError(
                "target.selector: a position without the quoted words (a TextQuoteSelector) "
                "cannot be anchored here."
            )
    else:
        record = record_for(iri_of(target), allowed_hosts)
    return record, quote


def _text(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise W3CError("Selector and body values must be strings.")
    return value


def _day(value):
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def form_data(data, *, existing_links=()):
    """The note form's fields (as a POST would send them) from a W3C annotation's body,
    motivation and our `bc:` terms. Links already on the note (existing_links, for a PUT) are
    kept when the new state lists their address, and deleted otherwise."""
    if "bodyValue" in data and "body" in data:
        raise W3CError("An annotation has either body or bodyValue, not both.")
    texts, tags, links = [], [], []
    if isinstance(data.get("bodyValue"), str):
        texts.append(data["bodyValue"])
    for body in as_list(data.get("body")):
        if isinstance(body, str):
            links.append({"url": body})
            continue
        if not isinstance(body, dict):
            raise W3CError("Each body is an object or an IRI.")
        purposes = set(as_list(body.get("purpose")))
        kinds = types_of(body)
        if "TextualBody" in kinds or ("value" in body and "source" not in body):
            value = _text(body.get("value"))
            (tags if "tagging" in purposes else texts).append(value)
        elif "SpecificResource" in kinds or "source" in body:
            links.append(_link_from(body))
        elif iri_of(body):
            links.append({"url": iri_of(body)})
        else:
            raise W3CError("A body must be a TextualBody, a SpecificResource or an IRI.")
    motivation = data.get(f"{OUR_PREFIX}:motivation")
    if motivation is None:
        w3c = next(iter(as_list(data.get("motivation"))), "commenting")
        motivation = OUR_MOTIVATION.get(w3c, "commenting") if isinstance(w3c, str) else None
    fields = {
        "body": "\n\n".join(text for text in texts if text),
        "tags": ", ".join(tags),
        "motivation": motivation,
        "visibility": data.get(f"{OUR_PREFIX}:visibility", "private"),
        "group_slug": data.get(f"{OUR_PREFIX}:group"),
    }
    fields["links"] = links
    return fields


def _link_from(body):
    source = body.get("source")
    url = iri_of(source)
    if not url:
        raise W3CError("A linked source needs an address (source or source.id).")
    link = {"url": url}
    if isinstance(source, dict):
        link["title"] = _text(source.get("dcterms:title") or source.get("title"))
        link["publisher"] = _text(source.get("dcterms:publisher"))
    archived = body.get(f"{OUR_PREFIX}:archivedCopy")
    accessed = _day(body.get(f"{OUR_PREFIX}:accessedOn"))
    for state in as_list(body.get("state")):
        if isinstance(state, dict) and "cached" in state:
            archived = archived or iri_of(state["cached"])
            accessed = accessed or _day(state.get("sourceDate"))
    if archived:
        link["archived_url"] = archived
    if accessed:
        link["accessed_on"] = accessed.isoformat()
    return link


def post_data(fields, *, annotation=None, version=None, groups=None):
    """A QueryDict-like dict for AnnotationForm + SourceLinkFormSet(prefix="links")."""
    data = {
        "body": fields["body"],
        "tags": fields["tags"],
        "motivation": fields["motivation"] or "",
        "visibility": fields["visibility"] or "",
        "group": "",
    }
    if fields.get("group_slug"):
        group = (groups or {}).get(fields["group_slug"])
        data["group"] = str(group.pk) if group else "unknown"
    for name in ("quote_exact", "quote_prefix", "quote_suffix", "quote_start", "quote_end"):
        value = fields.get(name)
        data[name] = "" if value is None else str(value)
    if version is not None:
        data["version"] = str(version)
    existing = list(annotation.links.all()) if annotation is not None and annotation.pk else []
    by_url = {link.url: link for link in existing}
    new_links = fields["links"]
    wanted = {link["url"] for link in new_links}
    rows = []
    for link in existing:
        rows.append((link, next((n for n in new_links if n["url"] == link.url), None)))
    rows += [(None, link) for link in new_links if link["url"] not in by_url]
    data["links-TOTAL_FORMS"] = str(len(rows))
    data["links-INITIAL_FORMS"] = str(len(existing))
    data["links-MIN_NUM_FORMS"] = "0"
    data["links-MAX_NUM_FORMS"] = "1000"
    for index, (old, new) in enumerate(rows):
        prefix = f"links-{index}-"
        if old is not None:
            data[prefix + "id"] = str(old.pk)
        if new is None or (old is not None and old.url not in wanted):
            data[prefix + "DELETE"] = "on"
            new = {"url": old.url}
        for name in ("url", "title", "publisher", "accessed_on", "archived_url"):
            data[prefix + name] = new.get(name) or ""
    return data


def uuid_from(data):
    """The uuid an annotation of ours had: from its id (…/api/annotations/<uuid>) or its
    canonical urn:uuid:…; None for notes made elsewhere."""
    path = urlsplit(iri_of(data) or "").path
    container = reverse("annotations:w3c_container")
    if path.startswith(container):
        try:
            return uuid_module.UUID(path[len(container) :].strip("/"))
        except ValueError:
            pass
    canonical = data.get("canonical")
    if isinstance(canonical, str) and canonical.startswith("urn:uuid:"):
        try:
            return uuid_module.UUID(canonical[len("urn:uuid:") :])
        except ValueError:
            return None
    return None


def parse_timestamp(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
