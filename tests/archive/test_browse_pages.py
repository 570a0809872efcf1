"""Conversation, timeline, event, person and source pages; citations; sitemap and robots."""

import json
import re

import pytest

from archive.models import Event, Message


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_conversation_shows_counts_per_side_runs_silences_and_latency(client, archive):
    page = text(client.get("/threads/dm-wikileaks-trumpjr/"))
    assert "@wikileaks</a>: <strong>8</strong> messages" in page
    assert "@DonaldJTrumpJr</a>: <strong>3</strong> messages, 3 of them replies" in page
    assert "<strong>2 of 8</strong> got a reply (25%)" in page
    assert "6 messages without a reply" in page
    assert "207 days of silence" in page
    assert "about 90 minutes (reported)" in page
    assert page.index("m05") < page.index("m06") < page.index("m13")


def test_timeline_mixes_messages_and_events_by_month(client, archive):
    page = text(client.get("/timeline/"))
    assert 'id="m-2016-10"' in page and "October 2016" in page
    october = page[page.index('id="m-2016-10"') : page.index('id="m-2016-11"')]
    assert "m05" in october and "Roger Stone&#x27;s &#x27;Wednesday&#x27; tweet" in october
    assert (
        page.index('id="m-2016-07"') < page.index('id="m-2016-10"') < page.index('id="m-2017-07"')
    )


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ({"year": "2017"}, ["m13", "e16"], ["m05", "e03"]),
        ({"kind": "events"}, ["e03"], [">m05:"]),
        ({"kind": "messages"}, [">m05:"], ['id="e03"']),
        ({"person": "hope-hicks"}, ["m04", "e02"], ["m05", "e16"]),
        ({"q": "PODESTA"}, [">m08:", 'id="e06"', "2 entries"], [">m05:", 'id="e03"']),
        ({"q": "podesta", "kind": "events"}, ['id="e06"'], [">m08:"]),
        ({"q": "podesta wilkes-barre"}, [">m08:", "1 entry"], ['id="e06"']),
    ],
)
def test_timeline_filters(client, archive, query, present, absent):
    page = text(client.get("/timeline/", query))
    for item in present:
        assert item in page
    for item in absent:
        assert item not in page


def test_timeline_bad_filter_is_explained(client, archive):
    page = text(client.get("/timeline/", {"person": "nobody", "year": "abc"}))
    assert "Some filters could not be used" in page


def test_event_page_links_messages_and_cites(client, archive):
    event = Event.objects.get(external_id="e16")
    page = text(client.get(event.get_absolute_url()))
    assert "/messages/m13/" in page and "Cite this" in page
    assert "cite.bib" in page


def test_old_event_slug_redirects_to_the_current_one(client, archive):
    event = Event.objects.get(external_id="e16")
    response = client.get("/events/e16-an-older-title/")
    assert response.status_code == 301 and response["Location"] == event.get_absolute_url()


def test_message_page_shows_discrepancy_neighbours_and_events(client, archive):
    page = text(client.get("/messages/m09/"))
    assert "Sources disagree about the date:</strong> 21 Oct 2016" in page
    assert "12 Oct 2016" in page
    assert "Previous: m08" in page and "Next: m10" in page
    assert "WikiLeaks asks for Trump&#x27;s tax returns" in page


def test_person_page_shows_answer_rate_and_median_latency(client, archive):
    page = text(client.get("/people/donald-trump-jr/"))
    assert "replies came after a median of <strong>about 6 hours 45 minutes (reported)" in page
    assert "(2 replies with a known delay)" in page
    assert "@DonaldJTrumpJr (Twitter)" in page and "E-mail, no handle attested" in page
    wikileaks = text(client.get("/people/wikileaks/"))
    assert "<strong>2 of 10</strong> got a reply (20%)" in wikileaks


def test_sources_are_grouped_by_publisher_with_what_they_attest(client, archive):
    page = text(client.get("/sources/"))
    assert "<h2" in page and "Snopes" in page
    assert "Attests:" in page
    detail = text(client.get("/sources/s10/"))
    assert "/messages/m09/" in detail and "21 Oct 2016" in detail


def test_bibtex_citation_parses(client, archive):
    response = client.get("/messages/m06/cite.bib")
    assert response.status_code == 200
    body = response.content.decode()
    entry = re.fullmatch(r"@misc\{(\w+),\n((?:  \w+ = \{.*\},?\n)+)\}\n", body)
    assert entry, body
    fields = dict(re.findall(r"  (\w+) = \{(.*)\}", entry.group(2)))
    assert fields["author"] == "Trump, Jr., Donald"
    assert fields["url"] == "http://testserver/messages/m06/"
    assert fields["date"] == "2016-10-03"
    assert body.count("{") == body.count("}")


@pytest.mark.parametrize(
    "url", ["/messages/m11/cite.json", "/events/{slug}/cite.json", "/sources/s02/cite.json"]
)
def test_csl_json_has_the_required_fields(client, archive, url):
    url = url.format(slug=Event.objects.get(external_id="e04").slug)
    items = json.loads(client.get(url).content)
    assert isinstance(items, list) and len(items) == 1
    item = items[0]
    for key in ("id", "type", "title", "URL", "accessed"):
        assert item[key]
    if "m11" in url or "e04" in url:
        # A two-day range is a CSL date range, never a false exact day.
        assert len(item["issued"]["date-parts"]) == 2


def test_sitemap_lists_record_permalinks(client, archive):
    body = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/messages/m05/" in body
    assert Event.objects.get(external_id="e16").get_absolute_url() in body
    assert "/people/donald-trump-jr/" in body and "/sources/s01/" in body


def test_unpublished_records_are_not_in_the_sitemap(client, archive):
    Message.objects.filter(external_id="m05").update(is_published=False)
    assert "/messages/m05/" not in client.get("/sitemap.xml").content.decode()


def test_a_large_archive_s_sitemap_is_an_index_of_files_that_list_each_page_once(
    client, archive, monkeypatch
):
    import re

    from archive.views.sitemaps import ArchiveSitemap

    monkeypatch.setattr(ArchiveSitemap, "limit", 5)  # as 10,000 would at 50,000 messages
    index = client.get("/sitemap.xml")
    assert index.status_code == 200 and "<sitemapindex" in index.content.decode()
    files = re.findall(
        r"<loc>http://testserver(/sitemap-[a-z]+\.xml(?:\?p=\d+)?)</loc>", index.content.decode()
    )
    assert "/sitemap-messages.xml?p=2" in files
    pages = []
    for path in files:
        answer = client.get(path)
        assert answer.status_code == 200 and "<urlset" in answer.content.decode()
        pages += re.findall(r"<loc>http://testserver([^<]+)</loc>", answer.content.decode())
    messages = [page for page in pages if page.startswith("/messages/") and page != "/messages/"]
    published = Message.objects.public().values_list("external_id", flat=True)
    assert sorted(messages) == sorted(f"/messages/{m}/" for m in published)
    assert len(pages) == len(set(pages)) and "/people/" in pages
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_points_at_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Sitemap: http://testserver/sitemap.xml" in body


def test_friendly_404(client, db):
    response = client.get("/messages/no-such-message/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_record_pages_carry_open_graph_tags(client, archive):
    page = client.get("/messages/m06/").content.decode()
    assert '<meta property="og:title" content="@DonaldJTrumpJr → @wikileaks, 3 Oct 2016">' in page
    assert 'property="og:type" content="article"' in page


def test_long_conversations_are_paged_and_answers_on_later_pages_count(client, build):
    from archive.models import AnswerRate
    from archive.views import threads as views

    thread = build.thread(external_id="long")
    a, b = build.account(handle="@a"), build.account(handle="@b")
    first = build.message(thread=thread, sender=a)
    for _ in range(views.THREAD_PAGE_SIZE):
        build.message(thread=thread, sender=a)
    last_reply = build.message(thread=thread, sender=b, in_reply_to=first)
    response = client.get("/threads/long/")
    page_one = text(response)
    assert (
        f"{views.THREAD_PAGE_SIZE + 2} messages, read {views.THREAD_PAGE_SIZE} at a time."
        in page_one
    )
    assert "Later messages" in page_one
    # The reply sits on page 2; page 1 still knows the first message was answered.
    assert "1 reply" in page_one
    sent = views.THREAD_PAGE_SIZE + 1
    assert f"<strong>1 of {sent}</strong> got a reply ({AnswerRate(1, sent).percent}%)" in page_one
    page_two = client.get("/threads/long/", {"cursor": response.context["page"].next_cursor})
    assert [m.external_id for m in page_two.context["page"]][-1] == last_reply.external_id
    assert "reply to" in text(page_two)


def test_timeline_pages_by_cursor_and_keeps_undated_records_for_the_end(client, build):
    from datetime import date, timedelta

    from archive.views import timeline as views

    thread = build.thread()
    first_day = date(2020, 1, 1)
    total = views.TIMELINE_PAGE_SIZE + 60
    for i in range(total):
        build.message(thread=thread, external_id=f"tl{i}", day=first_day + timedelta(days=i))
    build.message(thread=thread, external_id="tl-undated", date_earliest=None, date_latest=None)

    first = client.get("/timeline/")
    page = text(first)
    assert f"{views.TIMELINE_PAGE_SIZE} entries on this page" in page
    assert "tl-undated" not in page and "Earlier entries" not in page
    # Months beyond this page are linked by their start date.
    last_day = first_day + timedelta(days=total - 1)
    assert f"start={last_day:%Y-%m}-01#m-{last_day:%Y-%m}" in page

    cursor = first.context["page"].next_cursor
    second = client.get("/timeline/", {"cursor": cursor})
    shown = [record.external_id for _, record in second.context["page"].object_list]
    assert shown == [f"tl{i}" for i in range(views.TIMELINE_PAGE_SIZE, total)] + ["tl-undated"]
    assert "Later entries" not in text(second) and "Earlier entries" in text(second)
    back = client.get("/timeline/", {"cursor": second.context["page"].previous_cursor})
    assert back.context["page"].object_list == first.context["page"].object_list

    # A start date opens the timeline at that day; what is before it is a link away.
    from_day = client.get("/timeline/", {"start": f"{first_day + timedelta(days=150):%Y-%m-%d}"})
    shown = [record.external_id for _, record in from_day.context["page"].object_list]
    assert shown[0] == "tl150" and shown[-1] == "tl-undated"
    assert "Earlier entries" in text(from_day)


def _read_whole_timeline(client, query=None, backwards_check=True):
    """Every entry of the timeline, following its next links; checks each page's previous link
    leads back to the page before."""
    seen, pages, cursor = [], [], None
    while True:
        response = client.get(
            "/timeline/", {**(query or {}), **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200
        page = response.context["page"]
        pages.append([(kind, record.pk) for kind, record in page.object_list])
        if backwards_check and len(pages) > 1:
            back = client.get("/timeline/", {**(query or {}), "cursor": page.previous_cursor})
            assert [(k, r.pk) for k, r in back.context["page"].object_list] == pages[-2]
        seen += [(kind, record.external_id) for kind, record in page.object_list]
        if not page.has_next:
            return seen
        cursor = page.next_cursor


def test_a_day_with_more_records_than_a_page_is_paged_through_without_gaps(
    client, build, monkeypatch
):
    """Records sharing one day (an import of a busy day) used to be cut at the page size: the
    next page began the following day and the rest of that day was never shown."""
    from datetime import date

    monkeypatch.setattr("archive.views.timeline.TIMELINE_PAGE_SIZE", 7)
    thread = build.thread()
    busy, before, after = date(2020, 3, 3), date(2020, 3, 2), date(2020, 3, 4)
    build.message(thread=thread, external_id="m-before", day=before)
    expected = [("message", "m-before")]
    for i in range(5):
        build.event(external_id=f"e-busy{i}", day=busy)
    expected += [("event", f"e-busy{i}") for i in range(5)]
    for i in range(23):
        build.message(thread=thread, external_id=f"m-busy{i:02d}", day=busy)
    expected += [("message", f"m-busy{i:02d}") for i in range(23)]
    build.event(external_id="e-after", day=after)
    build.message(thread=thread, external_id="m-after", day=after)
    build.message(thread=thread, external_id="m-undated", date_earliest=None, date_latest=None)
    build.event(external_id="e-undated", date_earliest=None, date_latest=None)
    expected += [("event", "e-after"), ("message", "m-after")]
    expected += [("event", "e-undated"), ("message", "m-undated")]

    assert _read_whole_timeline(client) == expected
    assert _read_whole_timeline(client, {"kind": "messages"}) == [
        entry for entry in expected if entry[0] == "message"
    ]
    # Starting on the busy day starts with its first record, events first.
    response = client.get("/timeline/", {"start": "2020-03-03"})
    assert response.context["page"].object_list[0][1].external_id == "e-busy0"


def test_timeline_cursor_has_no_gaps_or_duplicates_while_records_are_added(
    client, build, monkeypatch
):
    from datetime import date, timedelta

    monkeypatch.setattr("archive.views.timeline.TIMELINE_PAGE_SIZE", 4)
    thread = build.thread()
    for i in range(10):
        build.message(thread=thread, external_id=f"m{i}", day=date(2021, 1, 1) + timedelta(i))
    first = client.get("/timeline/").context["page"]
    # Added before the reader's position (not shown to them) and after it (shown once).
    build.message(thread=thread, external_id="m-early", day=date(2020, 12, 1))
    build.message(thread=thread, external_id="m-late", day=date(2021, 2, 1))
    rest, cursor = [], first.next_cursor
    while cursor:
        page = client.get("/timeline/", {"cursor": cursor}).context["page"]
        rest += [record.external_id for _, record in page.object_list]
        cursor = page.next_cursor if page.has_next else None
    shown = [record.external_id for _, record in first.object_list] + rest
    assert shown == [f"m{i}" for i in range(10)] + ["m-late"]


@pytest.mark.parametrize(
    "cursor", ["", "garbage", "x" * 400, "WyJhIiwibm9wZSIsW11d", "WyJhIiwibWVzc2FnZSIsWzEsMl1d"]
)
def test_a_forged_timeline_cursor_opens_the_first_page(client, archive, cursor):
    response = client.get("/timeline/", {"cursor": cursor})
    assert response.status_code == 200
    assert response.context["page"].object_list


def test_answer_rate_of_nothing_sent_is_unknown_not_zero(client, build):
    from archive.models import AnswerRate

    assert AnswerRate(answered=0, sent=0).percent is None
    assert str(AnswerRate(answered=0, sent=0)) == "—"
    assert AnswerRate(answered=0, sent=3).percent == 0
    assert str(AnswerRate(answered=1, sent=3)) == "33%"
    silent = build.person("Silent Reader")
    build.message(recipients=[build.account(silent)])  # named by a published record: received
    page = text(client.get(silent.get_absolute_url()))
    assert "<strong>0 of 0</strong> got a reply (—)" in page


def test_timeline_paging_links_keep_the_filters_and_reach_the_next_page(
    client, archive, monkeypatch
):
    import html

    monkeypatch.setattr("archive.views.timeline.TIMELINE_PAGE_SIZE", 5)
    content = client.get("/timeline/", {"kind": "messages"}).content.decode()
    assert "??" not in content
    later = re.search(r'<a rel="next" href="([^"]+)"', content)
    assert later, "a page of 5 entries links to the later ones"
    href = html.unescape(later.group(1))
    assert href.startswith("?") and "kind=messages" in href
    response = client.get("/timeline/" + href)
    assert response.status_code == 200
    assert "kind=messages" in html.unescape(response.content.decode())
