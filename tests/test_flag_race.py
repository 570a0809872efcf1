"""Reports sent at once over real HTTP: one open flag per reporter, every answer a redirect."""

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

from annotations.models import Flag
from tests.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 12


def request(server, method, path, cookies, body=None):
    host = urlsplit(server.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.getheader("Set-Cookie") or "", response.read().decode()


def test_the_same_report_sent_at_once_is_one_open_flag(live_server, client, build, users):
    note = make_annotation(users["author"], message=build.message(), visibility="public")
    client.force_login(users["other"])
    cookies = {"sessionid": client.cookies["sessionid"].value}
    status, set_cookie, page = request(live_server, "GET", note.get_absolute_url(), cookies)
    assert status == 200
    cookies["csrftoken"] = re.search(r"csrftoken=([^;]+)", set_cookie).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "reason": "Spam, sent twice"})
    path = f"/annotations/{note.uuid}/flag/"

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        statuses = list(
            pool.map(
                lambda _: request(live_server, "POST", path, cookies, body)[0], range(ATTEMPTS)
            )
        )

    assert statuses == [302] * ATTEMPTS
    assert Flag.objects.open().filter(annotation=note, reporter=users["other"]).count() == 1
