"""Abuse limits: who the client is, how often they may act, and django-axes' two lockouts.

One rule for the client's address (`client_address`) serves axes and every rate limit here.
Counters live in Django's cache: per process with the default local-memory cache, shared by all
workers when REDIS_URL is set.
"""

import hashlib
import ipaddress
import time

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.shortcuts import render

# axes keeps the attempted username in a 255-character column.
RECORDED_USERNAME_LENGTH = 255


def attempted_username(request, credentials=None):
    """The username a sign-in tried, cut to what axes can store (a longer one is never valid)."""
    field = axes_settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:RECORDED_USERNAME_LENGTH] if username else username


def _valid_address(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except (AttributeError, ValueError):
        return None


def client_address(request):
    """The address of the client that sent this request, as far as we can trust it.

    Behind the declared TLS proxy (DJANGO_BEHIND_TLS_PROXY) every request comes from the proxy,
    which appends the address it saw to X-Forwarded-For: the right-most entry is the only one a
    client cannot forge. Without a declared proxy the header is the client's own words, so it is
    ignored and the connection's address is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        appended_by_proxy = _valid_address(forwarded[-1])
        if appended_by_proxy:
            return appended_by_proxy
    return _valid_address(remote) or remote


class AxesHandler(AxesDatabaseHandler):
    """django-axes with two lockouts: one username from one address, and one address overall.

    AXES_LOCKOUT_PARAMETERS lists them in that order. axes compares a single failure count with
    AXES_FAILURE_LIMIT, so the address's count is scaled: AXES_ADDRESS_FAILURE_LIMIT failures
    across any usernames weigh as much as AXES_FAILURE_LIMIT failures for one username.
    """

    def get_failures(self, request, credentials=None):
        per_username, per_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = axes_settings.AXES_FAILURE_LIMIT
        return max(per_username, per_address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request, credentials=None):
        # A successful sign-in clears that username's failures from this address only: signing
        # into one's own account must not wipe the address's count of failures on other accounts.
        per_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_username.delete()
        return count


def within_rate(name, key):
    """Count one more action `name` by `key`; False once the limit in RATE_LIMITS is passed.

    A fixed window per limit: at most `count` actions in each `seconds`-long window.
    """
    count, seconds = settings.RATE_LIMITS[name]
    window = int(time.time()) // seconds
    digest = hashlib.sha256(str(key).encode()).hexdigest()
    cache_key = f"rate:{name}:{window}:{digest}"
    # add() is a no-op when the counter exists; incr() is atomic in Redis and in local memory.
    cache.add(cache_key, 0, seconds + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # the window's counter expired between add() and incr()
        cache.add(cache_key, 1, seconds + 1)
        used = 1
    return used <= count


def too_many(request, message, back_url=None):
    """Our 429 page for a refused action: what was refused and when to try again."""
    return render(
        request,
        "too_many_requests.html",
        {"message": message, "back_url": back_url},
        status=429,
    )
