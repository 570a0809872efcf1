"""Database rules broken by a race answer 409 with a clear page, never a 500.

Forms check unique rules before saving, but two saves at the same moment can both pass the
check; the database then refuses the second with IntegrityError. Views that can say more (a
form error, an idempotent result) catch it themselves; this is the net for every other write,
the admin included.
"""

import logging
import re
import time
import uuid

from django.db import IntegrityError
from django.shortcuts import render

from annotations.throttling import client_address

logger = logging.getLogger(__name__)
request_logger = logging.getLogger("backchannel.requests")


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


class RequestIdMiddleware:
    """Give every request an id, send it back as `X-Request-ID` (error pages show it, so a reader
    can quote it), and log one JSON line per request: method, path without its query, status,
    duration, user id or "anonymous", client address, request id.

    Behind the declared TLS proxy an id the proxy sent is kept (so its logs and ours match);
    otherwise, or when it is not a plain token, a new one is made.
    """

    SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.trust_incoming = settings.BEHIND_TLS_PROXY

    def __call__(self, request):
        started = time.monotonic()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        keep = self.trust_incoming and self.SAFE_ID.match(incoming)
        request.request_id = incoming if keep else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        user = getattr(request, "user", None)
        # With read replicas, which database this request read from (archive/replicas.py).
        routed = {"reads_from": request.reads_from} if hasattr(request, "reads_from") else {}
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user": user.pk if user is not None and user.is_authenticated else "anonymous",
                # The address throttling and lockouts count (the proxy's entry behind the
                # declared TLS proxy, the connection's otherwise), so the two always agree.
                "client": client_address(request),
                **routed,
            },
        )
        return response
