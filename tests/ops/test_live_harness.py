"""The gunicorn harness itself: a fresh database, a real server, a real login over HTTP."""

import pytest

from tests.support.live_server_gunicorn import make_message, make_user

pytestmark = pytest.mark.concurrency


def test_a_visitor_logs_in_over_http_and_sees_a_message_built_through_the_orm(live):
    make_user("harness-reader", "pw-harness-123")
    message = make_message("Words served by gunicorn.")
    visitor = live.visitor("harness-reader", "pw-harness-123")
    page = visitor.get(message.get_absolute_url())
    assert page.status_code == 200
    assert "Words served by gunicorn." in page.text
    assert "harness-reader" in visitor.get("/annotations/?mine").text
