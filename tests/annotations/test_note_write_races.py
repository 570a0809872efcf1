"""Concurrent writes to one note over real HTTP (gunicorn, several workers, its own database).

Nothing acknowledged is lost or undone: an edit racing a delete or a curator's hide never brings
the note back, edits from the same version are a conflict (one saved, the rest shown the other
edit), and a race on a unique rule is never a 5xx.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from annotations.models import Annotation, AnnotationRevision, Flag, ResearchGroup, SourceLink
from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import ALIAS, make_message, make_user

pytestmark = pytest.mark.concurrency

PASSWORD = "pw-races-123"
PAIRS = 20


def make_notes(author, count, body="Before the race."):
    message = make_message("The message the racing notes are on.")
    notes = []
    for n in range(count):
        note = Annotation.objects.using(ALIAS).create(
            author=author, message=message, body=f"{body} {n}", visibility="public"
        )
        AnnotationRevision.objects.using(ALIAS).create(
            annotation=note, editor=author, snapshot=note.snapshot()
        )
        notes.append(note)
    return notes


def form_version(html):
    """The version the edit form was made from (None on a form that does not carry one)."""
    found = re.search(r'name="version" value="(\d+)"', html)
    return found.group(1) if found else None


def edit_payload(version, body, links=()):
    data = note_form_data(links, body=body)
    if version is not None:
        data["version"] = version
    return data


def open_edit_form(visitor, note):
    page = visitor.get(f"/annotations/{note.uuid}/edit/")
    assert page.status_code == 200
    return form_version(page.text)


def run_all(jobs, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: job(), jobs))


def report(name, responses, **found):
    """Print the run's figures (shown with -rP): status counts and what was found after."""
    statuses = {}
    for response in responses:
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    print(f"{name}: attempts {len(responses)}, statuses {dict(sorted(statuses.items()))}, {found}")


def no_server_errors(responses):
    return [r.status_code for r in responses if r.status_code >= 500] == []


def test_an_edit_racing_a_delete_never_brings_the_note_back(live):
    author = make_user("race-deleter", PASSWORD)
    notes = make_notes(author, PAIRS)
    browser = live.visitor("race-deleter", PASSWORD)
    jobs, kinds = [], []
    for note in notes:
        # The edit form was opened before the delete: it holds the note as it was.
        editor, deleter = browser.tab(), browser.tab()
        version = open_edit_form(editor, note)
        url = f"/annotations/{note.uuid}/"

        def edit(editor=editor, url=url, version=version):
            return editor.post(url + "edit/", edit_payload(version, "Edited in the race."))

        def delete(deleter=deleter, url=url):
            return deleter.post(url + "delete/", {})

        jobs += [edit, delete]
        kinds += ["edit", "delete"]
    responses = run_all(jobs)
    assert no_server_errors(responses)

    deletes = [r for r, kind in zip(responses, kinds, strict=True) if kind == "delete"]
    edits = [r for r, kind in zip(responses, kinds, strict=True) if kind == "edit"]
    acknowledged = [note for note, r in zip(notes, deletes, strict=True) if r.status_code == 302]
    came_back = Annotation.objects.using(ALIAS).filter(
        pk__in=[note.pk for note in acknowledged], deleted_at__isnull=True
    )
    report(
        "edit+delete",
        responses,
        deletes_acknowledged=len(acknowledged),
        came_back=came_back.count(),
    )
    assert len(acknowledged) == PAIRS
    assert came_back.count() == 0
    # An edit that lost the race says so (409) and keeps the author's text on the page.
    for response in edits:
        assert response.status_code in (302, 409)
        if response.status_code == 409:
            assert "deleted" in response.text and "Edited in the race." in response.text


def test_an_edit_racing_a_curators_hide_never_unhides_the_note(live):
    author = make_user("race-hidden", PASSWORD)
    notes = make_notes(author, PAIRS)
    browser = live.visitor("race-hidden", PASSWORD)
    jobs = []
    for note in notes:
        editor = browser.tab()
        version = open_edit_form(editor, note)

        def edit(editor=editor, note=note, version=version):
            return editor.post(
                f"/annotations/{note.uuid}/edit/", edit_payload(version, "Edited while hidden.")
            )

        def hide(note=note):
            # What the admin's hide action does: one UPDATE of the hiding columns.
            try:
                return Annotation.objects.using(ALIAS).filter(pk=note.pk).update(is_hidden=True)
            finally:
                connections[ALIAS].close()

        jobs += [edit, hide]
    results = run_all(jobs)
    edits = [r for r in results if not isinstance(r, int)]
    assert no_server_errors(edits)
    assert sum(r for r in results if isinstance(r, int)) == PAIRS
    undone = Annotation.objects.using(ALIAS).filter(pk__in=[n.pk for n in notes], is_hidden=False)
    report("edit+hide", edits, hides_acknowledged=PAIRS, undone=undone.count())
    assert undone.count() == 0
    for response in edits:
        assert response.status_code in (302, 409)


def test_concurrent_edits_from_one_version_save_one_and_show_the_others_a_conflict(live):
    author = make_user("race-tabs", PASSWORD)
    (note,) = make_notes(author, 1, body="The first words.")
    browser = live.visitor("race-tabs", PASSWORD)
    tabs = [browser.tab() for _ in range(PAIRS)]
    versions = [open_edit_form(tab, note) for tab in tabs]
    assert set(versions) == {"1"}
    bodies = [f"Tab {n} wrote this." for n in range(PAIRS)]
    responses = run_all(
        [
            lambda tab=tab, body=body: tab.post(
                f"/annotations/{note.uuid}/edit/", edit_payload("1", body)
            )
            for tab, body in zip(tabs, bodies, strict=True)
        ]
    )
    assert no_server_errors(responses)
    saved = [body for body, r in zip(bodies, responses, strict=True) if r.status_code == 302]
    conflicts = [
        (body, r) for body, r in zip(bodies, responses, strict=True) if r.status_code == 409
    ]
    report("same-version edits", responses, saved=len(saved), conflicts=len(conflicts))
    assert len(saved) == 1
    assert len(conflicts) == PAIRS - 1
    note.refresh_from_db(using=ALIAS)
    assert note.body == saved[0] and note.version == 2
    history = [
        snapshot["body"]
        for snapshot in AnnotationRevision.objects.using(ALIAS)
        .filter(annotation=note)
        .values_list("snapshot", flat=True)
    ]
    assert saved[0] in history
    for body, response in conflicts:
        # Neither text is lost: the user's own, and the edit that was saved meanwhile.
        assert body in response.text and saved[0] in response.text
        assert form_version(response.text) == "2"


def test_concurrent_edits_adding_the_same_link_never_fail_with_a_server_error(live):
    author = make_user("race-links", PASSWORD)
    notes = make_notes(author, 4)
    browser = live.visitor("race-links", PASSWORD)
    jobs = []
    for note in notes:
        for n in range(6):
            tab = browser.tab()

            def add_link(tab=tab, note=note, n=n):
                # Each tab reads the current form, then saves the same new address.
                version = open_edit_form(tab, note)
                return tab.post(
                    f"/annotations/{note.uuid}/edit/",
                    edit_payload(version, f"Link race {n}.", links=["https://example.org/same"]),
                )

            jobs.append(add_link)
    responses = run_all(jobs)
    links = SourceLink.objects.using(ALIAS).filter(annotation__in=notes).count()
    report("same link", responses, notes=len(notes), links_found=links)
    assert no_server_errors(responses)
    assert {r.status_code for r in responses} <= {302, 400, 409}
    for note in notes:
        assert SourceLink.objects.using(ALIAS).filter(annotation=note).count() == 1


def test_reporting_one_note_many_times_at_once_is_one_open_report_and_no_server_error(live):
    author = make_user("race-flagged", PASSWORD)
    make_user("race-reporter", PASSWORD)
    (note,) = make_notes(author, 1)
    reporter = live.visitor("race-reporter", PASSWORD)
    tabs = [reporter.tab() for _ in range(12)]
    responses = run_all(
        [
            lambda tab=tab: tab.post(f"/annotations/{note.uuid}/flag/", {"reason": "Wrong."})
            for tab in tabs
        ]
    )
    report("flag", responses, open_flags=Flag.objects.using(ALIAS).filter(annotation=note).count())
    assert no_server_errors(responses)
    assert {r.status_code for r in responses} == {302}
    assert Flag.objects.using(ALIAS).filter(annotation=note).count() == 1


def test_curators_adding_the_same_group_at_once_get_no_server_error(live):
    make_user("race-curator", PASSWORD, is_staff=True, is_superuser=True)
    curator = live.visitor("race-curator", PASSWORD)
    tabs = [curator.tab() for _ in range(12)]
    data = {"name": "Race team", "slug": "race-team", "description": ""}
    responses = run_all(
        [lambda tab=tab: tab.post("/admin/annotations/researchgroup/add/", data) for tab in tabs]
    )
    groups = ResearchGroup.objects.using(ALIAS).filter(slug="race-team").count()
    report("group", responses, groups=groups)
    assert no_server_errors(responses)
    # Saved once; every other curator sees a form error (200) or the clash page (409).
    assert {r.status_code for r in responses} <= {302, 200, 409}
    assert ResearchGroup.objects.using(ALIAS).filter(slug="race-team").count() == 1
