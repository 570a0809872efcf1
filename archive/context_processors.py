from django.conf import settings


def archive(request):
    """What this deployment holds, for the page title and meta description on every page."""
    return {
        "archive_name": settings.ARCHIVE_NAME,
        "archive_title": settings.ARCHIVE_TITLE,
        # Shown on error pages, so a reader can quote it (ops.middleware.RequestIdMiddleware).
        "request_id": getattr(request, "request_id", ""),
    }
