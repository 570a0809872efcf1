from django.urls import path, register_converter

from archive.views import feeds
from archive.views import pages as views


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
    path("search/", views.search, name="search"),
    path("feeds/records.atom", feeds.RecordsFeed(), name="records_feed"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/<slug:external_id>/", views.message_detail, name="message_detail"),
    path(
        "messages/<slug:key>/cite.<citation_format:export_format>",
        views.citation,
        {"kind": "message"},
        name="message_citation",
    ),
    path("threads/<slug:external_id>/", views.thread_detail, name="thread_detail"),
    path("timeline/", views.timeline, name="timeline"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path(
        "events/<slug:key>/cite.<citation_format:export_format>",
        views.citation,
        {"kind": "event"},
        name="event_citation",
    ),
    path("people/", views.person_list, name="person_list"),
    path("people/<slug:external_id>/", views.person_detail, name="person_detail"),
    path("data/", views.data, name="data"),
    path("data/<str:file_name>", views.data_download, name="data_download"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:external_id>/", views.source_detail, name="source_detail"),
    path(
        "sources/<slug:key>/cite.<citation_format:export_format>",
        views.citation,
        {"kind": "source"},
        name="source_citation",
    ),
]
