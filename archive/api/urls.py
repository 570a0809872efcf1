from django.urls import path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.routers import SimpleRouter

from archive.api import downloads, views

app_name = "api"

router = SimpleRouter()
router.register("collections", views.CollectionViewSet, basename="collection")
router.register("messages", views.MessageViewSet, basename="message")
router.register("threads", views.ThreadViewSet, basename="thread")
router.register("events", views.EventViewSet, basename="event")
router.register("people", views.PersonViewSet, basename="person")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", views.index, name="index"),
    # Built from the code alone (a third of a second), so kept for an hour per server.
    path("openapi.json", cache_page(60 * 60)(SpectacularJSONAPIView.as_view()), name="openapi"),
    # Whole filtered sets as files (CSV in either dialect, JSON; notes also JSON-LD, Markdown).
    path("exports/<slug:kind>.<slug:export_format>", downloads.download, name="download"),
    *router.urls,
]
