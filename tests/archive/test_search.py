"""/search/ and the words filters: the same engine on SQLite (FTS5) and PostgreSQL (tsvector).

Every test here runs against the database of the run, so CI checks both backends.
"""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from annotations.models import Annotation
from archive.models import Event, Message
from archive.search import results as search_results
from archive.search.query import parse
from tests.support.annotation_helpers import make_annotation, make_group

URL = reverse("archive:search")


def found(kind, text, user=None, **params):
    """External ids (or note bodies) that the search finds, best first."""
    query = parse(text)
    queryset = search_results.matching(search_results.visible_records(kind, user), query)
    for condition in search_results.facet_filters(kind, params).values():
        queryset = queryset.filter(condition)
    rows = search_results.ordered(queryset, query, params.get("sort", "relevance"))
    if kind == "notes":
        return [note.body for note in rows]
    return [getattr(row, "external_id", None) or row.pk for row in rows]


@pytest.fixture
def texts(build):
    sender = build.account(person=build.person("Ada Sender", external_id="ada"))
    rows = {
        "leak": "The leak came out on Friday.",
        "leaked": "They leaked the e-mails to the press.",
        "phrase": "Please let me know what you think.",
        "scrambled": "Know me, let it be.",
        "cafe": "We met at the Café Landtmann in Zürich.",
        "rally": "The rally was loud.",
        "debate": "The debate was long.",
        "elections": "Electoral maps and elections everywhere.",
        "html": "<script>alert('leak')</script> and a leak",
    }
    return {
        key: build.message(external_id=key, text=text, sender=sender, text_status="verbatim")
        for key, text in rows.items()
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("leak", {"leak", "leaked", "html"}),  # stemmed: leak, leaked
        ("LEAKED", {"leak", "leaked", "html"}),  # any case
        ('"let me know"', {"phrase"}),  # the words in this order only
        ("let me know", {"phrase", "scrambled"}),  # every word, any order
        ("rally OR debate", {"rally", "debate"}),
        ("leak -friday", {"leaked", "html"}),
        ('leak -"came out"', {"leaked", "html"}),
        ("elect*", {"elections"}),
        ("cafe zurich", {"cafe"}),  # diacritics folded both ways
        ("café", {"cafe"}),
        ("nothingmatches", set()),
    ],
)
def test_query_language_on_this_database(texts, text, expected):
    assert set(found("messages", text)) == expected


def test_summaries_are_searched_too(build):
    build.message(external_id="s", text="Unrelated words.", summary="A summary about Podesta.")
    assert found("messages", "podesta") == ["s"]


def test_ranking_puts_the_closer_match_first_and_is_stable(build):
    build.message(external_id="once", text="leak and many other words about other things here")
    build.message(external_id="thrice", text="leak leak leak")
    build.message(external_id="tie-a", text="a dull text")
    build.message(external_id="tie-b", text="a dull text")
    assert found("messages", "leak")[0] == "thrice"
    assert found("messages", "dull") == found("messages", "dull") == ["tie-a", "tie-b"]


def test_date_order_is_available_for_words(build):
    build.message(external_id="old", text="leak", day=date(2016, 1, 1))
    build.message(external_id="new", text="leak", day=date(2017, 1, 1))
    assert found("messages", "leak", sort="newest") == ["new", "old"]
    assert found("messages", "leak", sort="oldest") == ["old", "new"]


def test_dates_find_what_happened_then(build):
    build.message(external_id="on-7", text="x", day=date(2016, 10, 7))
    build.message(external_id="on-8", text="x", day=date(2016, 10, 8))
    ranged = build.message(external_id="range", text="x", day=date(2016, 10, 1))
    ranged.date_latest = date(2016, 10, 9)
    ranged.save()
    event = Event.objects.create(
        external_id="e1",
        title="Release",
        description="Podesta e-mails",
        kind="other",
        date_earliest=date(2016, 10, 7),
    )
    event.sources.set([build.source()])
    for text in ("7 Oct 2016", "October 7, 2016", "2016-10-07"):
        assert set(found("messages", text)) == {"on-7", "range"}, text
        assert found("events", text) == ["e1"], text
    assert set(found("messages", "October 2016")) == {"on-7", "on-8", "range"}
    assert found("events", "podesta 7 Oct 2016") == ["e1"]
    assert found("events", "podesta 8 Oct 2016") == []


def test_withdrawn_records_are_never_found(build):
    message = build.message(external_id="m", text="secret withdrawal")
    message.is_published = False
    message.save()
    assert found("messages", "withdrawal") == []
    message.is_published = True
    message.save()
    assert found("messages", "withdrawal") == ["m"]


def test_index_follows_every_change_of_the_text(build, users):
    message = build.message(external_id="m", text="first words")
    assert found("messages", "first") == ["m"]
    message.text = "second words"
    message.save()
    assert found("messages", "first") == [] and found("messages", "second") == ["m"]
    message.summary = "a third thing"
    message.save(update_fields=["summary"])
    assert found("messages", "third") == ["m"]
    Message.objects.filter(pk=message.pk).update(text="fourth")
    assert found("messages", "fourth") == ["m"] and found("messages", "second") == []
    note = make_annotation(users["author"], message=message, body="alpha", visibility="public")
    assert found("notes", "alpha") == ["alpha"]
    Annotation.objects.filter(pk=note.pk).update(body="beta", tags=["gamma-ray"])
    assert found("notes", "alpha") == [] and found("notes", "gamma") == ["beta"]
    note.delete()
    message.delete()
    assert found("messages", "fourth") == [] and found("notes", "beta") == []


def test_people_and_sources_are_searched(build):
    julian = build.person("Julian Example", external_id="je", description="Editor.")
    build.message(sender=build.account(julian))  # a published record names him
    build.person("Julian Unnamed", external_id="ju")  # no record names him: not public
    build.source(external_id="src", title="The Atlantic story", publisher="The Atlantic")
    assert found("people", "julian") == ["je"]
    assert found("sources", "atlantic") == ["src"]


@pytest.fixture
def notes(build, users):
    message = build.message(external_id="m", text="plain")
    group = make_group(users["member"], users["author"])
    for body, visibility in [
        ("zebra public", "public"),
        ("zebra private", "private"),
        ("zebra group", "group"),
    ]:
        make_annotation(
            users["author"],
            message=message,
            body=body,
            visibility=visibility,
            group=group if visibility == "group" else None,
            tags=["stripes"],
        )
    hidden = make_annotation(
        users["author"], message=message, body="zebra hidden", visibility="public"
    )
    hidden.is_hidden = True
    hidden.save()
    return message


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (None, {"zebra public"}),
        ("other", {"zebra public"}),
        ("member", {"zebra public", "zebra group"}),
        # The author sees all their own, the hidden one marked as such on its page.
        ("author", {"zebra public", "zebra private", "zebra group", "zebra hidden"}),
    ],
)
def test_notes_are_found_only_by_who_may_read_them(client, users, notes, reader, expected):
    user = users[reader] if reader else None
    assert set(found("notes", "zebra", user)) == expected
    if user:
        client.force_login(user)
    content = client.get(URL, {"q": "zebra", "kind": "notes"}).content.decode()
    shown = {
        body
        for body in ("zebra public", "zebra private", "zebra group", "zebra hidden")
        if f"<mark>zebra</mark> {body.split()[1]}" in content
    }
    assert shown == expected
    assert f'Notes <span class="meta">({len(expected)})' in content


def test_notes_on_a_withdrawn_record_leave_others_results(client, users, notes):
    notes.is_published = False
    notes.save()
    assert found("notes", "zebra") == []
    assert "zebra public" in found("notes", "zebra", users["author"])


def test_snippets_are_escaped_and_marked(client, texts):
    content = client.get(URL, {"q": "leak", "kind": "messages"}).content.decode()
    # Escaped where the snippet keeps the markup (SQLite); PostgreSQL's headline drops tags.
    assert "<script>" not in content
    assert "&lt;script&gt;" in content or connection.vendor == "postgresql"
    assert "<mark>leak</mark>" in content or "<mark>Leak</mark>" in content


def test_facets_count_and_narrow(client, build):
    a = build.account(person=build.person("Alice", external_id="alice"))
    b = build.account(person=build.person("Bob", external_id="bob"))
    build.message(text="zeppelin", sender=a, channel="email", day=date(2016, 5, 1))
    build.message(text="zeppelin", sender=a, channel="direct_message", day=date(2017, 5, 1))
    build.message(text="zeppelin", sender=b, channel="email", day=date(2017, 6, 1))
    response = client.get(URL, {"q": "zeppelin", "kind": "messages"})
    facets = {
        f.name: {v.label: v.count for v in f.values} for f in response.context["results"].facets
    }
    assert facets["sender"] == {"Alice": 2, "Bob": 1}
    assert facets["year"] == {"2016": 1, "2017": 2}
    assert (
        facets["channel"] == {"E-mail": 2, "Direct message": 1}
        or sum(facets["channel"].values()) == 3
    )
    narrowed = client.get(
        URL, {"q": "zeppelin", "kind": "messages", "sender": "alice", "year": 2017}
    )
    assert narrowed.context["results"].count == 1


def test_note_tags_are_a_facet(client, users, notes):
    response = client.get(URL, {"q": "zebra", "kind": "notes"})
    (facet,) = response.context["results"].facets
    assert facet.name == "tag" and [(v.value, v.count) for v in facet.values] == [("stripes", 1)]
    narrowed = client.get(URL, {"q": "zebra", "kind": "notes", "tag": "nope"})
    assert narrowed.context["results"].count == 0


def test_counts_stop_at_the_limit_and_say_so(client, build, monkeypatch):
    monkeypatch.setattr(search_results, "COUNT_LIMIT", 3)
    for _ in range(5):
        build.message(text="many")
    response = client.get(URL, {"q": "many", "kind": "messages"})
    results = response.context["results"]
    assert (results.count, results.exact) == (3, False)
    assert "more than 3" in response.content.decode()
    monkeypatch.setattr(search_results, "COUNT_LIMIT", 5)
    cache.clear()  # counts are shared while the archive is unchanged; the limit changed
    results = client.get(URL, {"q": "many", "kind": "messages"}).context["results"]
    assert (results.count, results.exact) == (5, True)


def test_pages_of_results_neither_repeat_nor_skip(client, build, monkeypatch):
    monkeypatch.setattr(search_results, "RESULTS_PER_PAGE", 2)
    for i in range(5):
        build.message(external_id=f"r{i}", text="page", day=date(2016, 1, 1 + i))
    # Best match: numbered pages. By date: cursors, however deep.
    for sort in ("relevance", "oldest", "newest"):
        seen, params = [], {"q": "page", "kind": "messages", "sort": sort}
        while True:
            results = client.get(URL, params).context["results"]
            seen += [hit.external_id for hit in results.hits]
            if results.keyset_page is not None:
                if not results.keyset_page.has_next:
                    break
                params["cursor"] = results.keyset_page.next_cursor
            else:
                if not results.has_next:
                    break
                params["page"] = results.page + 1
        assert sorted(seen) == [f"r{i}" for i in range(5)], sort
        if sort == "oldest":
            assert seen == [f"r{i}" for i in range(5)]
        if sort == "newest":
            assert seen == [f"r{i}" for i in reversed(range(5))]
    forged = client.get(URL, {"q": "page", "kind": "messages", "sort": "oldest", "cursor": "x!"})
    assert forged.status_code == 200 and forged.context["results"].keyset_page.cursor_was_invalid


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "-",
        "*",
        "OR",
        "NEAR(a b)",
        "a:b",
        "^x",
        "a AND",
        '"' * 501,
        "x" * 2000,
        "日本語",
        "\x00",
    ],
)
def test_junk_never_breaks_the_page(client, build, text):
    build.message(text="anything")
    response = client.get(URL, {"q": text})
    assert response.status_code == 200
    assert client.get(reverse("archive:message_list"), {"q": text}).status_code in {200, 400}
    assert client.get(reverse("archive:timeline"), {"q": text}).status_code in {200, 400}


def test_messages_list_and_timeline_use_the_same_engine(client, texts):
    listed = client.get(reverse("archive:message_list"), {"q": "cafe"}).context["page"].object_list
    assert [m.external_id for m in listed] == ["cafe"]
    content = client.get(reverse("archive:timeline"), {"q": "leaked"}).content.decode()
    assert "They leaked the e-mails" in content and "Café" not in content


def test_messages_list_filters_by_a_note_tag_the_reader_may_see(client, build, users):
    shown = build.message(external_id="shown", text="one")
    private = build.message(external_id="private", text="two")
    make_annotation(users["author"], message=shown, visibility="public", tags=["podesta"])
    make_annotation(users["author"], message=private, visibility="private", tags=["podesta"])
    url = reverse("archive:message_list")
    listed = client.get(url, {"tag": "Podesta"}).context["page"].object_list
    assert [m.external_id for m in listed] == ["shown"]
    client.force_login(users["author"])
    listed = client.get(url, {"tag": "podesta"}).context["page"].object_list
    assert {m.external_id for m in listed} == {"shown", "private"}


def test_header_search_box_is_on_every_page(client, build):
    message = build.message()
    for url in (reverse("home"), reverse("archive:message_list"), message.get_absolute_url()):
        content = client.get(url).content.decode()
        assert f'action="{URL}"' in content and 'role="search"' in content


def test_a_common_word_is_checked_row_by_row_and_finds_the_same(client, build, monkeypatch):
    from archive.search import backends

    for i in range(6):
        build.message(
            external_id=f"c{i}", text="common" if i % 2 else "rare", day=date(2016, 1, 1 + i)
        )
    url = reverse("archive:message_list")
    rare_path = [m.external_id for m in client.get(url, {"q": "common"}).context["page"]]
    monkeypatch.setattr(backends, "COMMON_MATCHES", 2)
    common_path = [m.external_id for m in client.get(url, {"q": "common"}).context["page"]]
    assert rare_path == common_path == ["c5", "c3", "c1"]
    if connection.vendor == "sqlite":
        queryset = search_results.matching(Message.objects.public(), parse("common"), in_order=True)
        assert "EXISTS" in str(queryset.query).upper()


def test_relevance_of_too_many_matches_ranks_the_latest_added_and_says_so(
    client, build, monkeypatch
):
    monkeypatch.setattr(search_results, "RANK_LIMIT", 2)
    for i in range(5):
        build.message(external_id=f"x{i}", text="plenty " * (5 - i))
    response = client.get(URL, {"q": "plenty", "kind": "messages"})
    assert {hit.external_id for hit in response.context["results"].hits} == {"x3", "x4"}
    assert "best of the 2 added last" in response.content.decode()
    dated = client.get(URL, {"q": "plenty", "kind": "messages", "sort": "oldest"})
    assert len(dated.context["results"].hits) == 5


def test_the_loaded_archive_is_indexed_and_its_dates_found(archive):
    assert "m08" in found("messages", "podesta")
    # The Access Hollywood tape and the first Podesta release, 7 Oct 2016.
    for text in ("7 Oct 2016", "October 7, 2016", "2016-10-07"):
        assert "e06" in found("events", text), text
    assert "e06" in found("events", "October 2016")


def test_shared_counts_follow_a_change_to_the_archive(client, build):
    build.message(text="shared")
    assert client.get(URL, {"q": "shared"}).context["results"].total == 1
    build.message(text="shared")
    assert client.get(URL, {"q": "shared"}).context["results"].total == 2
