"""Every XSS payload in every field renders inert; every open-redirect payload lands on our site."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from annotations.models import Annotation, SourceLink
from tests.support import DATA

XSS = [line for line in (DATA / "xss_payloads.txt").read_text().splitlines() if line.strip()]
REDIRECTS = [
    line for line in (DATA / "open_redirect_payloads.txt").read_text().splitlines() if line.strip()
]
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


class DangerFinder(HTMLParser):
    """Collects what a browser would execute: scripts, event handlers, script URLs."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in {"href", "src", "action", "formaction", "xlink:href", "srcdoc"} and value:
                cleaned = "".join(ch for ch in value if ch > " ").lower()
                if cleaned.startswith(BAD_SCHEMES):
                    self.problems.append(f"{tag} {name}={value!r}")
            if tag in {"iframe", "object", "embed", "base"} and name in {"src", "data", "href"}:
                self.problems.append(f"<{tag}>")


def dangers(html):
    finder = DangerFinder()
    finder.feed(html)
    return finder.problems


@pytest.fixture
def message(build):
    return build.message(external_id="m-xss", text="Plain words to quote.", text_status="verbatim")


def test_our_pages_are_clean_before_any_payload(client, message):
    assert dangers(client.get(message.get_absolute_url()).content.decode()) == []


@pytest.mark.parametrize("payload", XSS)
def test_payload_in_every_annotation_field_renders_inert(client, users, message, payload):
    note = Annotation.objects.create(
        author=users["author"],
        message=message,
        visibility="public",
        body=payload,
        tags=[payload[:40]],
        quote_exact="",
    )
    SourceLink.objects.create(
        annotation=note, url="https://example.org/", title=payload[:300], publisher=payload[:200]
    )
    note.record_revision(users["author"])
    client.force_login(users["author"])
    for url in [
        reverse("home"),
        message.get_absolute_url(),
        note.get_absolute_url(),
        reverse("annotations:list"),
        reverse("annotations:history", args=[note.uuid]),
        reverse("annotations:edit", args=[note.uuid]),
    ]:
        html = client.get(url).content.decode()
        assert dangers(html) == [], url


@pytest.mark.parametrize("payload", XSS)
def test_payload_as_a_source_link_url_is_refused_and_echoed_inert(client, users, message, payload):
    client.force_login(users["author"])
    response = client.post(
        reverse("annotations:annotate_message", args=[message.external_id]),
        {
            "body": payload,
            "motivation": "commenting",
            "visibility": "public",
            "tags": payload[:30],
            "quote_exact": payload[:100],
            "links-TOTAL_FORMS": "1",
            "links-INITIAL_FORMS": "0",
            "links-0-url": payload,
            "links-0-title": payload[:300],
        },
    )
    assert response.status_code in {302, 400}
    for link in SourceLink.objects.all():
        assert link.url.startswith(("http://", "https://"))
    assert dangers(response.content.decode()) == []


@pytest.mark.parametrize("payload", XSS)
def test_payload_in_filters_renders_inert(client, message, payload):
    for url, key in [
        ("/messages/", "q"),
        ("/messages/", "channel"),
        ("/messages/", "date_from"),
        ("/timeline/", "person"),
        ("/timeline/", "q"),
        ("/annotations/", "tag"),
        ("/messages/", "tag"),
        ("/search/", "q"),
        ("/search/", "sender"),
        ("/search/", "tag"),
    ]:
        html = client.get(url, {key: payload}).content.decode()
        assert dangers(html) == [], (url, key)


@pytest.mark.parametrize("payload", XSS)
def test_payload_as_a_login_name_is_echoed_inert(client, db, payload):
    response = client.post(reverse("login"), {"username": payload[:150], "password": "wrong"})
    assert response.status_code == 200
    assert dangers(response.content.decode()) == []


@pytest.mark.parametrize("payload", REDIRECTS)
def test_login_next_never_leaves_the_site(client, users, payload):
    response = client.post(
        reverse("login") + "?next=" + payload,
        {"username": "author", "password": "pw-author-123", "next": payload},
    )
    assert response.status_code == 302
    # Resolve the Location the way a browser does, from the login page's address.
    landed = urlsplit(urljoin("http://testserver/accounts/login/", response["Location"]))
    assert (landed.scheme, landed.netloc) == ("http", "testserver"), response["Location"]
    assert "\\" not in response["Location"]
