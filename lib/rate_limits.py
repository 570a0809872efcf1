"""Rate limits for what anyone may do without an account or too often with one (a note, a
report, a password-reset mail, a reader's request): fixed windows counted in the database
(lib/counters.py), per client network as far as it can be trusted."""

import datetime
import hashlib
import ipaddress
import time

from django.conf import settings
from django.shortcuts import render

from lib import counters


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
