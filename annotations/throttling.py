"""Login throttling (django-axes): what it records about a failed sign-in."""

from axes.conf import settings

# axes keeps the attempted username in a 255-character column.
RECORDED_USERNAME_LENGTH = 255


def attempted_username(request, credentials=None):
    """The username a sign-in tried, cut to what axes can store (a longer one is never valid)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:RECORDED_USERNAME_LENGTH] if username else username
