"""A URLconf for tests of the error pages: the site's own, plus a view that fails and one whose
file write finds the disk full."""

from django.http import HttpResponse
from django.urls import path

from config.urls import *  # noqa: F403
from config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug, on purpose")


def write_to_full_disk(request):
    """A real file write that fails for want of room: /dev/full answers every write ENOSPC."""
    with open("/dev/full", "wb", buffering=0) as device:
        device.write(request.body or b"a note")
    return HttpResponse("written")


urlpatterns = [
    path("broken/", broken),
    path("api/broken/", broken),
    path("full-disk/", write_to_full_disk),
    path("api/full-disk/", write_to_full_disk),
    *site_urlpatterns,
]
