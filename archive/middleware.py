"""Database rules broken by a race answer 409 with a clear page, never a 500.

Forms check unique rules before saving, but two saves at the same moment can both pass the
check; the database then refuses the second with IntegrityError. Views that can say more (a
form error, an idempotent result) catch it themselves; this is the net for every other write,
the admin included.
"""

import logging

from django.db import IntegrityError
from django.shortcuts import render

logger = logging.getLogger(__name__)


class IntegrityErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        # Logged with its traceback: a rule broken without a race is a bug to fix.
        logger.warning(
            "Refused by a database rule: %s %s", request.method, request.path, exc_info=True
        )
        return render(request, "409.html", status=409)


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response: the browser
    features this site never uses are denied to it and to anything it embeds, so injected code
    could not turn them on either."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.value = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.value)
        return response
