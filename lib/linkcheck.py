"""Asking cited addresses whether they are still there (`manage.py check_links`).

Each distinct address is asked once per run, however many sources and note links cite it, and
the answer is written to every row that cites it. A request is `HEAD`; a site that refuses
`HEAD` (405, 501 or another 4xx) is asked again with `GET`, whose body is never read: the
connection is closed once the status line and headers have arrived. Each request has one
deadline (`timeout`) for everything up to the last header, however slowly the bytes come.
Redirects are followed one hop at a time, at most `MAX_REDIRECTS`, and a loop stops at the
first address seen twice. The requests run in a few threads; only the calling thread touches
the database.

The server makes these requests, so an address must not reach into its own network: a host
name that resolves to a loopback, private, link-local or otherwise non-public address (by
`lib.public_addresses.is_public_address`, which also sees through the IPv6 forms that carry
an IPv4 address) is not asked (`LINK_CHECK_PRIVATE_ADDRESSES` allows it, for an archive on an
intranet), and the connection goes to the address that was vetted, never to a second lookup of
the name.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from urllib.parse import quote, urldefrag, urljoin, urlsplit

from django.db.models import Q
from django.utils import timezone

from archive.models.links import LinkError, LinkState, failures_after, link_state_of
from lib.public_addresses import is_public_address

MAX_REDIRECTS = 10
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# A HEAD answered with one of these is asked again with GET.
HEAD_REFUSED = range(400, 500)
HEAD_NOT_IMPLEMENTED = 501
# Longest final address stored (the column's length); a longer one is not stored.
MAX_STORED_URL = 2000


def user_agent(site_url):
    return (
        f"Backchannel link checker (+{site_url}/; "
        "checks once in a while that the sources an archive cites are still online)"
    )


@dataclass(frozen=True)
class CheckResult:
    """What asking `url` found: an HTTP status, or an error (a LinkError value)."""

    url: str
    status: int | None = None
    error: str = ""
    final_url: str = ""


class _Refused(Exception):
    def __init__(self, error):
        super().__init__(error)
        self.error = error


class _Deadline:
    """The time one request may take, connect to headers: when it is up, a watchdog timer shuts
    the connection's socket down, so a server sending a byte every few seconds (each one
    resetting the socket's own timeout) cannot hold the request any longer."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._ends = time.monotonic() + seconds
        self._socket = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()

    def remaining(self):
        left = self._ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request's deadline passed")
        return left

    def watch(self, sock):
        """Shut `sock` down when time is up (at once if it already is)."""
        with self._lock:
            self._socket = sock
            if self.expired:
                self._shut_down()
                raise TimeoutError("the request's deadline passed")

    def _expire(self):
        with self._lock:
            self.expired = True
            if self._socket is not None:
                self._shut_down()

    def _shut_down(self):
        # The plain socket's shutdown, also for a TLS socket: the blocked read or write in the
        # request's thread returns at once; the connection is closed there. OSError: the
        # socket is already closed, or not connected yet.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(self._socket, socket.SHUT_RDWR)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address already looked up and vetted, whatever the name says now."""

    def __init__(self, host, port, address, deadline):
        super().__init__(host, port, timeout=deadline.seconds)
        self.address = address
        self.deadline = deadline

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.deadline.remaining())
        self.deadline.watch(self.sock)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, deadline, tls_context):
        super().__init__(host, port, timeout=deadline.seconds, context=tls_context)
        self.address = address
        self.deadline = deadline
        self.tls_context = tls_context

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.deadline.remaining())
        self.deadline.watch(sock)
        tls = self.tls_context.wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock = tls
        # Watched before the handshake, which reads from the server too.
        self.deadline.watch(tls)
        tls.do_handshake()


def _request_target(parts):
    """The path and query to send, percent-encoded (an address may hold spaces or accents)."""
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=?-._~")
    return target


@dataclass(frozen=True)
class Checker:
    """Asks one address at a time; safe to share between threads (it holds no state)."""

    timeout: float
    user_agent: str
    allow_private_addresses: bool = False
    max_redirects: int = MAX_REDIRECTS
    tls_context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def check(self, url):
        result = self._follow(url, "HEAD")
        if result.status is not None and (
            result.status in HEAD_REFUSED or result.status == HEAD_NOT_IMPLEMENTED
        ):
            result = self._follow(url, "GET")
        return result

    def _follow(self, url, method):
        seen = set()
        current = url
        for _hop in range(self.max_redirects + 1):
            seen.add(current)
            try:
                status, location = self._ask(current, method)
            except _Refused as refused:
                return CheckResult(url, error=refused.error, final_url=current)
            if status not in REDIRECT_STATUSES or not location:
                return CheckResult(url, status=status, final_url=current)
            target, _fragment = urldefrag(urljoin(current, location.strip()))
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                return CheckResult(url, error=LinkError.BAD_REDIRECT, final_url=current)
            if target in seen:
                return CheckResult(url, error=LinkError.TOO_MANY_REDIRECTS, final_url=target)
            current = target
        return CheckResult(url, error=LinkError.TOO_MANY_REDIRECTS, final_url=current)

    def _address(self, host, port):
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise _Refused(LinkError.NAME_NOT_FOUND) from error
        addresses = [info[4][0] for info in found]
        if not addresses:
            raise _Refused(LinkError.NAME_NOT_FOUND)
        if not self.allow_private_addresses and not all(
            is_public_address(address) for address in addresses
        ):
            raise _Refused(LinkError.PRIVATE_ADDRESS)
        return addresses[0]

    def _ask(self, url, method):
        """(status, Location header) of one request, no redirect followed, no body read."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            if scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(url)
            host = parts.hostname.encode("idna").decode("ascii")
            port = parts.port or (443 if scheme == "https" else 80)
        except (ValueError, UnicodeError) as error:
            raise _Refused(LinkError.BAD_URL) from error
        address = self._address(host, port)
        with _Deadline(self.timeout) as deadline:
            if scheme == "https":
                connection = _PinnedHTTPSConnection(host, port, address, deadline, self.tls_context)
            else:
                connection = _PinnedHTTPConnection(host, port, address, deadline)
            try:
                connection.request(
                    method,
                    _request_target(parts),
                    headers={
                        "User-Agent": self.user_agent,
                        "Accept": "*/*",
                        "Connection": "close",
                    },
                )
                response = connection.getresponse()
                return response.status, response.getheader("Location")
            except (OSError, http.client.HTTPException) as error:
                # Whatever the shut-down socket made the request raise, time ran out.
                if deadline.expired or isinstance(error, TimeoutError):
                    raise _Refused(LinkError.TIMEOUT) from error
                raise _Refused(_error_of(error)) from error
            finally:
                # Closes the socket: whatever body a GET's answer carries is never read.
                connection.close()


def _error_of(error):
    """The LinkError for a request that failed with `error` (before its deadline)."""
    if isinstance(error, ssl.SSLError):
        return LinkError.TLS
    # Before OSError: a connection closed without an answer is both.
    if isinstance(error, http.client.HTTPException):
        return LinkError.BAD_RESPONSE
    if isinstance(error, ConnectionRefusedError):
        return LinkError.CONNECTION_REFUSED
    return LinkError.CONNECTION_FAILED


@dataclass
class Summary:
    checked: int = 0
    ok: int = 0
    redirected: int = 0
    dead: int = 0
    failed: int = 0
    rows: int = 0
    results: list = field(default_factory=list)

    def as_dict(self):
        return {
            "checked": self.checked,
            "ok": self.ok,
            "redirected": self.redirected,
            "dead": self.dead,
            "failed": self.failed,
            "rows": self.rows,
            "results": self.results,
        }


SUMMARY_FIELD = {
    LinkState.OK: "ok",
    LinkState.REDIRECTED: "redirected",
    LinkState.DEAD: "dead",
    LinkState.FAILING: "failed",
}


def _due_addresses(querysets, *, only_dead, checked_before, limit):
    """{url: failed checks in a row so far}, never-checked first, then the longest unchecked."""
    web = Q(url__istartswith="http://") | Q(url__istartswith="https://")
    last_checked = {}
    failures = {}
    for queryset in querysets:
        if only_dead:
            queryset = queryset.dead_links()
        if checked_before is not None:
            queryset = queryset.link_check_due(checked_before)
        rows = queryset.filter(web).values_list(
            "url", "link_checked_url", "link_checked_at", "link_failures"
        )
        for url, checked_url, checked_at, row_failures in rows.iterator():
            if url in last_checked:
                earlier = last_checked[url]
                if earlier is not None and (checked_at is None or checked_at < earlier):
                    last_checked[url] = checked_at
            else:
                last_checked[url] = checked_at
            # A verdict on another address (the URL was changed since) counts for nothing.
            counted = row_failures if checked_url == url else 0
            failures[url] = max(failures.get(url, 0), counted)
    order = sorted(
        last_checked, key=lambda url: (last_checked[url] is not None, last_checked[url], url)
    )
    if limit is not None:
        order = order[:limit]
    return {url: failures[url] for url in order}


def check_links(
    querysets,
    models,
    checker,
    *,
    only_dead=False,
    checked_before=None,
    limit=None,
    concurrency=4,
    on_result=None,
):
    """Ask every due address of `querysets` once; record the answer on every row of `models`
    that cites it. `on_result(result, state)` is called as each answer is recorded."""
    due = _due_addresses(querysets, only_dead=only_dead, checked_before=checked_before, limit=limit)
    summary = Summary()
    if not due:
        return summary
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="check-links") as pool:
        asked = [pool.submit(checker.check, url) for url in due]
        for done in as_completed(asked):
            result = done.result()
            state, rows = _record(result, due[result.url], models)
            summary.checked += 1
            summary.rows += rows
            setattr(summary, SUMMARY_FIELD[state], getattr(summary, SUMMARY_FIELD[state]) + 1)
            summary.results.append(
                {
                    "url": result.url,
                    "status": result.status,
                    "error": result.error,
                    "final_url": result.final_url,
                    "state": str(state),
                    "rows": rows,
                }
            )
            if on_result is not None:
                on_result(result, state)
    summary.results.sort(key=lambda item: item["url"])
    return summary


def _record(result, previous_failures, models):
    """Write `result` to every row citing its address; (the link's state now, rows written)."""
    now = timezone.now()
    final_url = result.final_url if len(result.final_url) <= MAX_STORED_URL else ""
    failures = failures_after(previous_failures, result.status, result.error)
    values = {
        "link_status": result.status,
        "link_error": result.error,
        "link_final_url": final_url,
        "link_checked_url": result.url,
        "link_checked_at": now,
        "link_failures": failures,
    }
    rows = sum(model._base_manager.filter(url=result.url).update(**values) for model in models)
    state = link_state_of(
        url=result.url,
        checked_url=result.url,
        checked_at=now,
        status=result.status,
        final_url=final_url,
        failures=failures,
    )
    return state, rows
