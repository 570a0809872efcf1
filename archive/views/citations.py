"""A record's citation downloads (BibTeX, CSL-JSON) and the citation shown on its page."""

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from archive.exports import citations
from archive.models import (
    Event,
    Message,
    Source,
)


def cite_context(request, record):
    url = request.build_absolute_uri(record.get_absolute_url())
    today = timezone.localdate()
    return {
        "text": citations.plain_text(record, url, today),
        "bibtex_url": f"{record.get_absolute_url()}cite.bib",
        "csl_url": f"{record.get_absolute_url()}cite.json",
    }


CITABLE = {
    "message": (
        Message,
        "external_id",
        lambda: (
            Message.objects.public()
            .select_related("sender__person")
            .prefetch_related("recipients__person", "corrections")
        ),
    ),
    "event": (Event, "slug", lambda: Event.objects.public().prefetch_related("corrections")),
    "source": (Source, "external_id", lambda: Source.objects.public()),
}


def citation(request, kind, key, export_format):
    """Anyone: a record's citation as a BibTeX or CSL-JSON download."""
    _, lookup, queryset = CITABLE[kind]
    record = get_object_or_404(queryset(), **{lookup: key})
    url = request.build_absolute_uri(record.get_absolute_url())
    today = timezone.localdate()
    filename = citations.citation_key(record)
    if export_format == "bib":
        response = HttpResponse(
            citations.bibtex(record, url, today), content_type="application/x-bibtex; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.bib"'
    else:
        response = HttpResponse(
            json.dumps(citations.csl_json(record, url, today), ensure_ascii=False, indent=2),
            content_type="application/vnd.citationstyles.csl+json",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response
