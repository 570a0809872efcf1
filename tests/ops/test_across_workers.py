"""gunicorn with three workers and the default per-process cache (no Redis): a change made
through one worker is in every worker's figures at its next request, and a rate limit counts
the actions of every worker (both are kept in the database)."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.live_server_gunicorn import make_message, make_user

pytestmark = pytest.mark.concurrency


def test_a_withdrawn_message_leaves_the_bibliography_on_every_worker(live):
    from archive.models import Source

    message = make_message("A message its source attests.")
    source = Source.objects.using(live.alias).create(
        external_id="src-across-workers",
        publisher="Across Workers",
        title="The source of a withdrawn message",
        url="https://example.org/across-workers",
    )
    message.sources.add(source)
    # Another published message cites it too, so the source stays in the bibliography.
    make_message("Another message the same source attests.").sources.add(source)
    make_user("withdrawing-curator", "pw-curator-123", is_staff=True, is_superuser=True)
    readers = [live.visitor() for _ in range(8)]

    def bibliographies():
        # Eight at once, so that every worker is handed some (one idle worker would take all).
        with ThreadPoolExecutor(len(readers)) as pool:
            rounds = [pool.map(lambda reader: reader.get("/sources/").text, readers)]
            rounds += [pool.map(lambda reader: reader.get("/sources/").text, readers)]
            return [text for answers in rounds for text in answers]

    assert all(message.external_id in text for text in bibliographies())
    curator = live.visitor("withdrawing-curator", "pw-curator-123")
    curator.get("/admin/archive/message/")
    answer = curator.post(
        "/admin/archive/message/",
        {"action": "unpublish", "_selected_action": [str(message.pk)], "index": "0"},
    )
    assert answer.status_code == 302
    after = bibliographies()
    assert all(source.title in text for text in after)
    assert not any(message.external_id in text for text in after)


def test_a_rate_limit_counts_requests_served_by_every_worker(live):
    from django.conf import settings

    limit, seconds = settings.RATE_LIMITS["password_reset_client"]
    window = int(time.time()) // seconds
    visitors = [live.visitor() for _ in range(limit + 4)]
    for visitor in visitors:
        visitor.get("/accounts/password_reset/")

    def ask(numbered):
        number, visitor = numbered
        return visitor.post(
            "/accounts/password_reset/", {"email": f"reset-{number}@example.org"}
        ).status_code

    with ThreadPoolExecutor(len(visitors)) as pool:
        answers = list(pool.map(ask, enumerate(visitors)))
    if int(time.time()) // seconds != window:
        pytest.skip("the rate limit's window turned over during the test")
    # All from one client (loopback): the first `limit` are sent, the rest refused, whichever
    # worker served them.
    assert sorted(answers) == [302] * limit + [429] * 4, answers
