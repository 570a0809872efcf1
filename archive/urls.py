from django.urls import path, register_converter

from archive.views import (
    care,
    citations,
    data,
    events,
    feeds,
    home,
    messages,
    people,
    search,
    sources,
    threads,
    timeline,
)


class CitationFormatConverter:
    """'bib' (BibTeX) or 'json' (CSL-JSON), the suffix of a record's citation download."""

    regex = "bib|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CitationFormatConverter, "citation_format")

app_name = "archive"

urlpatterns = [
    path("search/", search.search, name="search"),
    path("about/", care.context_page, name="context"),
    path("requests/", care.reader_request, name="reader_request"),
    path("c/<slug:external_id>/", home.collection_detail, name="collection_detail"),
    path("feeds/records.atom", feeds.RecordsFeed(), name="records_feed"),
    path("messages/", messages.message_list, name="message_list"),
    path("messages/<slug:external_id>/", messages.message_detail, name="message_detail"),
    path(
        "messages/<slug:external_id>/attachments/<int:pk>/",
        messages.message_attachment,
        name="message_attachment",
    ),
    path(
        "messages/<slug:key>/cite.<citation_format:export_format>",
        citations.citation,
        {"kind": "message"},
        name="message_citation",
    ),
    path("threads/<slug:external_id>/", threads.thread_detail, name="thread_detail"),
    path("timeline/", timeline.timeline, name="timeline"),
    path("events/<slug:slug>/", events.event_detail, name="event_detail"),
    path(
        "events/<slug:key>/cite.<citation_format:export_format>",
        citations.citation,
        {"kind": "event"},
        name="event_citation",
    ),
    path("people/", people.person_list, name="person_list"),
    path("people/<slug:external_id>/", people.person_detail, name="person_detail"),
    path("data/", data.data, name="data"),
    path("data/<str:file_name>", data.data_download, name="data_download"),
    path("sources/", sources.source_list, name="source_list"),
    path("sources/<slug:external_id>/", sources.source_detail, name="source_detail"),
    path(
        "sources/<slug:key>/cite.<citation_format:export_format>",
        citations.citation,
        {"kind": "source"},
        name="source_citation",
    ),
]
