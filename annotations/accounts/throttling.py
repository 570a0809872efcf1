"""Abuse limits: who the client is, how often they may act, and django-axes' two lockouts.

One rule for who the client is (`client_network`: the address, or an IPv6 address's /64)
serves axes and every rate limit here. Rate-limit counters live in the database
(`archive.Counter`), so every worker and app server counts the same actions, with or without
Redis, and a cache that is down or evicts keys never resets them.
"""

import datetime
import hashlib
import ipaddress
import time

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

from lib import counters

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


def client_network(request):
    """Who throttling counts: the client's address, or for IPv6 its /64 network.

    One IPv6 customer is usually given a whole /64 and can send from any of its 2**64 addresses,
    so counting by address would give them that many tries. Named by the network's first address
    (a valid address, as axes stores it); an IPv4 address written in IPv6 is the IPv4 address.
    """
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address)
    return address


class AxesHandler(AxesDatabaseHandler):
    """django-axes with three lockouts: one username from one client, one client overall, and one
    username from anywhere.

    AXES_LOCKOUT_PARAMETERS lists them in that order. axes compares a single failure count with
    AXES_FAILURE_LIMIT, so the wider counts are scaled: AXES_ADDRESS_FAILURE_LIMIT failures from
    one client across any usernames, or AXES_ACCOUNT_FAILURE_LIMIT failures for one username
    from any number of clients (an attacker with many addresses), weigh as much as
    AXES_FAILURE_LIMIT failures for one username from one client.
    """

    def get_failures(self, request, credentials=None):
        per_username, per_address, per_account = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = axes_settings.AXES_FAILURE_LIMIT
        return max(
            per_username,
            per_address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT,
            per_account * limit // settings.AXES_ACCOUNT_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request, credentials=None):
        # A successful sign-in clears that username's failures from this client only: signing
        # into one's own account must not wipe the client's count of failures on other accounts,
        # nor the failures others made on this account from elsewhere.
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
    window_ends = datetime.datetime.fromtimestamp((window + 1) * seconds, tz=datetime.UTC)
    used = counters.increment(f"rate:{name}:{window}:{digest}", expires_at=window_ends)
    return used <= count


def too_many(request, message, back_url=None):
    """Our 429 page for a refused action: what was refused and when to try again."""
    return render(
        request,
        "too_many_requests.html",
        {"message": message, "back_url": back_url},
        status=429,
    )
