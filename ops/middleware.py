"""Database rules broken by a race answer 409 with a clear page, never a 500; a full disk
answers 503 (`StorageFullMiddleware`).

Forms check unique rules before saving, but two saves at the same moment can both pass the
check; the database then refuses the second with IntegrityError. Views that can say more (a
form error, an idempotent result) catch it themselves; this is the net for every other write,
the admin included.
"""

import errno
import logging
import re
import sqlite3
import time
import uuid

from django.db import IntegrityError
from django.shortcuts import render

from archive.api.errors import storage_full
from lib.rate_limits import client_address

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


# OSError numbers for "no room left": the disk is full, or the user's quota is spent.
NO_SPACE_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
# PostgreSQL's SQLSTATE for disk_full.
POSTGRES_DISK_FULL = "53100"


def is_storage_full(exception):
    """True when `exception` (or what it was raised from) says there is no room to write: an
    OSError ENOSPC/EDQUOT from a file write, SQLite's "database or disk is full" (SQLITE_FULL),
    or PostgreSQL's disk_full (Django raises its database errors from the driver's)."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        if isinstance(exception, OSError) and exception.errno in NO_SPACE_ERRNOS:
            return True
        # The drivers' own errors (sqlite3's, psycopg's) carry these codes.
        if getattr(exception, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(exception, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        exception = exception.__cause__ or exception.__context__
    return False


class StorageFullMiddleware:
    """A write the disk (or the database) has no room for answers 503 "try again in a few
    minutes", with the request id (JSON under /api/), instead of the generic 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_storage_full(exception):
            return None
        # An error, not a warning: nothing more can be saved until someone makes room.
        logger.error(
            "No room to write (disk or database full): %s %s",
            request.method,
            request.path,
            exc_info=True,
        )
        return storage_full(request)


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
        # With read replicas, which database this request read from (ops/replicas.py).
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
