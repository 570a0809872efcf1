"""Site-wide care: a context page linked from every page, noindex per record, batch or
collection, and readers' takedown and correction requests handled with an audit trail."""

import pytest

from archive.models import Collection, Event, Message, ReaderRequest, ReaderRequestEvent

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "personal_data",
    "record": "http://testserver/messages/m06/",
    "text": "The message gives my private number; please withhold it.",
    "name": "",
    "email": "reader@example.org",
    "website": "",
}


def test_the_context_page_is_linked_from_every_record_page(client, archive):
    page = client.get("/about/").content.decode()
    assert "Inclusion implies no wrongdoing" in page and "How the texts were obtained" in page
    for url in ["/messages/m06/", Event.objects.public().first().get_absolute_url(), "/"]:
        assert 'href="/about/"' in client.get(url).content.decode(), url
    message_page = client.get("/messages/m06/").content.decode()
    assert "/requests/?record=http%3A//testserver/messages/m06/" in message_page


def test_the_context_comes_from_a_file_when_configured(client, tmp_path, settings):
    path = tmp_path / "context.md"
    path.write_text("## Our own context\n\nThese mails were *given* to us.", encoding="utf-8")
    settings.ARCHIVE_CONTEXT_FILE = str(path)
    page = client.get("/about/").content.decode()
    assert "<h2>Our own context</h2>" in page and "<em>given</em>" in page


@pytest.mark.parametrize("where", ["message", "collection"])
def test_noindex_asks_search_engines_to_leave_a_page_out(client, archive, where):
    m06 = Message.objects.get(external_id="m06")
    assert 'name="robots"' not in client.get("/messages/m06/").content.decode()
    if where == "message":
        Message.objects.filter(pk=m06.pk).update(noindex=True)
    else:
        Collection.objects.filter(pk=m06.thread.collection_id).update(noindex=True)
    response = client.get("/messages/m06/")
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert "/messages/m06/" not in client.get("/sitemap-messages.xml").content.decode()
    assert "/messages/m05/" in client.get("/sitemap-messages.xml").content.decode() or (
        where == "collection"
    )


def test_a_reader_asks_without_an_account_and_the_curators_decide_with_a_trail(
    client, curator_client, archive, curator
):
    answer = client.post("/requests/", GOOD)
    assert answer.status_code == 200 and "was received" in answer.content.decode()
    request = ReaderRequest.objects.get()
    assert request.status == "received" and request.email == "reader@example.org"
    assert [e.status for e in request.events.all()] == ["received"]
    change = f"/admin/archive/readerrequest/{request.pk}/change/"
    assert curator_client.get(change).status_code == 200
    curator_client.post(change, {"status": "granted", "decision_reason": "Withheld the number.",
                                 **_no_inline_rows()})  # fmt: skip
    request.refresh_from_db()
    assert request.status == "granted" and request.decided_by == curator
    last = request.events.last()
    assert (last.status, last.by, last.note) == ("granted", curator, "Withheld the number.")
    assert "reader@example.org" not in client.get("/messages/m06/").content.decode()


def _no_inline_rows():
    return {
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "1",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"email": "not an address"}, "Enter a valid email address"),
        ({"text": "x"}, "Say in a sentence or two"),
        ({"kind": "shout"}, "Select a valid choice"),
        ({"record": "https://evil.example/phish"}, "Give the address of a page of this archive"),
        ({"website": "http://spam.example"}, "looks automated"),
        ({"text": "a long enough text with a \x00 NUL in it"}, "NUL"),
        ({"record": ""}, "This field is required"),
    ],
)
def test_junk_requests_get_a_clear_error_keep_the_text_and_save_nothing(client, changes, error):
    answer = client.post("/requests/", {**GOOD, **changes})
    page = answer.content.decode()
    assert answer.status_code == 200 and error in page
    assert "please withhold it" in page or "text" in changes  # the reader's words stay
    assert not ReaderRequest.objects.exists() and not ReaderRequestEvent.objects.exists()


def test_requests_are_rate_limited_per_client(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "reader_request": (2, 3600)}
    assert [client.post("/requests/", GOOD).status_code for _ in range(3)] == [200, 200, 429]
    assert ReaderRequest.objects.count() == 2
