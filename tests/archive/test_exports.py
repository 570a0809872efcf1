"""Exports of every list: messages, events (the timeline), people, sources and notes, as CSV (two
dialects) and JSON; file names from the filters; the one visibility rule; bounded queries."""

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import SourceLink
from archive.exports.files import LIST_SEPARATOR
from archive.models import Discrepancy, DiscrepancyReading
from tests.support import DATA
from tests.support.annotation_helpers import make_annotation, make_group
from tests.support.query_counts import QUERY_BOUNDS

# Copies of the security corpora in /work/shared/security/ (tests/data/README.md).
SECURITY = DATA
LISTS = {
    "messages": reverse("archive:message_list"),
    "events": reverse("archive:timeline"),
    "people": reverse("archive:person_list"),
    "sources": reverse("archive:source_list"),
    "notes": reverse("annotations:list"),
}


def download(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def csv_rows(body, dialect="spreadsheet"):
    text = body.decode("utf-8")
    if dialect == "spreadsheet":
        assert text.startswith("\ufeff")
        text = text[1:]
    else:
        assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def corpus(build, users):
    """Two messages (one a reply, with a discrepancy and an event), a withdrawn one, people,
    sources, and notes of every visibility."""
    wikileaks = build.person("WikiLeaks", external_id="wikileaks", kind="organisation")
    junior = build.person("Donald Trump Jr.", external_id="donald-trump-jr")
    wl = build.account(wikileaks, "@wikileaks", external_id="wl")
    dj = build.account(junior, "@DonaldJTrumpJr", external_id="dj")
    s1, s2 = build.source(external_id="s1"), build.source(external_id="s2")
    thread = build.thread(external_id="dm")
    first = build.message(
        thread,
        wl,
        [dj],
        [s1],
        external_id="m1",
        text="@wikileaks says hi",
        text_status="verbatim",
        day=date(2016, 9, 20),
        time_note="No time stated.",
        curator_note="Dated by one source only.",
    )
    second = build.message(
        thread,
        dj,
        [wl],
        [s1, s2],
        external_id="m2",
        text="Off the record",
        in_reply_to=first,
        day=date(2017, 10, 3),
        sent_at=datetime(2017, 10, 3, 22, 35, tzinfo=__import__("datetime").UTC),
        sent_at_timezone="America/New_York",
        reported_delay=timedelta(hours=1, minutes=30),
    )
    withdrawn = build.message(thread, wl, [dj], external_id="m3", is_published=False)
    event = build.event(external_id="e1", title="Leak", day=date(2016, 10, 7), sources=[s2])
    event.participants.set([wikileaks])
    event.messages.set([first, withdrawn])
    build.event(external_id="e2", title="Hidden", is_published=False)
    discrepancy = Discrepancy.objects.create(
        external_id="d1", message=second, field="date", note="Sources differ by a day."
    )
    DiscrepancyReading.objects.create(
        discrepancy=discrepancy, source=s1, reading="3 Oct 2017", is_preferred=True
    )
    DiscrepancyReading.objects.create(discrepancy=discrepancy, source=s2, reading="4 Oct 2017")
    group = make_group(users["author"], users["member"], name="Team")
    notes = {
        "public": make_annotation(
            users["author"], message=first, visibility="public", tags=["dates"], body="Public."
        ),
        "quote": make_annotation(
            users["author"], message=first, quote_exact="says hi", visibility="public"
        ),
        "private": make_annotation(users["author"], message=first, body="Secret."),
        "group": make_annotation(
            users["author"], event=event, visibility="group", group=group, body="Team only."
        ),
        "withdrawn": make_annotation(
            users["author"], message=withdrawn, visibility="public", body="On withdrawn."
        ),
        "other": make_annotation(users["other"], event=event, visibility="public", body="Other."),
    }
    SourceLink.objects.create(
        annotation=notes["public"],
        url="https://example.org/a",
        title="A story",
        archived_url="https://web.archive.org/web/2017/https://example.org/a",
    )
    return {"first": first, "second": second, "event": event, "notes": notes, "users": users}


EXPECTED = {
    "messages": ("id", {"m1", "m2"}),
    "events": ("id", {"e1"}),
    "people": ("id", {"wikileaks", "donald-trump-jr"}),
    "sources": ("id", {"s1", "s2"}),
}


@pytest.mark.parametrize("kind", ["messages", "events", "people", "sources"])
@pytest.mark.parametrize("export", ["spreadsheet", "data", "json"])
def test_every_list_exports_its_records_in_each_format(client, corpus, kind, export):
    key, expected = EXPECTED[kind]
    if export == "json":
        response, body = download(client, LISTS[kind], format="json")
        data = json.loads(body)
        rows = data[kind]
        assert all(list(row) == data["fields"] for row in rows)
        assert response["Content-Disposition"] == f'attachment; filename="{kind}.json"'
    else:
        response, body = download(client, LISTS[kind], format="csv", dialect=export)
        rows = csv_rows(body, export)
        assert response["Content-Disposition"] == f'attachment; filename="{kind}.csv"'
    found = {row[key] for row in rows}
    # People and sources are everyone the archive names; the builders add a few more.
    assert expected <= found if kind in {"people", "sources"} else found == expected


def test_a_message_carries_every_field_a_researcher_needs(client, corpus):
    _, body = download(client, LISTS["messages"], format="json")
    m2 = next(m for m in json.loads(body)["messages"] if m["id"] == "m2")
    assert m2["url"] == "http://testserver/messages/m2/"
    assert m2["thread"] == "dm" and m2["in_reply_to"] == "m1"
    assert m2["date_earliest"] == m2["date_latest"] == "2017-10-03"
    # In the stated zone's offset, as the API gives it (the same instant as 22:35 UTC).
    assert m2["sent_at"] == "2017-10-03T18:35:00-04:00"
    assert m2["sent_at_timezone"] == "America/New_York"
    assert m2["reported_delay"] == "P0DT01H30M00S"
    assert m2["sender"] == "@DonaldJTrumpJr" and m2["recipients"] == ["@wikileaks"]
    assert m2["sources"] == ["s1", "s2"]
    assert m2["discrepancies"] == [
        {
            "id": "d1",
            "field": "date",
            "note": "Sources differ by a day.",
            "readings": [
                {"source": "s1", "reading": "3 Oct 2017", "preferred": True},
                {"source": "s2", "reading": "4 Oct 2017", "preferred": False},
            ],
        }
    ]
    m1 = next(m for m in json.loads(body)["messages"] if m["id"] == "m1")
    assert m1["time_note"] == "No time stated."
    assert m1["confidence_note"] == "Dated by one source only."
    assert m1["events"] == ["e1"]
    # Public notes only, whoever downloads: the private one is not counted.
    assert m1["public_note_count"] == 2
    assert m1["reply_count"] == 1


def test_csv_cells_join_lists_and_discrepancies_with_the_documented_separator(client, corpus):
    _, body = download(client, LISTS["messages"], format="csv", dialect="data")
    m2 = next(row for row in csv_rows(body, "data") if row["id"] == "m2")
    assert m2["sources"] == f"s1{LIST_SEPARATOR}s2"
    assert m2["discrepancies"] == (
        "d1 date: 3 Oct 2017 (s1, preferred) / 4 Oct 2017 (s2) — Sources differ by a day."
    )
    assert m2["sent_at_timezone_inferred"] == "false"


def test_an_event_lists_its_published_messages_participants_and_notes(client, corpus):
    _, body = download(client, LISTS["events"], format="json")
    (e1,) = json.loads(body)["events"]
    assert e1["messages"] == ["m1"]  # m3 is withdrawn
    assert e1["participants"] == ["wikileaks"]
    assert e1["public_note_count"] == 1  # the other user's public note; not the group's


def test_filters_narrow_the_export_and_name_the_file(client, corpus):
    response, body = download(
        client, LISTS["messages"], sender="wikileaks", date_from="2016-01-01", format="csv"
    )
    assert [row["id"] for row in csv_rows(body)] == ["m1"]
    assert response["Content-Disposition"] == (
        'attachment; filename="messages-sender-wikileaks-from-2016-01-01.csv"'
    )
    response, body = download(client, LISTS["events"], year="2016", format="json")
    assert [e["id"] for e in json.loads(body)["events"]] == ["e1"]
    assert response["Content-Disposition"] == 'attachment; filename="events-2016.json"'
    response, body = download(client, LISTS["people"], kind="organisation", format="json")
    assert [p["id"] for p in json.loads(body)["people"]] == ["wikileaks"]
    assert "people-kind-organisation.json" in response["Content-Disposition"]


def test_bad_filters_or_dialect_are_a_json_400(client, corpus):
    response = client.get(LISTS["messages"], {"date_from": "nope", "format": "csv"})
    assert response.status_code == 400 and "date_from" in response.json()["errors"]
    response = client.get(LISTS["sources"], {"format": "csv", "dialect": "excel"})
    assert response.status_code == 400 and "dialect" in response.json()["errors"]
    response = client.get(LISTS["notes"], {"created_after": "x", "format": "markdown"})
    assert response.status_code == 400


TRICKY = {
    "at": ("@wikileaks", "'@wikileaks"),
    "negative": ("-3", "-3"),
    "plus number": ("+1.5", "+1.5"),
    "formula": ("=1+1", "'=1+1"),
    "plus formula": ("+A1", "'+A1"),
    "minus formula": ("-2+3", "'-2+3"),
    "tab": ("\tcell", "'\tcell"),
    "carriage return": ("\rcell", "'\rcell"),
    "date": ("2016-10-03", "2016-10-03"),
    "accents": ("1–10 Feb 2017, café", "1–10 Feb 2017, café"),
    "quotes and newlines": ('He said "yes",\r\nthen left', 'He said "yes",\r\nthen left'),
}


@pytest.mark.parametrize("name", list(TRICKY))
def test_spreadsheet_dialect_neutralises_formulas_and_data_dialect_keeps_exact_values(
    client, build, name
):
    value, in_spreadsheet = TRICKY[name]
    build.message(external_id="tricky", text=value, summary=value)
    _, body = download(client, LISTS["messages"], format="csv")
    (row,) = csv_rows(body, "spreadsheet")
    assert row["text"] == row["summary"] == in_spreadsheet
    _, body = download(client, LISTS["messages"], format="csv", dialect="data")
    (row,) = csv_rows(body, "data")
    assert row["text"] == row["summary"] == value
    _, body = download(client, LISTS["messages"], format="json")
    assert json.loads(body)["messages"][0]["text"] == value


def test_the_security_corpus_survives_both_dialects(client, build):
    payloads = (SECURITY / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    payloads += (SECURITY / "open_redirect_payloads.txt").read_text(encoding="utf-8").splitlines()
    payloads = [p for p in payloads if p.strip()]
    thread = build.thread()
    for index, payload in enumerate(payloads):
        build.message(thread, external_id=f"p{index:03d}", text=payload, day=date(2016, 1, 1))
    _, body = download(client, LISTS["messages"], format="csv", dialect="data", sort="oldest")
    assert [row["text"] for row in csv_rows(body, "data")] == payloads
    _, body = download(client, LISTS["messages"], format="csv", sort="oldest")
    for row, payload in zip(csv_rows(body), payloads, strict=True):
        runs = payload.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row["text"] == ("'" + payload if runs else payload)


def _notes_in(client, export="json", **params):
    _, body = download(client, LISTS["notes"], format=export, **params)
    if export == "json":
        return {n["body"] for n in json.loads(body)["notes"]}
    if export == "csv":
        return {row["body"] for row in csv_rows(body)}
    if export == "jsonld":
        data = json.loads(body)
        items = data["first"]["items"] if "first" in data else []
        return {
            b["value"]
            for item in items
            for b in item.get("body", [])
            if b.get("purpose") != "tagging" and "value" in b
        }
    return body.decode()


@pytest.mark.parametrize("export", ["json", "csv", "jsonld"])
def test_notes_exports_hold_only_what_the_reader_may_see(client, corpus, export):
    users = corpus["users"]
    assert _notes_in(client, export) == {"Public.", "A note.", "Other."}
    client.force_login(users["other"])
    assert _notes_in(client, export) == {"Public.", "A note.", "Other."}
    client.force_login(users["member"])
    assert _notes_in(client, export) == {"Public.", "A note.", "Other.", "Team only."}
    client.force_login(users["author"])
    # Its author still has the note on the withdrawn record (marked so on the pages).
    assert _notes_in(client, export, mine="") == {
        "Public.",
        "A note.",
        "Secret.",
        "Team only.",
        "On withdrawn.",
    }


def test_markdown_of_other_readers_never_shows_private_group_or_withdrawn_notes(client, corpus):
    text = _notes_in(client, "markdown")
    assert "Public." in text and "Other." in text
    for hidden in ("Secret.", "Team only.", "On withdrawn."):
        assert hidden not in text


def test_a_researcher_downloads_their_own_notes_with_every_field(client, corpus):
    client.force_login(corpus["users"]["author"])
    response, body = download(client, LISTS["notes"], mine="", tag="dates", format="csv")
    assert response["Content-Disposition"] == 'attachment; filename="notes-mine-tag-dates.csv"'
    (row,) = csv_rows(body)
    note = corpus["notes"]["public"]
    assert row["uuid"] == str(note.uuid)
    assert row["url"] == f"http://testserver/annotations/{note.uuid}/"
    assert row["target_kind"] == "message" and row["target_id"] == "m1"
    assert row["target_url"] == "http://testserver/messages/m1/"
    assert row["links"] == (
        "A story <https://example.org/a> "
        "(archived copy: https://web.archive.org/web/2017/https://example.org/a)"
    )
    assert row["visibility"] == "public" and row["author"] == "author" and row["tags"] == "dates"
    _, body = download(client, LISTS["notes"], mine="", format="json")
    quote = next(n for n in json.loads(body)["notes"] if n["quote_exact"])
    assert (quote["quote_start"], quote["quote_end"]) == (11, 18)
    assert quote["orphaned"] is False
    _, body = download(client, LISTS["notes"], mine="", format="markdown")
    text = body.decode()
    assert text.startswith("# Notes from Backchannel")
    assert "> says hi" in text and "Secret." in text
    _, body = download(client, LISTS["notes"], mine="", format="jsonld")
    data = json.loads(body)
    assert data["type"] == "AnnotationCollection" and data["total"] == 5


def test_the_account_page_links_to_the_downloads_of_ones_notes(client, corpus):
    client.force_login(corpus["users"]["author"])
    content = client.get(reverse("annotations:account")).content.decode()
    for export in ("format=jsonld", "format=csv", "format=markdown"):
        assert f"?mine&amp;{export}" in content


def test_list_pages_offer_both_dialects_with_their_filters(client, corpus):
    content = client.get(LISTS["messages"], {"channel": "direct_message"}).content.decode()
    assert 'href="?channel=direct_message&amp;format=csv"' in content
    assert 'href="?channel=direct_message&amp;format=csv&amp;dialect=data"' in content
    for kind in ("events", "people", "sources", "notes"):
        content = client.get(LISTS[kind]).content.decode()
        assert "dialect=data" in content, kind


def _queries_for_export(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        download(client, url, **params)
    return len(queries)


def _many_messages(build, count):
    thread, source = build.thread(), build.source()
    event = build.event()
    for _ in range(count):
        message = build.message(
            thread, recipients=[build.account()], sources=[source], day=date(2016, 1, 1)
        )
        event.messages.add(message)
        discrepancy = Discrepancy.objects.create(
            external_id=f"dq{message.pk}", message=message, field="date", note="n"
        )
        for src in (source, build.source()):
            DiscrepancyReading.objects.create(discrepancy=discrepancy, source=src, reading="r")
    return event


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("messages", {"format": "csv"}),
        ("messages", {"format": "json", "q": "text"}),
        ("events", {"format": "json"}),
        ("people", {"format": "csv"}),
        ("sources", {"format": "json"}),
        ("notes", {"format": "csv"}),
        ("notes", {"format": "jsonld"}),
        ("notes", {"format": "markdown"}),
    ],
)
def test_exports_read_the_same_number_of_queries_for_one_row_and_many(
    client, build, users, kind, params
):
    event = _many_messages(build, 1)
    make_annotation(users["author"], message=event.messages.first(), visibility="public")
    make_annotation(users["author"], event=event, visibility="public")
    one = _queries_for_export(client, LISTS[kind], **params)
    for _ in range(3):
        build.event()
    event = _many_messages(build, 12)
    for message in event.messages.all():
        note = make_annotation(users["other"], message=message, visibility="public")
        SourceLink.objects.create(annotation=note, url=f"https://example.org/{note.pk}")
    many = _queries_for_export(client, LISTS[kind], **params)
    assert many == one
    assert one <= 14


def test_a_large_export_reads_in_chunks_of_bounded_queries(client, build, settings):
    import archive.exports.files

    _many_messages(build, 7)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive.exports.files, "EXPORT_CHUNK", 3)
        chunks_of_three = _queries_for_export(client, LISTS["messages"], format="json")
    whole = _queries_for_export(client, LISTS["messages"], format="json")
    # Three chunks instead of one: a chunk's few queries twice more, never a query per row
    # (7 rows read one by one would add dozens).
    assert whole < chunks_of_three <= whole + 2 * 10


def test_the_people_page_lists_and_filters_people(client, corpus, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERY_BOUNDS["person_list"]):
        content = client.get(LISTS["people"]).content.decode()
    assert "WikiLeaks" in content and "Donald Trump Jr." in content
    content = client.get(LISTS["people"], {"kind": "organisation"}).content.decode()
    assert 'href="/people/wikileaks/"' in content
    assert 'href="/people/donald-trump-jr/"' not in content
    response = client.get(LISTS["people"], {"kind": "alien"})
    assert response.status_code == 200 and "could not be used" in response.content.decode()


# manage.py export_annotations ------------------------------------------------------------------


def _command(*args):
    out = io.StringIO()
    call_command("export_annotations", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_export_annotations_gives_curators_every_note_that_is_not_deleted(corpus, settings):
    settings.SITE_URL = "https://archive.example.org"
    corpus["notes"]["other"].soft_delete()
    data = json.loads(_command("--format", "json"))
    bodies = {note["body"] for note in data["notes"]}
    assert bodies == {"Public.", "A note.", "Secret.", "Team only.", "On withdrawn."}
    assert data["notes"][0]["url"].startswith("https://archive.example.org/annotations/")


def test_export_annotations_public_only_and_per_user(corpus):
    notes = json.loads(_command("--format", "json", "--public-only"))["notes"]
    assert {n["body"] for n in notes} == {"Public.", "A note.", "Other."}
    notes = json.loads(_command("--format", "json", "--user", "other"))["notes"]
    bodies = {n["body"] for n in notes}
    assert bodies == {"Other."}


@pytest.mark.parametrize("export", ["jsonld", "csv", "markdown", "json"])
def test_export_annotations_writes_each_format_to_a_file(corpus, tmp_path, export):
    path = tmp_path / f"notes.{export}"
    _command("--format", export, "--output", str(path), "--public-only")
    text = path.read_text(encoding="utf-8")
    assert "Public." in text and "Secret." not in text
    if export == "jsonld":
        assert json.loads(text)["total"] == 3


def test_export_annotations_jsonld_imports_back(corpus, tmp_path):
    from annotations.models import Annotation

    path = tmp_path / "notes.jsonld"
    _command("--output", str(path), "--user", "author")
    before = Annotation.objects.count()
    call_command("import_annotations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    # Ours come back as themselves: nothing new is made.
    assert Annotation.objects.count() == before


def test_export_annotations_refuses_an_unknown_user(corpus):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user named"):
        _command("--user", "nobody")


@pytest.mark.parametrize("kind", ["messages", "events", "people", "sources"])
@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_the_api_downloads_the_same_records_as_the_pages(client, corpus, kind, export_format):
    url = reverse("api:download", args=[kind, export_format])
    params = {"dialect": "data"} if export_format == "csv" else {}
    _, body = download(client, url, **params)
    page_response, page_body = download(client, LISTS[kind], format=export_format, **params)
    key, expected = EXPECTED[kind]
    if export_format == "csv":
        ids = {row[key] for row in csv_rows(body, "data")}
    else:
        ids = {row[key] for row in json.loads(body)[kind]}
    # People and sources are everyone the archive names; the builders add a few more.
    assert expected <= ids if kind in {"people", "sources"} else ids == expected
    if kind != "events":  # the timeline's FilterSet is the page's; the API's is EventFilter
        assert body == page_body


def test_the_api_download_uses_the_api_filters_and_names_the_file(client, corpus):
    response, body = download(
        client, reverse("api:download", args=["events", "json"]), date_from="2016-10-01"
    )
    assert {row["id"] for row in json.loads(body)["events"]} == {"e1"}
    assert "events" in response["Content-Disposition"]
    refused = client.get(reverse("api:download", args=["messages", "csv"]), {"sender": "nobody"})
    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/json")
    assert client.get(reverse("api:download", args=["messages", "xml"])).status_code == 404
    assert client.get(reverse("api:download", args=["threads", "csv"])).status_code == 404


@pytest.mark.parametrize("export_format", ["csv", "json", "jsonld", "markdown"])
def test_the_api_downloads_only_public_notes_to_anyone(client, corpus, export_format):
    _, body = download(client, reverse("api:download", args=["notes", export_format]))
    text = body.decode("utf-8")
    assert "Public." in text and "Other." in text
    assert "Secret." not in text and "Team only." not in text and "On withdrawn." not in text
