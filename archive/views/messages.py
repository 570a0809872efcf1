"""The messages list and a message's page."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from annotations.models import Annotation
from annotations.w3c.protocol import annotation_service_link
from archive.exports import files as exports
from archive.filters import (
    MessageFilter,
)
from archive.models import (
    Attachment,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Message,
    Withholding,
)
from archive.views.citations import cite_context
from archive.views.lists import (
    EXPORT_FORMATS,
    MAX_PAGE_NUMBER,
    cursor_or_page_number,
    filtered_count,
    has_filters,
    more_filters_in_use,
)
from archive.views.notes import (
    annotation_form_context,
    attach_annotation_counts,
    highlights,
    notes_context,
)
from lib.counting import cached_count
from lib.keyset import KeysetPaginator

MESSAGES_PER_PAGE = 50


def message_list(request):
    """Anyone: published messages, filtered and sorted from the URL; CSV/JSON export of the set."""
    export_format = request.GET.get("format")
    if export_format in EXPORT_FORMATS:
        # The same FilterSet over the rows the export reads (archive/exports/files.py).
        to_export = MessageFilter(
            request.GET, queryset=Message.objects.public().newest_first(), request=request
        )
        return exports.export_response(request, exports.MESSAGES, to_export, export_format)
    messages = Message.objects.public().for_list().newest_first()
    message_filter = MessageFilter(request.GET, queryset=messages, request=request)
    results = message_filter.qs
    is_filtered = has_filters(request)
    cursor, page_number_refused = cursor_or_page_number(request, results, MESSAGES_PER_PAGE)
    page = KeysetPaginator(results, MESSAGES_PER_PAGE).page(cursor)
    attach_annotation_counts(request, messages=page.object_list)
    count = None
    if message_filter.is_valid():
        if is_filtered:
            count = filtered_count(request, messages)
        else:
            # Every reader asks how many messages there are: counted once per change, not per
            # request (a COUNT over a million rows took 65 ms).
            count = cached_count("published-messages", Message.objects.public())
    return render(
        request,
        "archive/message_list.html",
        {
            "filter": message_filter,
            "page": page,
            "count": count,
            "page_number_refused": page_number_refused,
            "max_page_number": MAX_PAGE_NUMBER,
            "is_filtered": is_filtered,
            "more_filters_open": more_filters_in_use(request, message_filter),
        },
    )


def _message_detail_queryset():
    return (
        Message.objects.public()
        .select_related(
            "sender__person",
            "thread__collection",
            "in_reply_to__sender__person",
            "import_batch",
        )
        .prefetch_related(
            "recipients__person",
            "sources",
            "corrections",
            "dkim_checks",
            Prefetch(
                "withholdings",
                queryset=Withholding.objects.filter(released_at__isnull=True).only(
                    "message_id", "created", "reason", "scope"
                ),
                to_attr="withholdings_in_force",
            ),
            Prefetch(
                "replies",
                queryset=Message.objects.public().select_related("sender__person"),
            ),
            Prefetch("events", queryset=Event.objects.public().chronological()),
            *discrepancies_prefetch(),
        )
    )


def discrepancies_prefetch():
    """What a message or event page shows of its discrepancies: those with two readings."""
    return [
        Prefetch("discrepancies", queryset=Discrepancy.objects.with_two_readings()),
        Prefetch(
            "discrepancies__readings",
            queryset=DiscrepancyReading.objects.select_related("source"),
        ),
    ]


def message_detail(request, external_id):
    """Anyone: one published message with its provenance, sources, reply chain and neighbours."""
    message = get_object_or_404(_message_detail_queryset(), external_id=external_id)
    replies = [(reply, reply.response_latency) for reply in message.replies.all()]
    parent = (
        message.in_reply_to if message.in_reply_to and message.in_reply_to.is_published else None
    )
    siblings = message.thread.messages.public().select_related("sender__person")
    previous = siblings.filter(position__lt=message.position).order_by("-position").first()
    following = siblings.filter(position__gt=message.position).order_by("position").first()
    visible_notes = Annotation.objects.visible_to(request.user).filter(message=message)
    notes = notes_context(request, visible_notes)
    response = render(
        request,
        "archive/message_detail.html",
        {
            "message": message,
            "parent": parent,
            "latency": message.response_latency if parent else None,
            "replies": replies,
            "previous": previous,
            "next": following,
            "cite": cite_context(request, message),
            **notes,
            "segments": highlights(message.text, visible_notes, notes["notes_page"]),
            # Only imported messages have attachments: no query for the others.
            "attachments": list(message.attachments.all()) if message.import_batch_id else [],
            **annotation_form_context(request, message=message),
        },
    )
    # Where annotation clients may post notes on this page (W3C Web Annotation Protocol).
    response["Link"] = annotation_service_link(request)
    if message.is_noindex:
        response["X-Robots-Tag"] = "noindex"
    return response


def message_attachment(request, external_id, pk):
    """Anyone: an attachment a curator made public, of a published message, as a download (an
    image or a PDF whose first bytes agree with its type; never a page of its own)."""
    message = get_object_or_404(Message.objects.public(), external_id=external_id)
    attachment = message.attachments.filter(pk=pk, is_public=True).first()
    if attachment is None or not attachment.may_be_public or not attachment.file:
        raise Http404("No such public attachment.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The attachment's file is missing from storage.") from error
    head = handle.read(16)
    handle.seek(0)
    if not head.startswith(Attachment.PUBLIC_TYPES[attachment.content_type]):
        handle.close()
        raise Http404("The file is not what its type says; it is kept for curators only.")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name or f"attachment-{attachment.pk}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-SHA256"] = attachment.sha256
    return response
