"""A URLconf for tests of the error pages: the site's own, plus a view that fails."""

from django.urls import path

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug, on purpose")


urlpatterns = [path("broken/", broken), path("api/broken/", broken), *site_urlpatterns]
