"""Two gunicorn app servers on one database and one Redis (REDIS_URL), as the README's
"several app servers" deployment runs: a session made on one is valid on the other, a write
through one is read through the other at once, a sign-in lockout on one holds on the other, and
a publish through one clears the cached figures both serve."""

import os
import re
import uuid

import pytest

from archive.models import Message
from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import (
    Visitor,
    _orm_alias,
    _server_env,
    fresh_database,
    make_message,
    make_user,
    migrate,
    start_gunicorn,
    stop_gunicorn,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.system]

PASSWORD = "pw-two-servers-123"
# The two servers' database, as this process reaches it (not the `live` fixture's).
ALIAS = "two_servers"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or "0"
# A Redis database of its own (the in-process tests use 8-15).
REDIS_URL = f"redis://127.0.0.1:6379/{2 + int(WORKER) % 4}"


@pytest.fixture(scope="module")
def _two_servers(tmp_path_factory, django_db_blocker):
    """Started once for the module (8 s of start-up each); each test makes its own users and
    records, and finds the cache empty (`two_servers`)."""
    import redis

    tmp_path = tmp_path_factory.mktemp("two-servers")
    redis.Redis.from_url(REDIS_URL).flushdb()
    with fresh_database(tmp_path) as database_url:
        env = {**_server_env(database_url), "REDIS_URL": REDIS_URL}
        migrate(env)
        processes, urls = [], []
        try:
            for name in ("a", "b"):
                process, url = start_gunicorn(
                    env, tmp_path / f"gunicorn-{name}.log", workers=2, threads=1
                )
                processes.append(process)
                urls.append(url)
            with django_db_blocker.unblock(), _orm_alias(database_url, ALIAS):
                yield urls
        finally:
            for process in processes:
                stop_gunicorn(process)
            redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def two_servers(_two_servers):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    return _two_servers


def test_a_session_made_on_one_server_is_valid_on_the_other(two_servers):
    a, b = two_servers
    user = make_user(f"both-{uuid.uuid4().hex[:6]}", PASSWORD, alias=ALIAS)
    on_a = Visitor(a).login(user.username, PASSWORD)
    on_b = Visitor(b, cookies=on_a.http.cookies)
    account = on_b.get("/accounts/")
    assert account.status_code == 200 and user.username in account.text


def test_a_write_through_one_is_read_through_the_other_at_once(two_servers):
    a, b = two_servers
    user = make_user(f"writer-{uuid.uuid4().hex[:6]}", PASSWORD, alias=ALIAS)
    message = make_message("Written on one server, read on the other.", alias=ALIAS)
    writer = Visitor(a).login(user.username, PASSWORD)
    body = f"Seen from the other server {uuid.uuid4().hex[:6]}"
    saved = writer.post(f"/messages/{message.external_id}/annotate/", note_form_data(body=body))
    assert saved.status_code == 302
    assert body in Visitor(b).get(f"/messages/{message.external_id}/").text


def test_a_lockout_on_one_server_holds_on_the_other(two_servers):
    a, b = two_servers
    user = make_user(f"locked-{uuid.uuid4().hex[:6]}", PASSWORD, alias=ALIAS)
    for _ in range(5):
        visitor = Visitor(a)  # a new browser each time, as an attacker would
        form = visitor.http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        visitor.http.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": user.username, "password": "wrong"},
        )
    visitor = Visitor(b)
    form = visitor.http.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    refused = visitor.http.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": user.username, "password": PASSWORD},
    )
    assert refused.status_code == 429


def test_a_publish_through_one_clears_the_figures_both_serve(two_servers):
    a, b = two_servers
    make_message("Published from the start.", alias=ALIAS)
    waiting = make_message("Waiting for a curator.", alias=ALIAS)
    Message.objects.using(ALIAS).filter(pk=waiting.pk).update(is_published=False)
    # The module's other tests write messages too: counted, not assumed.
    published = Message.objects.using(ALIAS).filter(is_published=True).count()
    count = re.compile(r"<strong>(\d+)</strong> messages")
    assert count.search(Visitor(a).get("/").text).group(1) == str(published)
    assert count.search(Visitor(b).get("/").text).group(1) == str(published)  # cached on both
    curator = make_user(
        f"curator-{uuid.uuid4().hex[:6]}", PASSWORD, ALIAS, is_staff=True, is_superuser=True
    )
    admin = Visitor(a).login(curator.username, PASSWORD)
    admin.get("/admin/archive/message/")
    response = admin.post(
        "/admin/archive/message/",
        {"action": "publish", "_selected_action": str(waiting.pk), "index": "0"},
    )
    assert response.status_code == 302
    assert count.search(Visitor(b).get("/").text).group(1) == str(published + 1)
    assert count.search(Visitor(a).get("/").text).group(1) == str(published + 1)
