from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("messages", views.MessageViewSet, basename="message")
router.register("threads", views.ThreadViewSet, basename="thread")
router.register("events", views.EventViewSet, basename="event")
router.register("people", views.PersonViewSet, basename="person")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", views.index, name="index"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    *router.urls,
]
