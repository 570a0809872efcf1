"""The gunicorn that `make serve` runs (gunicorn.conf.py) leaves HTTPS to Django's rule."""

import pytest

from tests.support.live_server_gunicorn import make_message

pytestmark = pytest.mark.concurrency


def test_a_forwarded_proto_from_loopback_does_not_make_a_request_secure(live):
    """Without a declared TLS proxy, `X-Forwarded-Proto: https` from a client on loopback is
    the client's own word: the addresses the app builds stay http://."""
    make_message("A message for the forwarded-proto check.")
    visitor = live.visitor()
    answer = visitor.get("/api/messages/", headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 200
    first = answer.json()["results"][0]
    assert first["url"].startswith(live.url + "/"), first["url"]
    # Nor any of the other headers gunicorn would otherwise believe.
    for header, value in [("X-Forwarded-Protocol", "ssl"), ("X-Forwarded-Ssl", "on")]:
        answer = visitor.get("/api/messages/", headers={header: value})
        assert answer.json()["results"][0]["url"].startswith("http://"), header
