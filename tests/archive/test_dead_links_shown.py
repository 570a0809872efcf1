"""What `check_links` found, where people see it: curators list dead links with their archived
copies in the admin; readers see "link dead as of …" and the archived copy beside a link."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from annotations.models import SourceLink
from archive.models import Source
from archive.models.links import DEAD_AFTER_FAILURES, LinkState
from tests.support.annotation_helpers import make_annotation
from tests.support.query_counts import PAGE_QUERIES

CHECKED = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def checked(row, status=None, error="", failures=0, final_url=None):
    """Record a check on `row` as check_links would."""
    values = {
        "link_status": status,
        "link_error": error,
        "link_final_url": row.url if final_url is None else final_url,
        "link_checked_url": row.url,
        "link_checked_at": CHECKED,
        "link_failures": failures,
    }
    type(row).objects.filter(pk=row.pk).update(**values)
    row.refresh_from_db()
    return row


@pytest.fixture
def sources(build):
    return {
        "dead": checked(
            build.source(
                url="https://gone.example/story",
                archived_url="https://web.archive.org/web/2017/https://gone.example/story",
            ),
            status=404,
        ),
        "dead_unarchived": checked(
            build.source(url="https://gone.example/other"), status=410, failures=1
        ),
        "failing": checked(
            build.source(url="https://flaky.example/story"), error="timeout", failures=1
        ),
        "unreachable": checked(
            build.source(url="https://down.example/story"),
            error="name_not_found",
            failures=DEAD_AFTER_FAILURES,
        ),
        "ok": checked(
            build.source(
                url="https://fine.example/story",
                archived_url="https://archive.today/fine",
            ),
            status=200,
        ),
        "redirected": checked(
            build.source(url="https://moved.example/a"),
            status=200,
            final_url="https://moved.example/b",
        ),
        "unchecked": build.source(url="https://new.example/story"),
    }


def test_one_rule_gives_each_state_on_the_row_and_in_the_query(sources):
    for name, expected in [
        ("dead", LinkState.DEAD),
        ("dead_unarchived", LinkState.DEAD),
        ("failing", LinkState.FAILING),
        ("unreachable", LinkState.DEAD),
        ("ok", LinkState.OK),
        ("redirected", LinkState.REDIRECTED),
        ("unchecked", LinkState.UNCHECKED),
    ]:
        source = sources[name]
        assert source.link_state == expected, name
        assert list(Source.objects.with_link_state(expected).filter(pk=source.pk)) == [source]
        for other in LinkState:
            if other != expected:
                assert not Source.objects.with_link_state(other).filter(pk=source.pk).exists()


def test_a_changed_address_is_not_checked_until_the_next_run(sources):
    source = sources["dead"]
    source.url = "https://gone.example/story-moved"
    source.save()
    assert source.link_state == LinkState.UNCHECKED
    assert not Source.objects.dead_links().filter(pk=source.pk).exists()


def test_a_check_is_not_an_edit_so_the_loader_still_updates_the_source(build, users):
    """The loader and the admin's conflict check compare fingerprints: a check leaves them."""
    from archive.importing.fingerprints import fingerprint

    source = build.source()
    link = SourceLink.objects.create(
        annotation=make_annotation(users["author"], message=build.message(sources=[])),
        url="https://fine.example/",
    )
    before = fingerprint(source), fingerprint(link)
    checked(source, status=404)
    checked(link, error="timeout", failures=2)
    assert (fingerprint(source), fingerprint(link)) == before


# The admin


def test_curators_list_the_dead_sources_with_their_archived_copies(client, curator, sources):
    client.force_login(curator)

    page = client.get(reverse("admin:archive_source_changelist"), {"link_status": "dead"})

    text = page.content.decode()
    assert page.status_code == 200
    for name in ("dead", "dead_unarchived", "unreachable"):
        assert sources[name].title in text
    for name in ("failing", "ok", "redirected", "unchecked"):
        assert sources[name].title not in text
    assert "https://web.archive.org/web/2017/https://gone.example/story" in text
    assert "Dead: 404 (checked 3 Nov 2026)" in text
    assert "Dead: host name not found (checked 3 Nov 2026)" in text
    assert "link status" in text


@pytest.mark.parametrize("state", [choice.value for choice in LinkState])
def test_every_link_status_filter_opens(client, curator, sources, state):
    client.force_login(curator)
    for name in ("archive_source", "annotations_sourcelink"):
        page = client.get(reverse(f"admin:{name}_changelist"), {"link_status": state})
        assert page.status_code == 200


def test_a_source_change_page_says_what_the_last_check_found(client, curator, sources):
    client.force_login(curator)
    source = sources["redirected"]

    page = client.get(reverse("admin:archive_source_change", args=[source.pk]))

    assert (
        "Working, after a redirect: 200 at https://moved.example/b, checked 3 Nov 2026."
        in page.content.decode()
    )


def test_a_curators_save_keeps_the_check_and_is_no_edit_conflict(client, curator, sources):
    """The check fields are not in the form, and a check between opening and saving the
    form is no other curator's edit."""
    client.force_login(curator)
    source = sources["dead"]
    change = reverse("admin:archive_source_change", args=[source.pk])
    form = client.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    checked(source, status=404, failures=2)  # check_links runs meanwhile
    data["note"] = "Gone from the publisher's site; the archived copy is complete."

    response = client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.note.startswith("Gone")
    assert (source.link_status, source.link_failures, source.link_is_dead) == (404, 2, True)


def test_curators_list_dead_note_links_of_every_note(client, curator, users, build):
    message = build.message(sources=[])
    private = make_annotation(users["author"], message=message, visibility="private")
    dead = checked(
        SourceLink.objects.create(
            annotation=private,
            url="https://gone.example/private-lead",
            archived_url="https://web.archive.org/web/2018/https://gone.example/private-lead",
        ),
        status=410,
    )
    alive = checked(
        SourceLink.objects.create(annotation=private, url="https://fine.example/lead"),
        status=200,
    )
    client.force_login(curator)

    page = client.get(reverse("admin:annotations_sourcelink_changelist"), {"link_status": "dead"})

    text = page.content.decode()
    assert dead.url in text and dead.archived_url in text
    assert alive.url not in text
    assert f"Note on message {message.external_id}" in text
    assert reverse("admin:annotations_annotation_change", args=[private.pk]) in text


def test_note_links_are_read_only_in_their_list(client, curator, users, build):
    note = make_annotation(users["author"], message=build.message(sources=[]))
    link = SourceLink.objects.create(annotation=note, url="https://fine.example/x")
    client.force_login(curator)
    change = reverse("admin:annotations_sourcelink_change", args=[link.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"url": "https://elsewhere.example/", "archived_url": ""})
    link.refresh_from_db()
    assert link.url == "https://fine.example/x"
    assert client.get(reverse("admin:annotations_sourcelink_add")).status_code == 403


def test_source_admin_list_query_count_is_flat(
    client, curator, sources, build, django_assert_num_queries
):
    client.force_login(curator)
    url = reverse("admin:archive_source_changelist")
    with django_assert_num_queries(PAGE_QUERIES["admin_source_changelist"]["curator"]):
        client.get(url, {"link_status": "dead"})
    for n in range(20):
        checked(build.source(url=f"https://gone.example/{n}"), status=404)
    with django_assert_num_queries(PAGE_QUERIES["admin_source_changelist"]["curator"]):
        client.get(url, {"link_status": "dead"})


def test_source_link_admin_list_query_count_is_flat(
    client, curator, users, build, django_assert_num_queries
):
    client.force_login(curator)
    url = reverse("admin:annotations_sourcelink_changelist")
    for n in range(2):
        note = make_annotation(users["author"], message=build.message(sources=[]))
        checked(SourceLink.objects.create(annotation=note, url=f"https://x.example/{n}"), 404)
    with django_assert_num_queries(PAGE_QUERIES["admin_sourcelink_changelist"]["curator"]):
        client.get(url, {"link_status": "dead"})
    for n in range(20):
        note = make_annotation(users["author"], event=build.event(sources=[]))
        checked(SourceLink.objects.create(annotation=note, url=f"https://y.example/{n}"), 404)
    with django_assert_num_queries(PAGE_QUERIES["admin_sourcelink_changelist"]["curator"]):
        client.get(url, {"link_status": "dead"})


# Readers


DEAD_MARK = "link dead as of 3 Nov 2026"


def test_a_source_page_marks_a_dead_address_beside_its_archived_copy(client, sources):
    text = client.get(sources["dead"].get_absolute_url()).content.decode()
    assert DEAD_MARK in text
    assert "https://web.archive.org/web/2017/https://gone.example/story" in text


@pytest.mark.parametrize("name", ["ok", "failing", "redirected", "unchecked"])
def test_a_source_page_never_calls_a_live_or_failing_address_dead(client, sources, name):
    assert "link dead" not in client.get(sources[name].get_absolute_url()).content.decode()


def test_the_bibliography_marks_dead_sources_and_offers_their_archived_copies(client, sources):
    text = client.get(reverse("archive:source_list")).content.decode()
    assert text.count(DEAD_MARK) == 3
    assert (
        'href="https://web.archive.org/web/2017/https://gone.example/story" '
        'rel="noopener noreferrer">archived copy</a>' in text
    )
    # A live source's archived copy stays on its own page: the list shows no addresses.
    assert "https://archive.today/fine" not in text


@pytest.mark.parametrize("page", ["message", "event"])
def test_record_pages_show_archived_copies_and_dead_marks_beside_their_sources(
    client, build, sources, page
):
    cited = [sources["dead"], sources["ok"], sources["failing"]]
    record = build.message(sources=cited) if page == "message" else build.event(sources=cited)

    text = client.get(record.get_absolute_url()).content.decode()

    assert text.count(DEAD_MARK) == 1
    line = next(line for line in text.splitlines() if sources["dead"].url in line)
    assert DEAD_MARK in line and "archived copy" in line
    line = next(line for line in text.splitlines() if sources["ok"].url in line)
    assert "link dead" not in line and 'href="https://archive.today/fine"' in line
    line = next(line for line in text.splitlines() if sources["failing"].url in line)
    assert "link dead" not in line and "archived copy" not in line


def test_a_notes_dead_link_is_marked_beside_its_archived_copy(client, build, users):
    message = build.message(sources=[])
    note = make_annotation(users["author"], message=message, visibility="public")
    checked(
        SourceLink.objects.create(
            annotation=note,
            url="https://gone.example/lead",
            title="The lead",
            archived_url="https://web.archive.org/web/2019/https://gone.example/lead",
        ),
        status=404,
    )
    checked(
        SourceLink.objects.create(
            annotation=note,
            url="https://fine.example/lead",
            title="Another lead",
            archived_url="https://archive.today/lead",
        ),
        status=200,
    )

    for url in (message.get_absolute_url(), note.get_absolute_url()):
        text = client.get(url).content.decode()
        dead_line = next(line for line in text.splitlines() if "The lead" in line)
        assert DEAD_MARK in dead_line
        assert (
            'href="https://web.archive.org/web/2019/https://gone.example/lead" '
            'rel="nofollow ugc noopener">archived copy</a>' in dead_line
        )
        live_line = next(line for line in text.splitlines() if "Another lead" in line)
        assert "link dead" not in live_line and "archived copy" in live_line


def test_a_private_notes_dead_link_reaches_only_its_author(client, build, users):
    message = build.message(sources=[])
    note = make_annotation(users["author"], message=message, visibility="private")
    checked(
        SourceLink.objects.create(annotation=note, url="https://gone.example/secret-lead"),
        status=404,
    )

    assert "secret-lead" not in client.get(message.get_absolute_url()).content.decode()
    client.force_login(users["other"])
    assert "secret-lead" not in client.get(message.get_absolute_url()).content.decode()
    client.force_login(users["author"])
    text = client.get(message.get_absolute_url()).content.decode()
    assert "secret-lead" in text and DEAD_MARK in text
