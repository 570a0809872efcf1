from django.urls import path

from . import views

app_name = "annotations"

urlpatterns = [
    path("annotations/", views.annotation_list, name="list"),
    path("annotations/<uuid:uuid>/", views.annotation_detail, name="detail"),
    path("annotations/<uuid:uuid>/edit/", views.annotation_edit, name="edit"),
    path("annotations/<uuid:uuid>/delete/", views.annotation_delete, name="delete"),
    path("annotations/<uuid:uuid>/history/", views.annotation_history, name="history"),
    path("annotations/<uuid:uuid>/flag/", views.annotation_flag, name="flag"),
    path("messages/<slug:external_id>/annotate/", views.annotate_message, name="annotate_message"),
    path("events/<slug:slug>/annotate/", views.annotate_event, name="annotate_event"),
]
