"""The messages list: each filter, combinations, bad values, exports of the filtered set."""

import csv
import io
import json

import pytest
from django.urls import reverse

URL = "/messages/"


def ids(response):
    return [m.external_id for m in response.context["page"].object_list]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"sender": "donald-trump-jr", "reply": "yes"}, {"m02", "m06", "m07"}),
        ({"sender": "donald-trump-jr", "channel": "direct_message"}, {"m02", "m06", "m07"}),
        ({"channel": "email"}, {"m03", "m04"}),
        ({"recipient": "hope-hicks"}, {"m04"}),
        ({"thread": "dm-wikileaks-trumpjr", "answered": "yes"}, {"m01", "m05"}),
        ({"text_status": "verbatim"}, {"t02", "t05", "t08"}),
        (
            {"date_from": "2016-10-03", "date_to": "2016-10-03", "channel": "direct_message"},
            {"m05", "m06", "m07"},
        ),
    ],
)
def test_each_filter_narrows_the_list(client, archive, query, expected):
    response = client.get(URL, query)
    assert response.status_code == 200
    assert set(ids(response)) == expected
    assert f"{len(expected)} message" in response.content.decode()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("  ", None),  # blank: no filter
        ("PODESTA", {"m08"}),  # any case, text or summary
        ("podesta nonexistentword", set()),  # every word must match
    ],
)
def test_words_filter_searches_text_and_summary(client, archive, words, expected):
    response = client.get(URL, {"q": words})
    assert response.status_code == 200
    found = set(ids(response))
    if expected is None:
        assert len(found) == 24
    else:
        assert found == expected
        content = response.content.decode()
        assert f'value="{words}"' in content
        assert f"{len(expected)} message{'' if len(expected) == 1 else 's'} match" in content
        assert ("1 message matches" in content) == (len(expected) == 1)


def test_words_filter_matches_every_word_in_either_field(client, build):
    build.message(external_id="both", text="The leak came out.", summary="Podesta e-mails.")
    build.message(external_id="one", text="The leak came out.", summary="Nothing else.")
    response = client.get(URL, {"q": "leak podesta"})
    assert set(ids(response)) == {"both"}


def test_unanswered_wikileaks_direct_messages(client, archive):
    response = client.get(
        URL, {"sender": "wikileaks", "channel": "direct_message", "answered": "no"}
    )
    assert set(ids(response)) == {"m08", "m09", "m10", "m11", "m12", "m13"}


def test_sort_oldest_and_newest(client, archive):
    oldest = ids(client.get(URL, {"thread": "dm-wikileaks-trumpjr", "sort": "oldest"}))
    newest = ids(client.get(URL, {"thread": "dm-wikileaks-trumpjr"}))
    assert oldest[0] == "m01" and newest[0] == "m13"
    assert oldest == list(reversed(newest))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sender": "nobody-at-all"}, "Select a valid choice"),
        ({"date_from": "yesterday"}, "Enter a valid date"),
        ({"date_from": "2017-01-01", "date_to": "2016-01-01"}, "end date is before the start"),
        ({"channel": "<script>alert(1)</script>"}, "Select a valid choice"),
        ({"q": " ".join("abcdefghijklmnopqrstu")}, "Use at most 20 words and phrases."),
        ({"q": "-podesta"}, "Add a word to search for"),
        ({"q": "31 Feb 2016"}, "is not a date on the calendar"),
    ],
)
def test_bad_filter_values_are_explained_not_silently_empty(client, archive, query, message):
    response = client.get(URL, query)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Some filters could not be used" in content
    assert message in content
    assert "<script>alert(1)</script>" not in content


def test_pagination_links_keep_the_filters(client, build):
    thread = build.thread(external_id="big")
    for _ in range(60):
        build.message(thread=thread)
    response = client.get(URL, {"thread": "big", "sort": "oldest"})
    content = response.content.decode()
    cursor = response.context["page"].next_cursor
    # {% querystring %} writes its own "?": a second one would turn "thread" into "?thread".
    assert f'href="?thread=big&amp;sort=oldest&amp;cursor={cursor}"' in content
    second = client.get(URL, {"thread": "big", "sort": "oldest", "cursor": cursor})
    assert len(ids(second)) == 10


def test_an_old_page_number_link_still_opens_its_page(client, build):
    thread = build.thread(external_id="big")
    for _ in range(60):
        build.message(thread=thread)
    by_cursor = client.get(URL, {"sort": "oldest"}).context["page"].next_cursor
    second = client.get(URL, {"sort": "oldest", "page": 2})
    assert ids(second) == ids(client.get(URL, {"sort": "oldest", "cursor": by_cursor}))


def test_a_page_number_past_the_numbered_pages_opens_the_first_page_and_says_why(client, build):
    from archive.views.lists import MAX_PAGE_NUMBER

    build.message()
    response = client.get(URL, {"page": MAX_PAGE_NUMBER + 1})
    assert response.status_code == 200
    assert len(ids(response)) == 1
    assert "pages are numbered only up to page" in response.content.decode()


def test_csv_export_parses_and_honours_filters(client, archive):
    response = client.get(URL, {"sender": "donald-trump-jr", "reply": "yes", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # The default dialect is for spreadsheets: UTF-8 with a byte-order mark.
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["id"] for row in rows} == {"m02", "m06", "m07"}
    assert rows[0]["url"].startswith("http://testserver/messages/")


def test_json_export_has_a_stable_schema(client, archive):
    response = client.get(URL, {"channel": "email", "format": "json"})
    data = json.loads(b"".join(response.streaming_content))
    assert set(data) == {"fields", "messages"}
    assert [m["id"] for m in data["messages"]] == ["m04", "m03"]
    for message in data["messages"]:
        assert list(message) == data["fields"]
    m04 = data["messages"][0]
    assert m04["in_reply_to"] == "m03" and m04["date_latest"] is None
    assert m04["date"] == "on or after 20 Sep 2016"


def test_export_with_bad_filters_is_a_json_400(client, archive):
    response = client.get(URL, {"date_from": "nope", "format": "json"})
    assert response.status_code == 400
    assert "date_from" in response.json()["errors"]


def test_export_links_carry_the_filters(client, archive):
    content = client.get(URL, {"channel": "email"}).content.decode()
    assert 'href="?channel=email&amp;format=csv"' in content
    assert "??" not in content


def test_export_links_answer_with_the_filtered_export(client, archive):
    import html
    import re

    content = client.get(URL, {"channel": "email"}).content.decode()
    href = html.unescape(re.search(r'href="([^"]*format=csv[^"]*)"', content).group(1))
    response = client.get(URL + href)
    assert response["Content-Type"].startswith("text/csv")


def test_list_page_shows_reply_counts(client, archive):
    content = client.get(reverse("archive:message_list"), {"thread": "dm-wikileaks-trumpjr"})
    assert "2 replies" in content.content.decode()


def test_csv_cells_that_a_spreadsheet_would_run_are_made_text(client, build):
    build.message(external_id="formula", text='=HYPERLINK("https://evil.example")')
    body = b"".join(client.get(URL, {"format": "csv"}).streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["text"] == '\'=HYPERLINK("https://evil.example")'
    data = json.loads(b"".join(client.get(URL, {"format": "json"}).streaming_content))
    assert data["messages"][0]["text"].startswith("=HYPERLINK")


@pytest.mark.parametrize(
    ("query", "is_open"),
    [
        ({}, False),
        ({"q": "podesta"}, False),
        # What the form sends when only the words were filled in: empty selects, default order.
        ({"q": "podesta", "sender": "", "channel": "", "sort": "newest"}, False),
        ({"sender": "donald-trump-jr"}, True),
        ({"annotated": "yes"}, True),
        ({"sort": "oldest"}, True),
        ({"date_from": "not-a-date"}, True),
    ],
)
def test_more_filters_fold_is_open_exactly_when_one_of_them_is_in_use(
    client, archive, query, is_open
):
    page = client.get(URL, query).content.decode()
    assert ('<details class="more-filters" open>' in page) is is_open
    assert ('<details class="more-filters">' in page) is not is_open


def test_a_long_list_of_choices_becomes_a_box_for_the_id(client, build, monkeypatch):
    from archive import filters

    monkeypatch.setattr(filters, "MAX_DROPDOWN_CHOICES", 2)
    threads = [build.thread(external_id=f"conv-{i}") for i in range(3)]
    for thread in threads:
        build.message(thread=thread, external_id=f"in-{thread.external_id}")
    content = client.get(URL).content.decode()
    assert '<input type="text" name="thread"' in content
    assert '<select name="thread"' not in content
    response = client.get(URL, {"thread": "conv-1"})
    assert ids(response) == ["in-conv-1"]
    unknown = client.get(URL, {"thread": "no-such-conversation"})
    assert "Select a valid choice" in unknown.content.decode()
