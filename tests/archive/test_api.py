"""The read-only JSON API: what it lists and shows, how it filters and pages, how it refuses,
that withdrawn records never reach it, CORS for reading, and a bounded number of queries."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.api.views import EventViewSet, MessageViewSet
from archive.filters import EventFilter, MessageFilter
from archive.models import Message
from tests.support.api_helpers import api_archive
from tests.support.query_counts import QUERY_BOUNDS, archive_with_rows


@pytest.fixture
def archive(build, users):
    return api_archive(build, users)


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response


def ids(response):
    return [record["id"] for record in response.json()["results"]]


def walk(client, url):
    """Every record of a list, following `next` links; also the pages' first ids."""
    seen = []
    while url:
        body = get(client, url).json()
        seen += [record["id"] for record in body["results"]]
        url = body["next"]
    return seen


# Lists and records


def test_messages_list_published_ones_newest_first_and_undated_last(client, archive):
    response = get(client, "/api/messages/")
    assert response.status_code == 200
    assert ids(response) == ["m03", "m02", "m01", "m04"]
    assert ids(get(client, "/api/messages/?sort=oldest")) == ["m01", "m02", "m03", "m04"]


def test_a_withdrawn_message_is_in_no_list_and_its_address_is_a_json_404(client, archive):
    assert "m05" not in walk(client, "/api/messages/")
    response = get(client, "/api/messages/m05/")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "detail": "No published message has this id."}
    assert get(client, "/api/events/e02/").status_code == 404
    assert "e02" not in walk(client, "/api/events/")


def test_withdrawing_a_message_takes_it_out_of_every_reference(client, archive):
    Message.objects.filter(external_id="m01").update(is_published=False)
    assert get(client, "/api/messages/m02/").json()["in_reply_to"] is None
    assert [m["id"] for m in get(client, "/api/events/e01/").json()["messages"]] == ["m02"]
    assert "m01" not in [m["id"] for m in get(client, "/api/sources/atlantic/").json()["messages"]]
    assert get(client, "/api/threads/dms/").json()["message_count"] == 3
    assert "m01" not in walk(client, "/api/messages/?annotated=yes") + walk(
        client, "/api/messages/"
    )


def test_a_message_carries_its_ids_links_and_honest_dates(client, archive):
    body = get(client, "/api/messages/m01/").json()
    assert body["id"] == "m01"
    assert body["url"] == "http://testserver/api/messages/m01/"
    assert body["html_url"] == "http://testserver/messages/m01/"
    assert body["date_earliest"] == body["date_latest"] == "2016-09-20"
    assert body["date_precision"] == "day"
    # Attested at 03:50 UTC, stated in New York: given at that zone's offset.
    assert body["sent_at"] == "2016-09-20T23:50:00-04:00"
    assert body["sent_at_timezone"] == "America/New_York"
    assert body["sent_at_timezone_inferred"] is False
    assert body["time_note"] == "Just before midnight."
    assert body["text_status"] == "verbatim" and body["text_is_quotation"] is True
    assert body["thread"]["id"] == "dms"
    assert body["sender"]["id"] == "tw-wikileaks"
    assert body["sender"]["person"]["url"] == "http://testserver/api/people/wikileaks/"
    assert [r["person"]["id"] for r in body["recipients"]] == ["junior"]
    assert [s["id"] for s in body["sources"]] == ["atlantic", "root"]
    assert body["sources"][0]["url"] == "http://testserver/api/sources/atlantic/"


def test_a_reply_links_its_parent_and_gives_its_reported_delay_in_iso_8601(client, archive):
    body = get(client, "/api/messages/m02/").json()
    assert body["in_reply_to"]["id"] == "m01"
    assert body["reported_delay"] == "P0DT01H30M00S"
    assert body["sent_at_timezone_inferred"] is True
    assert body["text_is_quotation"] is True
    assert [reply["id"] for reply in get(client, "/api/messages/m01/").json()["replies"]] == ["m02"]


def test_a_summary_is_never_passed_off_as_the_senders_words(client, archive):
    body = get(client, "/api/messages/m03/").json()
    assert body["text_status"] == "summary"
    assert body["text_is_quotation"] is False
    assert body["date_precision"] == "range"
    assert (body["date_earliest"], body["date_latest"]) == ("2016-10-20", "2016-10-22")
    # No zone stated: the local clock time without an offset (never a UTC instant), and the
    # zone null and said to be unknown.
    assert body["sent_at"] == "2016-10-21T14:00:00"
    assert body["sent_at_timezone"] is None
    assert body["sent_at_timezone_known"] is False


def test_a_zone_name_that_is_no_zone_still_gives_the_moment(client, archive):
    Message.objects.filter(external_id="m01").update(sent_at_timezone="Mars/Olympus")
    assert get(client, "/api/messages/m01/").json()["sent_at"] == "2016-09-21T03:50:00+00:00"


def test_an_undated_message_says_its_date_is_unknown(client, archive):
    body = get(client, "/api/messages/m04/").json()
    assert body["date_earliest"] is None and body["date_latest"] is None
    assert body["date_precision"] == "unknown"
    assert body["sent_at"] is None and body["reported_delay"] is None


def test_discrepancies_come_with_each_sources_reading(client, archive):
    (discrepancy,) = get(client, "/api/messages/m01/").json()["discrepancies"]
    assert discrepancy["id"] == "d01" and discrepancy["field"] == "time"
    readings = {
        r["source"]["id"]: (r["reading"], r["is_preferred"]) for r in discrepancy["readings"]
    }
    assert readings == {"atlantic": ("just before midnight", True), "root": ("at midnight", False)}


def test_related_records_leave_out_withdrawn_ones(client, archive):
    message = get(client, "/api/messages/m01/").json()
    assert [event["id"] for event in message["events"]] == ["e01"]
    event = get(client, "/api/events/e01/").json()
    assert [m["id"] for m in event["messages"]] == ["m01", "m02"]
    assert sorted(p["id"] for p in event["participants"]) == ["junior", "wikileaks"]
    source = get(client, "/api/sources/atlantic/").json()
    assert sorted(m["id"] for m in source["messages"]) == ["m01", "m02"]
    assert [e["id"] for e in source["events"]] == ["e01"]


def test_note_counts_are_of_public_notes_only(client, archive, users):
    assert get(client, "/api/messages/m01/").json()["note_count"] == 1
    assert get(client, "/api/events/e01/").json()["note_count"] == 1
    # Signed in, the author still gets the public count: the API answers everyone alike.
    client.force_login(users["author"])
    assert get(client, "/api/messages/m01/").json()["note_count"] == 1


def test_events_people_sources_and_threads_list_and_show(client, archive):
    assert ids(get(client, "/api/events/")) == ["e01", "e03"]
    assert get(client, "/api/events/e03/").json()["date_precision"] == "on_or_after"
    assert ids(get(client, "/api/people/")) == ["junior", "wikileaks"]
    person = get(client, "/api/people/wikileaks/").json()
    assert person["kind"] == "organisation"
    assert [a["handle"] for a in person["accounts"]] == ["@wikileaks"]
    assert [e["id"] for e in person["events"]] == ["e01"]
    assert {"atlantic", "root"} <= set(walk(client, "/api/sources/"))
    root = get(client, "/api/sources/root/").json()
    assert root["published_on"] == "2017-11-13"
    assert root["archived_url"] == "https://archive.example.org/root"
    assert get(client, "/api/sources/atlantic/").json()["archived_url"] is None
    thread = get(client, "/api/threads/dms/").json()
    assert thread["message_count"] == 4
    assert thread["html_url"] == "http://testserver/threads/dms/"
    assert walk(client, thread["messages_url"]) == ["m01", "m02", "m03", "m04"]


def test_a_conversation_without_a_published_message_is_not_listed(client, archive, build):
    build.message(thread=build.thread(external_id="under-review"), is_published=False)
    assert ids(get(client, "/api/threads/")) == ["dms"]
    assert get(client, "/api/threads/under-review/").status_code == 404


# Filters: the HTML lists' FilterSets


def test_the_api_filters_with_the_same_filtersets_as_the_pages():
    assert MessageViewSet.filterset_class is MessageFilter
    assert EventViewSet.filterset_class is EventFilter


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sender=junior", ["m02", "m04"]),
        ("recipient=junior", ["m03", "m01"]),
        ("thread=dms&sort=oldest", ["m01", "m02", "m03", "m04"]),
        ("date_from=2016-09-21&date_to=2016-10-31", ["m03", "m02"]),
        ("text_status=summary", ["m03", "m04"]),
        ("reply=yes", ["m02"]),
        ("answered=yes", ["m01"]),
        ("annotated=yes", ["m01"]),
        ("q=tax", ["m03"]),
        ("q=launch", ["m01"]),
    ],
)
def test_message_filters_narrow_the_list(client, archive, query, expected):
    assert ids(get(client, f"/api/messages/?{query}")) == expected


def test_the_sources_page_and_the_api_narrow_by_the_same_filterset(client, archive):
    page = client.get("/sources/?kind=fact_check")
    assert page.status_code == 200
    assert [s.external_id for _, group in page.context["publishers"] for s in group] == ["root"]
    assert ids(get(client, "/api/sources/?kind=fact_check")) == ["root"]
    refused = client.get("/sources/?kind=pamphlet")
    assert refused.status_code == 200
    assert "Some filters could not be used" in refused.content.decode()
    assert refused.context["publishers"] == []


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/api/events/?kind=correspondence", ["e01"]),
        ("/api/events/?person=junior", ["e01"]),
        ("/api/events/?date_from=2016-10-01", ["e03"]),
        ("/api/events/?q=contact", ["e01"]),
        ("/api/people/?kind=organisation", ["wikileaks"]),
        ("/api/people/?q=wikileaks", ["wikileaks"]),
        ("/api/sources/?publisher=The%20Root", ["root"]),
        ("/api/sources/?kind=fact_check", ["root"]),
        ("/api/threads/?person=junior", ["dms"]),
    ],
)
def test_other_lists_filter_too(client, archive, url, expected):
    assert ids(get(client, url)) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ("sender=nobody", "sender"),
        ("channel=pigeon", "channel"),
        ("date_from=2016-02-30", "date_from"),
        ("date_from=2017-01-01&date_to=2016-01-01", "date_to"),
        ("q=" + "-nothing", "q"),
        ("sort=sideways", "sort"),
        ("tag=" + "x" * 200, "tag"),
    ],
)
def test_bad_filter_values_are_a_400_naming_each_field(client, archive, query, field):
    response = get(client, f"/api/messages/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert field in body["errors"] and all(isinstance(m, str) for m in body["errors"][field])


def test_a_sender_of_only_withdrawn_messages_is_not_a_valid_choice(client, archive, build):
    ghost = build.account(build.person(external_id="ghost"))
    build.message(thread=archive["thread"], sender=ghost, is_published=False)
    assert get(client, "/api/messages/?sender=ghost").status_code == 400


def test_a_nul_character_in_a_parameter_is_a_400(client, archive):
    response = get(client, "/api/people/?q=a%00b")
    assert response.status_code == 400
    assert "q" in response.json()["errors"]


# Paging


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_pages_follow_each_other_without_gaps_or_repeats(client, build, sort):
    archive_with_rows(build, 23)
    build.message(day=None)
    expected = list(
        (
            Message.objects.public().chronological()
            if sort == "oldest"
            else Message.objects.public().newest_first()
        ).values_list("external_id", flat=True)
    )
    assert walk(client, f"/api/messages/?sort={sort}&page_size=5") == expected


def test_previous_links_walk_back_over_the_same_pages(client, build):
    archive_with_rows(build, 12)
    pages, url = [], "/api/events/?page_size=5"
    while url:
        body = get(client, url).json()
        pages.append(ids_of(body))
        url = body["next"]
    assert body["previous"]
    back = get(client, body["previous"]).json()
    assert ids_of(back) == pages[-2]
    assert get(client, back["previous"]).json()["previous"] is None


def ids_of(body):
    return [record["id"] for record in body["results"]]


def test_links_keep_the_filters_and_are_also_in_a_link_header(client, archive):
    response = get(client, "/api/messages/?thread=dms&page_size=1")
    next_url = response.json()["next"]
    assert parse_qs(urlsplit(next_url).query)["thread"] == ["dms"]
    assert response["Link"] == f'<{next_url}>; rel="next"'
    second = get(client, next_url)
    assert 'rel="prev"' in second["Link"] and 'rel="next"' in second["Link"]


@pytest.mark.parametrize(
    "query",
    ["cursor=not-a-cursor", "cursor=" + "A" * 400, "cursor=WyJhIixbIm5vdC1hLWRhdGUiLDEsMV1d"],
)
def test_a_forged_cursor_is_a_400(client, archive, query):
    response = get(client, f"/api/messages/?{query}")
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize("size", ["0", "201", "ten", "-1"])
def test_a_page_size_out_of_range_is_a_400(client, archive, size):
    response = get(client, f"/api/messages/?page_size={size}")
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


# Errors and methods


def test_an_address_under_api_that_names_nothing_is_a_json_404(client, archive):
    for url in ["/api/nothing/", "/api/messages/m01/extra/", "/api/messages/not%20an%20id/"]:
        response = get(client, url)
        assert response.status_code == 404
        assert response.json()["status"] == 404


def test_the_sites_own_404_page_is_still_html(client, archive):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_a_json_405(client, archive, method):
    response = getattr(client, method)("/api/messages/m01/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["status"] == 405
    assert "GET" in response["Allow"]


def test_asking_for_anything_but_json_is_a_json_406(client, archive):
    response = client.get("/api/messages/", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == 406


def test_head_answers_like_get_without_a_body(client, archive):
    response = client.head("/api/messages/")
    assert response.status_code == 200
    assert response.content == b""


def test_the_index_and_the_openapi_description_are_served(client, archive):
    index = get(client, "/api/").json()
    assert index["messages"] == "http://testserver/api/messages/"
    response = client.get("/api/openapi.json")
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    schema = response.json()
    assert schema["openapi"] == "3.1.0"
    parameters = {p["name"]: p for p in schema["paths"]["/api/messages/"]["get"]["parameters"]}
    assert parameters["text_status"]["schema"]["enum"] == ["excerpt", "summary", "verbatim"]
    assert parameters["date_from"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["page_size"]["schema"]["maximum"] == 200
    assert "/api/annotations/" not in schema["paths"]
    message = schema["components"]["schemas"]["Message"]["properties"]
    assert "null" in message["sent_at"]["type"]


# CORS


def test_any_site_may_read_the_api_without_credentials(client, archive):
    response = client.get("/api/messages/", headers={"Origin": "https://notebook.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/messages/",
        headers={"Origin": "https://notebook.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_the_html_pages_send_no_cors_headers(client, archive):
    response = client.get("/messages/", headers={"Origin": "https://notebook.example"})
    assert "Access-Control-Allow-Origin" not in response


# Queries: a page's count does not grow with its rows

ENDPOINTS = {
    "collections": lambda rows: "/api/collections/",
    "collection": lambda rows: f"/api/collections/{rows[0].collection.external_id}/",
    "messages": lambda rows: "/api/messages/?page_size=200",
    "message": lambda rows: f"/api/messages/{rows[1][0].external_id}/",
    "events": lambda rows: "/api/events/?page_size=200",
    "event": lambda rows: f"/api/events/{rows[4].external_id}/",
    "people": lambda rows: "/api/people/",
    "person": lambda rows: f"/api/people/{rows[2].external_id}/",
    "sources": lambda rows: "/api/sources/",
    "source": lambda rows: f"/api/sources/{rows[3].external_id}/",
    "threads": lambda rows: "/api/threads/",
    "thread": lambda rows: f"/api/threads/{rows[0].external_id}/",
}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_makes_the_same_few_queries_for_one_row_and_for_many(
    client, build, users, endpoint, django_assert_max_num_queries
):
    from tests.support.query_counts import add_notes

    small = archive_with_rows(build, 2)
    counts = [queries_for(client, ENDPOINTS[endpoint](small))]
    large = archive_with_rows(build, 60)
    add_notes(users, large[1][:10], [large[4]], per_record=3)
    with django_assert_max_num_queries(QUERY_BOUNDS[f"api_{endpoint}"]):
        counts.append(queries_for(client, ENDPOINTS[endpoint](large)))
    assert counts[0] == counts[1], counts
