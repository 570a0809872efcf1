"""Dataset releases for download, and robots.txt."""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from archive.exports.release import releases_dir
from archive.models import (
    DatasetRelease,
)


def data(request):
    """Anyone: the dataset releases with their checksums, and what the exports hold."""
    releases = list(DatasetRelease.objects.select_related("collection"))
    for release in releases:
        release.is_here = (releases_dir() / release.file_name).is_file()
    return render(request, "archive/data.html", {"releases": releases})


def data_download(request, file_name):
    """Anyone: a recorded release's zip, from MEDIA_ROOT/releases."""
    release = get_object_or_404(DatasetRelease, file_name=file_name)
    if release.withdrawn_at:
        return HttpResponse(
            f"This release was withdrawn on {release.withdrawn_at:%d %B %Y}: "
            f"{release.withdrawn_reason}",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    path = releases_dir() / release.file_name
    if not path.is_file():
        raise Http404("This release's file is not on this server.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=release.file_name)


def robots_txt(request):
    """Anyone: crawl everything public, not the admin; point at the sitemap."""
    sitemap = request.build_absolute_uri("/sitemap.xml")
    body = f"User-agent: *\nDisallow: /admin/\nDisallow: /accounts/\n\nSitemap: {sitemap}\n"
    return HttpResponse(body, content_type="text/plain")
