from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("messages/", views.message_list, name="message_list"),
    path("messages/<slug:external_id>/", views.message_detail, name="message_detail"),
    path("threads/<slug:external_id>/", views.thread_detail, name="thread_detail"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("people/<slug:external_id>/", views.person_detail, name="person_detail"),
    path("sources/", views.source_list, name="source_list"),
]
