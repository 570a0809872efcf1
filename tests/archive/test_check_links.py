"""`manage.py check_links` against a local HTTP server on 127.0.0.1 that answers in every way a
cited site can: found, missing, gone, redirected, looping, refusing HEAD, too slow, garbage,
hanging up. Never the internet."""

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annotations.models import SourceLink
from archive.models import Source
from archive.models.links import DEAD_AFTER_FAILURES, LinkState
from lib.linkcheck import Checker
from tests.support.annotation_helpers import make_annotation

BIG_BODY = 50 * 1024 * 1024


class Site(BaseHTTPRequestHandler):
    """Each path answers one way; `server.requests` logs (method, path, User-Agent)."""

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _status(self, code, location=None):
        self.send_response(code)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, body):
        server = self.server
        with server.lock:
            server.requests.append((self.command, self.path, self.headers.get("User-Agent")))
        path = self.path
        if path in ("/ok", "/shared", "/public-note", "/private-note", "/accents/caf%C3%A9"):
            self._status(200)
        elif path == "/missing":
            self._status(404)
        elif path == "/gone":
            self._status(410)
        elif path == "/unavailable":
            self._status(503)
        elif path == "/forbidden":
            self._status(403)
        elif path == "/moved":
            self._status(301, "/hop")
        elif path == "/hop":
            self._status(302, f"http://127.0.0.1:{server.server_port}/ok")
        elif path == "/moved-to-missing":
            self._status(308, "/missing")
        elif path == "/loop-a":
            self._status(302, "/loop-b")
        elif path == "/loop-b":
            self._status(302, "/loop-a")
        elif path.startswith("/chain/"):
            self._status(302, f"/chain/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path == "/to-ftp":
            self._status(302, "ftp://files.example/report.pdf")
        elif path == "/no-head":
            if not body:
                self._status(405)
            else:
                self._big_body()
        elif path == "/head-not-implemented":
            self._status(501 if not body else 200)
        elif path == "/slow":
            server.release.wait(5)
            self._status(200)
        elif path == "/garbage":
            self.wfile.write(b"\x00\xff\xfe not an HTTP answer at all \x01\x02\r\n\r\n")
            self.close_connection = True
        elif path == "/hang-up":
            self.close_connection = True
        else:
            self._status(404)

    def _big_body(self):
        """A large body, written until the client hangs up: how much got out is recorded."""
        self.send_response(200)
        self.send_header("Content-Length", str(BIG_BODY))
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < BIG_BODY:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.server.body_bytes_sent = sent
        self.server.body_done.set()


@pytest.fixture(scope="module")
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.release = threading.Event()
    server.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(local_server, settings):
    settings.LINK_CHECK_PRIVATE_ADDRESSES = True
    settings.SITE_URL = "https://archive.example.org"
    local_server.requests = []
    local_server.release.clear()
    local_server.body_done = threading.Event()
    local_server.body_bytes_sent = None
    yield local_server
    local_server.release.set()


def run(*args):
    out = StringIO()
    call_command("check_links", "--timeout", "2", *args, stdout=out)
    return out.getvalue()


def run_json(*args):
    return json.loads(run("--json", *args))


def asked(site, path):
    return [method for method, logged_path, _agent in site.requests if logged_path == path]


def test_each_answer_is_recorded_with_its_status_and_state(build, site):
    paths = ["/ok", "/missing", "/gone", "/unavailable", "/forbidden", "/moved", "/to-ftp"]
    sources = {path: build.source(url=site.base + path) for path in paths}

    summary = run_json()

    assert summary["checked"] == len(paths)
    found = {}
    for path, source in sources.items():
        source.refresh_from_db()
        found[path] = (source.link_status, source.link_error, source.link_state)
    assert found == {
        "/ok": (200, "", LinkState.OK),
        "/missing": (404, "", LinkState.DEAD),
        "/gone": (410, "", LinkState.DEAD),
        "/unavailable": (503, "", LinkState.FAILING),
        "/forbidden": (403, "", LinkState.FAILING),
        "/moved": (200, "", LinkState.REDIRECTED),
        "/to-ftp": (None, "bad_redirect", LinkState.FAILING),
    }
    assert (summary["ok"], summary["redirected"], summary["dead"], summary["failed"]) == (
        1,
        1,
        2,
        3,
    )
    assert sources["/ok"].link_checked_at is not None
    assert sources["/ok"].link_checked_url == site.base + "/ok"


def test_a_redirect_chain_is_followed_to_its_end_and_the_final_address_kept(build, site):
    moved = build.source(url=site.base + "/moved")
    to_missing = build.source(url=site.base + "/moved-to-missing")

    run()

    moved.refresh_from_db()
    to_missing.refresh_from_db()
    assert moved.link_status == 200
    assert moved.link_final_url == site.base + "/ok"
    assert moved.link_outcome == f"200 at {site.base}/ok"
    assert to_missing.link_status == 404
    assert to_missing.link_final_url == site.base + "/missing"
    assert to_missing.link_is_dead
    # Redirects keep the method: HEAD all the way.
    assert asked(site, "/moved") == asked(site, "/hop") == ["HEAD"]


def test_a_redirect_loop_and_an_endless_chain_stop_as_too_many_redirects(build, site):
    loop = build.source(url=site.base + "/loop-a")
    chain = build.source(url=site.base + "/chain/1")

    run()

    loop.refresh_from_db()
    chain.refresh_from_db()
    assert (loop.link_status, loop.link_error) == (None, "too_many_redirects")
    assert (chain.link_status, chain.link_error) == (None, "too_many_redirects")
    # The loop is seen at once; the chain is followed ten hops, then given up.
    assert len(asked(site, "/loop-a")) == 1
    assert len([path for _m, path, _a in site.requests if path.startswith("/chain/")]) == 11


def test_a_site_refusing_head_is_asked_with_get_and_no_body_is_downloaded(build, site):
    no_head = build.source(url=site.base + "/no-head")
    not_implemented = build.source(url=site.base + "/head-not-implemented")

    run()

    no_head.refresh_from_db()
    not_implemented.refresh_from_db()
    assert (no_head.link_status, no_head.link_state) == (200, LinkState.OK)
    assert (not_implemented.link_status, not_implemented.link_state) == (200, LinkState.OK)
    assert asked(site, "/no-head") == ["HEAD", "GET"]
    assert site.body_done.wait(5)
    assert site.body_bytes_sent < BIG_BODY


def test_a_slow_site_times_out_and_is_recorded_as_a_timeout(build, site):
    slow = build.source(url=site.base + "/slow")

    out = StringIO()
    call_command("check_links", "--timeout", "0.2", stdout=out)
    site.release.set()

    slow.refresh_from_db()
    assert (slow.link_status, slow.link_error) == (None, "timeout")
    assert slow.link_outcome == "timed out"
    assert "failing (not dead yet): " in out.getvalue()


@pytest.mark.parametrize("path", ["/garbage", "/hang-up"])
def test_a_malformed_answer_or_a_hang_up_is_a_bad_response(build, site, path):
    source = build.source(url=site.base + path)

    run()

    source.refresh_from_db()
    assert (source.link_status, source.link_error) == (None, "bad_response")
    assert source.link_state == LinkState.FAILING


def test_a_closed_port_is_recorded_as_connection_refused(build, site):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    source = build.source(url=f"http://127.0.0.1:{closed_port}/anything")

    run()

    source.refresh_from_db()
    assert (source.link_status, source.link_error) == (None, "connection_refused")


def test_a_link_failing_three_checks_in_a_row_becomes_dead_and_a_good_answer_revives_it(
    build, site
):
    source = build.source(url=site.base + "/unavailable")
    for _ in range(DEAD_AFTER_FAILURES - 1):
        assert run_json()["failed"] == 1
    source.refresh_from_db()
    assert source.link_state == LinkState.FAILING

    assert run_json()["dead"] == 1
    source.refresh_from_db()
    assert source.link_is_dead
    assert Source.objects.dead_links().get() == source

    Source.objects.filter(pk=source.pk).update(url=site.base + "/ok")
    source.refresh_from_db()
    assert source.link_state == LinkState.UNCHECKED  # a new address: the old verdict is void
    run()
    source.refresh_from_db()
    assert (source.link_state, source.link_failures) == (LinkState.OK, 0)


def test_a_site_turning_robots_away_never_becomes_dead(build, site):
    source = build.source(url=site.base + "/forbidden")
    for _ in range(DEAD_AFTER_FAILURES + 1):
        run()
    source.refresh_from_db()
    assert source.link_state == LinkState.FAILING
    assert source.link_failures == 0


def test_an_address_cited_many_times_is_asked_once_and_recorded_everywhere(build, site, users):
    url = site.base + "/shared"
    sources = [build.source(url=url), build.source(url=url)]
    note = make_annotation(users["author"], message=build.message(sources=[]), visibility="public")
    link = SourceLink.objects.create(annotation=note, url=url)

    summary = run_json()

    assert asked(site, "/shared") == ["HEAD"]
    assert (summary["checked"], summary["rows"]) == (1, 3)
    for row in [*sources, link]:
        row.refresh_from_db()
        assert (row.link_status, row.link_state) == (200, LinkState.OK)


def test_links_of_private_notes_are_never_asked_but_share_a_public_answer(build, site, users):
    message = build.message(sources=[])
    public = make_annotation(users["author"], message=message, visibility="public")
    private = make_annotation(users["author"], message=message, visibility="private")
    public_link = SourceLink.objects.create(annotation=public, url=site.base + "/public-note")
    private_only = SourceLink.objects.create(annotation=private, url=site.base + "/private-note")
    private_shared = SourceLink.objects.create(annotation=private, url=site.base + "/public-note")

    run()

    assert asked(site, "/private-note") == []
    for link in (public_link, private_only, private_shared):
        link.refresh_from_db()
    assert public_link.link_status == private_shared.link_status == 200
    assert private_only.link_checked_at is None


def test_requests_name_backchannel_and_the_site_address(build, site):
    build.source(url=site.base + "/ok")

    run()

    ((_method, _path, agent),) = site.requests
    assert "Backchannel" in agent
    assert "https://archive.example.org/" in agent


def test_an_address_with_accents_is_sent_percent_encoded(build, site):
    source = build.source(url=site.base + "/accents/café")

    run()

    source.refresh_from_db()
    assert source.link_status == 200


def test_private_network_addresses_are_not_asked_unless_allowed(build, site, settings):
    settings.LINK_CHECK_PRIVATE_ADDRESSES = False
    source = build.source(url=site.base + "/ok")

    summary = run_json()

    assert site.requests == []
    source.refresh_from_db()
    assert (source.link_status, source.link_error) == (None, "private_address")
    assert summary["failed"] == 1
    for _ in range(DEAD_AFTER_FAILURES):
        run()
    source.refresh_from_db()
    assert source.link_state == LinkState.FAILING  # never asked, so never dead


def test_only_dead_checks_again_only_the_dead_links(build, site):
    dead = build.source(url=site.base + "/missing")
    working = build.source(url=site.base + "/ok")
    run()
    site.requests.clear()

    summary = run_json("--only-dead")

    assert summary["checked"] == 1
    assert [path for _m, path, _a in site.requests] == ["/missing", "/missing"]  # HEAD, GET
    dead.refresh_from_db()
    working.refresh_from_db()
    assert working.link_checked_at < dead.link_checked_at


def test_older_than_skips_links_checked_recently(build, site):
    recent = build.source(url=site.base + "/ok")
    stale = build.source(url=site.base + "/moved")
    never = build.source(url=site.base + "/gone")
    run()
    Source.objects.filter(pk=stale.pk).update(link_checked_at=timezone.now() - timedelta(days=40))
    site.requests.clear()

    summary = run_json("--older-than", "30")

    assert sorted(item["url"] for item in summary["results"]) == [stale.url]
    assert recent.pk and never.pk


def test_limit_takes_the_never_checked_first_then_the_longest_unchecked(build, site):
    old = build.source(url=site.base + "/ok")
    run()
    Source.objects.filter(pk=old.pk).update(link_checked_at=timezone.now() - timedelta(days=9))
    newer = build.source(url=site.base + "/gone")
    build.source(url=site.base + "/missing")
    Source.objects.filter(pk=newer.pk).update(
        link_checked_at=timezone.now() - timedelta(days=1), link_checked_url=newer.url
    )
    unchecked = Source.objects.get(url=site.base + "/missing")

    summary = run_json("--limit", "2")

    assert [item["url"] for item in summary["results"]] == sorted([old.url, unchecked.url])


def test_the_summary_line_counts_each_kind(build, site):
    for path in ["/ok", "/moved", "/missing", "/garbage"]:
        build.source(url=site.base + path)

    out = run("--concurrency", "2")

    assert out.splitlines()[-1] == (
        "checked 4 addresses (4 links): 1 ok, 1 redirected, 1 dead, 1 failed"
    )
    assert f"dead: {site.base}/missing (404)" in out
    assert f"failing (not dead yet): {site.base}/garbage (not a valid HTTP response)" in out


def test_nothing_to_check_is_a_quiet_success(db):
    assert run() == "checked 0 addresses (0 links): 0 ok, 0 redirected, 0 dead, 0 failed\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--concurrency", "0"],
        ["--concurrency", "many"],
        ["--timeout", "-1"],
        ["--limit", "0"],
        ["--older-than", "soon"],
    ],
)
def test_bad_options_are_refused_with_a_message(db, args):
    with pytest.raises(CommandError):
        call_command("check_links", *args, stdout=StringIO())


DRIP_INTERVAL = 0.5


@pytest.fixture
def drip_server():
    """A server on 127.0.0.1 that answers each connection with `payload` one byte every half
    second: every byte arrives well within the socket timeout, the answer never does."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def drip(connection, payload, tls):
        with connection:
            if tls is not None:
                try:
                    connection = tls.wrap_socket(connection, server_side=True)
                except OSError:
                    return
            for byte in payload:
                if stop.wait(DRIP_INTERVAL):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the client hung up
                    return

    def serve(payload, tls):
        while not stop.is_set():
            try:
                connection, _peer = listener.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(connection, payload, tls), daemon=True).start()

    def start(payload, tls=None):
        threading.Thread(target=serve, args=(payload, tls), daemon=True).start()
        return listener.getsockname()[1]

    yield start
    stop.set()
    listener.close()


DRIPPED_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
# The start of a TLS record, which the handshake waits for (16 KB it never gets).
DRIPPED_HANDSHAKE = b"\x16\x03\x03\x40\x00" + b"\x02" * 64


@pytest.mark.parametrize(
    ("scheme", "payload"),
    [("http", DRIPPED_ANSWER), ("https", DRIPPED_HANDSHAKE)],
    ids=["http-answer", "tls-handshake"],
)
def test_a_site_dripping_its_answer_byte_by_byte_times_out_at_the_deadline(
    build, site, drip_server, scheme, payload
):
    port = drip_server(payload)
    source = build.source(url=f"{scheme}://127.0.0.1:{port}/drip")

    started = time.monotonic()
    call_command("check_links", "--timeout", "1", stdout=StringIO())
    elapsed = time.monotonic() - started

    source.refresh_from_db()
    assert (source.link_status, source.link_error) == (None, "timeout")
    assert elapsed < 3, f"the check took {elapsed:.1f} s"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (server TLS context, a client one trusting it)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def test_a_secure_site_dripping_its_answer_after_the_handshake_times_out_at_the_deadline(
    drip_server, certificate
):
    server_tls, client_tls = certificate
    port = drip_server(DRIPPED_ANSWER, tls=server_tls)
    checker = Checker(
        timeout=1, user_agent="test", allow_private_addresses=True, tls_context=client_tls
    )

    started = time.monotonic()
    result = checker.check(f"https://127.0.0.1:{port}/drip")
    elapsed = time.monotonic() - started

    assert (result.status, result.error) == (None, "timeout")
    assert elapsed < 3, f"the check took {elapsed:.1f} s"
