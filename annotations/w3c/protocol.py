"""The W3C Web Annotation Protocol: our notes as an LDP Basic Container at /api/annotations/.

GET pages through the notes the requester may read (`Annotation.objects.visible_to`), oldest
first, as an AnnotationCollection of AnnotationPages. Signed-in researchers (their session and
its CSRF token, or a personal API token sent as `Authorization: Bearer …`) POST new notes, PUT a
whole new state of their own (If-Match with the ETag they read is required: without it 428, a
stale one 412, the edit form's conflict rule) and DELETE their own. Everything written goes
through the note form, so the API accepts exactly what the form accepts, after the shape check
of annotations/w3c/shape.py. ETags come from the stored note, never from the Host the request
came through; a GET or HEAD whose If-None-Match holds the ETag is 304. Errors are JSON:
{"detail": …, "status": …}.
"""

import hashlib
import json
import re

from django.core.exceptions import RequestDataTooBig
from django.db.models import Count, Max
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt

from archive.models import Event
from lib.rate_limits import within_rate

from ..forms import AnnotationForm, SourceLinkFormSet, forms_are_valid
from ..models import Annotation, ApiToken, ResearchGroup
from ..views import EditRefused, _save_edit, _save_new
from . import jsonld, shape

PAGE_SIZE = 50
JSON_LD = "application/ld+json"
JSON = "application/json"
LINK_CONTAINER = (
    '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type", '
    '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"'
)
LINK_ANNOTATION = '<http://www.w3.org/ns/ldp#Resource>; rel="type"'
ACCEPT_POST = f"{jsonld.MEDIA_TYPE}, {JSON_LD}, {JSON}"
PREFER_MINIMAL = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
BEARER = re.compile(r"^Bearer\s+(\S+)\s*$", re.IGNORECASE)


class ProtocolError(Exception):
    def __init__(self, status, detail, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def _error(error):
    payload = {"detail": error.detail, "status": error.status, **error.extra}
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False), status=error.status, content_type=JSON
    )
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="backchannel"'
    return response


def _negotiated_type(request):
    """application/ld+json (the default, also for no Accept) or application/json; else 406."""
    if not request.META.get("HTTP_ACCEPT", "").strip():
        return JSON_LD
    # Offered with and without the annotation profile: an Accept naming the profile matches
    # only the first, a bare application/ld+json the second.
    chosen = request.get_preferred_type([jsonld.MEDIA_TYPE, JSON_LD, JSON])
    if chosen is None:
        raise ProtocolError(
            406, "This resource is W3C annotation JSON-LD: accept application/ld+json or JSON."
        )
    return JSON if chosen == JSON else JSON_LD


def _json_response(request, payload, *, status=200, links, allow, etag, extra_vary=()):
    media = _negotiated_type(request)
    if status == 200 and _none_match(request, etag):
        return _not_modified(etag, links=links, allow=allow, extra_vary=extra_vary)
    body = json.dumps(payload, ensure_ascii=False, indent=2).encode()
    response = HttpResponse(
        b"" if request.method == "HEAD" else body,
        status=status,
        content_type=jsonld.MEDIA_TYPE if media == JSON_LD else JSON,
    )
    if request.method == "HEAD":
        response["Content-Length"] = str(len(body))
    response["Link"] = links
    response["Allow"] = allow
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept", *extra_vary, "Cookie", "Authorization"])
    return response


def _none_match(request, etag):
    """If-None-Match on a GET or HEAD holds the current ETag, by weak comparison (RFC 9110
    13.1.2: W/"x" and "x" are the same entity), or is '*'."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if header is None or request.method not in ("GET", "HEAD"):
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified(etag, *, links, allow, extra_vary=()):
    """304 with the headers a 200 would carry that describe it (RFC 9110 15.4.5), no body."""
    response = HttpResponse(status=304)
    del response["Content-Type"]
    response["ETag"] = etag
    response["Link"] = links
    response["Allow"] = allow
    patch_vary_headers(response, ["Accept", *extra_vary, "Cookie", "Authorization"])
    return response


def _etag(content):
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _authenticate(request):
    """A personal API token, when one is sent, decides who this is (and CSRF does not apply:
    a token is not sent by browsers on their own); otherwise the session does."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        match = BEARER.match(header)
        user = ApiToken.user_for_key(match.group(1)) if match else None
        if user is None:
            raise ProtocolError(401, "The API token is not valid, or has been revoked.")
        request.user = user
        return
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            raise ProtocolError(
                403,
                "CSRF check failed: a signed-in browser sends its CSRF token (X-CSRFToken); "
                "scripts use a personal API token instead.",
            )


def _signed_in(request):
    if not request.user.is_authenticated:
        raise ProtocolError(401, "Sign in, or send a personal API token (Authorization: Bearer …).")


def _read_body(request):
    content_type = request.content_type or ""
    if content_type not in (JSON_LD, JSON):
        raise ProtocolError(
            415, "Send the annotation as application/ld+json (or application/json)."
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ProtocolError(413, "The annotation is too large.") from None
    try:
        data = shape.parse(raw)
        if isinstance(data, dict):
            shape.check(data)
    except shape.ShapeError as error:
        raise ProtocolError(400, str(error), errors={error.field: [error.problem]}) from None
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict) or "Annotation" not in jsonld.types_of(data):
        raise ProtocolError(400, 'The body must be one annotation ("type": "Annotation").')
    return data


def _handled(view):
    """Turn ProtocolError into its JSON answer; every view here is CSRF-checked by hand."""

    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        try:
            _authenticate(request)
            return view(request, *args, **kwargs)
        except ProtocolError as error:
            response = _error(error)
            patch_vary_headers(response, ["Accept", "Cookie", "Authorization"])
            return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# The container ---------------------------------------------------------------------------------


def _preference(request):
    """'minimal', 'iris' or 'descriptions' from a Prefer: return=representation; include=…"""
    prefer = request.META.get("HTTP_PREFER", "")
    if "return=representation" not in prefer.replace(" ", ""):
        return "descriptions"
    if PREFER_MINIMAL in prefer:
        return "minimal"
    if PREFER_IRIS in prefer:
        return "iris"
    return "descriptions"


def _page_number(request):
    raw = request.GET.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ProtocolError(400, "page must be a whole number from 0.")
    return int(raw)


@_handled
def container(request):
    """Anyone: the notes they may read, paged; signed-in researchers POST new notes here."""
    allow = "GET, HEAD, OPTIONS, POST"
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["Allow"], response["Link"] = allow, LINK_CONTAINER
        response["Accept-Post"] = ACCEPT_POST
        return response
    if request.method == "POST":
        return _create(request)
    if request.method not in ("GET", "HEAD"):
        raise ProtocolError(405, f"{request.method} is not allowed here; use {allow}.")
    _negotiated_type(request)
    notes = Annotation.objects.visible_to(request.user)
    summary = notes.aggregate(latest=Max("modified"), last_pk=Max("pk"), total=Count("pk"))
    total = summary["total"]
    base = jsonld.base_url(request)
    iri = jsonld.container_iri(base)
    page_number = _page_number(request)
    iris = request.GET.get("iris") == "1"
    if page_number is None and "iris" not in request.GET:
        preference = _preference(request)
        iris = preference == "iris"
    else:
        preference = "iris" if iris else "descriptions"
    last_page = max((total - 1) // PAGE_SIZE, 0)
    variant = f"{iri}?iris={int(iris)}"
    collection = {
        "id": variant,
        "type": ["BasicContainer", "AnnotationCollection"],
        "total": total,
    }
    if summary["latest"]:
        collection["modified"] = jsonld.timestamp(summary["latest"])
    state = f"{total}:{summary['latest']}:{summary['last_pk']}:{request.user.pk}"

    def page_iri(number):
        return f"{variant}&page={number}"

    if page_number is not None:
        if page_number > last_page:
            raise ProtocolError(404, f"There is no page {page_number}; the last is {last_page}.")
        etag = _etag(f"{state}:{iris}:{page_number}".encode())
        if _none_match(request, etag):
            response = _not_modified(etag, links=LINK_CONTAINER, allow=allow, extra_vary=["Prefer"])
        else:
            page = _page(request, notes, base, page_number, last_page, page_iri, collection, iris)
            page = {"@context": jsonld.ANNO_CONTEXT, **page}
            response = _json_response(
                request, page, links=LINK_CONTAINER, allow=allow, etag=etag, extra_vary=["Prefer"]
            )
    else:
        etag = _etag(f"{state}:{preference}".encode())
        if _none_match(request, etag):
            response = _not_modified(etag, links=LINK_CONTAINER, allow=allow, extra_vary=["Prefer"])
        else:
            body = {"@context": [jsonld.ANNO_CONTEXT, jsonld.LDP_CONTEXT], **collection}
            body["label"] = "Notes in Backchannel that you may read"
            if total:
                if preference == "minimal":
                    body["first"] = page_iri(0)
                else:
                    body["first"] = _page(request, notes, base, 0, last_page, page_iri, None, iris)
                body["last"] = page_iri(last_page)
            response = _json_response(
                request, body, links=LINK_CONTAINER, allow=allow, etag=etag, extra_vary=["Prefer"]
            )
        response["Content-Location"] = variant
        if request.META.get("HTTP_PREFER"):
            response["Preference-Applied"] = "return=representation"
    response["Accept-Post"] = ACCEPT_POST
    return response


def _page(request, notes, base, number, last_page, page_iri, collection, iris):
    rows = notes.for_list().order_by("created", "pk")[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
    page = jsonld.page_to_jsonld(
        rows,
        base,
        page_id=page_iri(number),
        collection=collection,
        start_index=number * PAGE_SIZE,
        next_id=page_iri(number + 1) if number < last_page else None,
        prev_id=page_iri(number - 1) if number > 0 else None,
        iris=iris,
    )
    return page


def _groups_of(user):
    return {group.slug: group for group in ResearchGroup.objects.with_member(user)}


def _form_errors(form, links):
    errors = {name: [str(e) for e in messages] for name, messages in form.errors.items()}
    link_errors = [str(e) for e in links.non_form_errors()]
    for index, link_form in enumerate(links.forms):
        for name, messages in link_form.errors.items():
            link_errors += [f"link {index + 1} {name}: {e}" for e in messages]
    if link_errors:
        errors["links"] = link_errors
    return errors


def _bind(request, annotation, data, *, version=None):
    try:
        record, quote = jsonld.target_of(data, allowed_hosts={request.get_host().lower()})
        fields = {**jsonld.form_data(data), **quote}
    except jsonld.W3CError as error:
        raise ProtocolError(400, str(error)) from None
    if annotation.pk:
        if record != annotation.target:
            raise ProtocolError(
                409, "A note's target cannot change: make a new note on the other record."
            )
    elif isinstance(record, Event):
        annotation.event = record
    else:
        annotation.message = record
    post = jsonld.post_data(
        fields, annotation=annotation, version=version, groups=_groups_of(request.user)
    )
    form = AnnotationForm(post, instance=annotation, user=request.user)
    links = SourceLinkFormSet(post, instance=annotation, prefix="links")
    if not forms_are_valid(form, links):
        raise ProtocolError(400, "The note was not saved.", errors=_form_errors(form, links))
    return form, links


def _create(request):
    _signed_in(request)
    data = _read_body(request)
    annotation = Annotation(author=request.user)
    canonical = data.get("canonical")
    if isinstance(canonical, str):
        annotation.canonical = canonical[:2000]
    # The server names the new note; an id the client sent is where it came from (P-CRE-2).
    sent_id = jsonld.iri_of(data) or (data.get("via") if isinstance(data.get("via"), str) else "")
    annotation.via = (sent_id or "")[:2000]
    form, links = _bind(request, annotation, data)
    if not within_rate("note_create", request.user.pk):
        raise ProtocolError(429, "You have written many notes in the last few minutes; wait.")
    annotation = _save_new(request, form, links)
    response = _annotation_response(request, annotation, status=201)
    response["Location"] = jsonld.annotation_iri(jsonld.base_url(request), annotation)
    return response


# One annotation ----------------------------------------------------------------------------------


def _representation(request, annotation):
    return jsonld.annotation_to_jsonld(annotation, jsonld.base_url(request)), _etag_of(annotation)


def _etag_of(annotation):
    """The note's ETag: a digest of what is stored (its text, version, links, target, author,
    moderation) written with site-relative addresses, so it is the same whatever Host or scheme
    the request came through, and changes whenever the note does."""
    stored = jsonld.annotation_to_jsonld(annotation, "", with_context=False)
    return _etag(json.dumps(stored, sort_keys=True).encode())


def _allow(request, annotation):
    if annotation.is_editable_by(request.user):
        return "GET, HEAD, OPTIONS, PUT, DELETE"
    return "GET, HEAD, OPTIONS"


def _annotation_response(request, annotation, *, status=200, reread=True):
    """The note as stored; `reread=False` when it was just read with for_list()."""
    if reread:
        annotation = Annotation.objects.for_list().get(pk=annotation.pk)
    payload, etag = _representation(request, annotation)
    return _json_response(
        request,
        payload,
        status=status,
        links=LINK_ANNOTATION,
        allow=_allow(request, annotation),
        etag=etag,
    )


def _matches(request, etag):
    """If-Match: absent (True; a PUT without one was refused before), '*' or a list that holds
    the current ETag."""
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return True
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


@_handled
def annotation_resource(request, uuid):
    """Anyone who may read the note: GET it; its author: PUT a new state, DELETE it."""
    note = Annotation.objects.for_list().filter(uuid=uuid).first()
    if note is None or not note.is_visible_to(request.user):
        if note is not None and note.is_deleted and note.was_visible_to(request.user):
            raise ProtocolError(410, "This note was deleted.")
        raise ProtocolError(404, "No note you may read has this address.")
    allow = _allow(request, note)
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["Allow"], response["Link"] = allow, LINK_ANNOTATION
        return response
    if request.method in ("GET", "HEAD"):
        return _annotation_response(request, note, reread=False)
    if request.method not in ("PUT", "DELETE"):
        raise ProtocolError(405, f"{request.method} is not allowed here; use {allow}.")
    _signed_in(request)
    if not note.is_editable_by(request.user):
        raise ProtocolError(
            403,
            "Only the note's author may change it, and not while the curators have hidden it "
            "or its record is withdrawn.",
        )
    etag = _etag_of(note)
    if request.method == "PUT" and "HTTP_IF_MATCH" not in request.META:
        # RFC 6585: a whole new state is taken only from a client that says which one it
        # replaces, so that no edit is overwritten unseen.
        raise ProtocolError(
            428, "Send If-Match with the ETag you read (GET the note first), then PUT."
        )
    if not _matches(request, etag):
        raise ProtocolError(412, "The note has changed since you read it: GET it again.")
    if request.method == "DELETE":
        if not note.soft_delete():
            raise ProtocolError(410, "This note was deleted.")
        return HttpResponse(status=204)
    return _replace(request, note)


def _replace(request, note):
    data = _read_body(request)
    for name in ("canonical", "via"):
        sent = data.get(name)
        current = getattr(note, name) or (f"urn:uuid:{note.uuid}" if name == "canonical" else "")
        if sent is not None and current and sent != current:
            raise ProtocolError(409, f"A note's {name} cannot change once set.")
    form, links = _bind(request, note, data, version=note.version)
    try:
        _save_edit(request, form, links)
    except EditRefused:
        raise ProtocolError(412, "The note changed while you were saving: GET it again.") from None
    return _annotation_response(request, note)


def annotation_service_link(request):
    """The Link header that tells annotation clients where to annotate a record (P-DISC-1)."""
    return f'<{jsonld.container_iri(jsonld.base_url(request))}>; rel="http://www.w3.org/ns/oa#annotationService"'
