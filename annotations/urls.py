from django.urls import path

from . import feeds, views
from .accounts.views import account, revoke_token
from .w3c import protocol

app_name = "annotations"

urlpatterns = [
    # The W3C Web Annotation Protocol container and its annotations (annotations/w3c/protocol.py).
    path("api/annotations/", protocol.container, name="w3c_container"),
    path("api/annotations/<uuid:uuid>", protocol.annotation_resource, name="w3c_annotation"),
    path("accounts/", account, name="account"),
    path("accounts/tokens/<int:pk>/revoke/", revoke_token, name="revoke_token"),
    # Atom feeds of public notes (annotations/feeds.py).
    path("feeds/annotations.atom", feeds.PublicNotesFeed(), name="feed"),
    path(
        "feeds/annotations/messages/<slug:external_id>.atom",
        feeds.MessageNotesFeed(),
        name="message_feed",
    ),
    path("feeds/annotations/events/<slug:slug>.atom", feeds.EventNotesFeed(), name="event_feed"),
    path("feeds/annotations/tags/<str:tag>.atom", feeds.TagNotesFeed(), name="tag_feed"),
    path(
        "feeds/annotations/authors/<str:username>.atom",
        feeds.AuthorNotesFeed(),
        name="author_feed",
    ),
    path("annotations/", views.annotation_list, name="list"),
    path("annotations/<uuid:uuid>/", views.annotation_detail, name="detail"),
    path("annotations/<uuid:uuid>/edit/", views.annotation_edit, name="edit"),
    path("annotations/<uuid:uuid>/delete/", views.annotation_delete, name="delete"),
    path("annotations/<uuid:uuid>/history/", views.annotation_history, name="history"),
    path("annotations/<uuid:uuid>/flag/", views.annotation_flag, name="flag"),
    path("messages/<slug:external_id>/annotate/", views.annotate_message, name="annotate_message"),
    path("events/<slug:slug>/annotate/", views.annotate_event, name="annotate_event"),
]
