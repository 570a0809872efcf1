"""An event's page."""

from django.db.models import Prefetch
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import redirect, render

from annotations.models import Annotation
from annotations.w3c.protocol import annotation_service_link
from archive.models import (
    Event,
    Message,
    Withholding,
)
from archive.models.slugs import external_ids_in_slug
from archive.views.citations import cite_context
from archive.views.messages import discrepancies_prefetch
from archive.views.notes import annotation_form_context, notes_context


def event_detail(request, slug):
    """Anyone: one published event with participants, messages and sources."""
    events = (
        Event.objects.public()
        .select_related("collection")
        .prefetch_related(
            "participants",
            "sources",
            "corrections",
            Prefetch(
                "withholdings",
                queryset=Withholding.objects.filter(released_at__isnull=True).only(
                    "event_id", "created", "reason", "scope"
                ),
                to_attr="withholdings_in_force",
            ),
            Prefetch(
                "messages",
                queryset=Message.objects.public().select_related("sender__person").chronological(),
            ),
            *discrepancies_prefetch(),
        )
    )
    event = events.filter(slug=slug).first()
    if event is None:
        # A permalink keeps working when a title (and so the slug) changes: e16-old-title → e16-…
        # The longest external id the slug starts with wins ('e-1-x' is e-1's, not e's).
        candidates = external_ids_in_slug(slug)
        event = events.filter(external_id__in=candidates).order_by(Length("external_id").desc())
        event = event.first()
        if event is None:
            raise Http404("No such event.")
        return redirect(event, permanent=True)
    response = render(
        request,
        "archive/event_detail.html",
        {
            "event": event,
            "cite": cite_context(request, event),
            **notes_context(
                request, Annotation.objects.visible_to(request.user).filter(event=event)
            ),
            **annotation_form_context(request, event=event),
        },
    )
    response["Link"] = annotation_service_link(request)
    if event.is_noindex:
        response["X-Robots-Tag"] = "noindex"
    return response
