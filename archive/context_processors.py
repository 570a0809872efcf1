from django.conf import settings


def archive(request):
    """What this deployment holds, for the page title and meta description on every page."""
    return {"archive_name": settings.ARCHIVE_NAME, "archive_title": settings.ARCHIVE_TITLE}
