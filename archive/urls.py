from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("messages/", views.message_list, name="message_list"),
    path("messages/<slug:external_id>/", views.message_detail, name="message_detail"),
    path(
        "messages/<slug:key>/cite.bib",
        views.citation,
        {"kind": "message", "export_format": "bib"},
        name="message_bibtex",
    ),
    path(
        "messages/<slug:key>/cite.json",
        views.citation,
        {"kind": "message", "export_format": "csl"},
        name="message_csl",
    ),
    path("threads/<slug:external_id>/", views.thread_detail, name="thread_detail"),
    path("timeline/", views.timeline, name="timeline"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path(
        "events/<slug:key>/cite.bib",
        views.citation,
        {"kind": "event", "export_format": "bib"},
        name="event_bibtex",
    ),
    path(
        "events/<slug:key>/cite.json",
        views.citation,
        {"kind": "event", "export_format": "csl"},
        name="event_csl",
    ),
    path("people/<slug:external_id>/", views.person_detail, name="person_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:external_id>/", views.source_detail, name="source_detail"),
    path(
        "sources/<slug:key>/cite.bib",
        views.citation,
        {"kind": "source", "export_format": "bib"},
        name="source_bibtex",
    ),
    path(
        "sources/<slug:key>/cite.json",
        views.citation,
        {"kind": "source", "export_format": "csl"},
        name="source_csl",
    ),
]
