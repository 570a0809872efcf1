"""Eight researchers at once, over real HTTP against gunicorn (3 workers × 2 threads) on its own
database, SQLite or PostgreSQL: each creates notes, edits each one and deletes some. No answer
is a 5xx (a "database is locked" would be one), and every acknowledged write is in the database
with its content: created notes with their links and revisions, edits as saved, deletions."""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from annotations.models import Annotation
from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import ALIAS, make_message, make_user

pytestmark = [pytest.mark.concurrency, pytest.mark.system]

PASSWORD = "pw-researchers-123"
RESEARCHERS = 8
NOTES_EACH = 5
DELETED_EACH = 2
UUID = re.compile(r"note=([0-9a-f-]{36})")


def researcher_session(live, visitor, message, run, number):
    """One researcher's work; returns what the server acknowledged (and any 5xx)."""
    done = {"created": {}, "edited": {}, "deleted": set(), "errors": []}

    def check(answer, what):
        if answer.status_code >= 500:
            done["errors"].append(f"{what}: {answer.status_code}")
        return answer

    for n in range(NOTES_EACH):
        body = f"{run} r{number} n{n} first"
        data = note_form_data([f"https://example.org/{run}/{number}/{n}"], body=body)
        answer = check(visitor.post(f"/messages/{message.external_id}/annotate/", data), "create")
        if answer.status_code == 302:
            done["created"][UUID.search(answer.headers["location"]).group(1)] = body
    for note_uuid in list(done["created"]):
        form = check(visitor.get(f"/annotations/{note_uuid}/edit/"), "edit form")
        version = re.search(r'name="version" value="(\d+)"', form.text).group(1)
        body = done["created"][note_uuid].replace("first", "edited")
        data = note_form_data(body=body, version=version)
        # The link the note has stays: the form lists it as it was.
        data.update({"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"})
        answer = check(visitor.post(f"/annotations/{note_uuid}/edit/", data), "edit")
        if answer.status_code == 302:
            done["edited"][note_uuid] = body
    for note_uuid in list(done["created"])[:DELETED_EACH]:
        answer = check(visitor.post(f"/annotations/{note_uuid}/delete/", {}), "delete")
        if answer.status_code == 302:
            done["deleted"].add(note_uuid)
    return done


def test_eight_researchers_at_once_lose_nothing_and_see_no_5xx(live):
    message = make_message("The message eight researchers annotate at once.")
    run = uuid.uuid4().hex[:8]
    visitors = [
        live.visitor(make_user(f"r{n}-{run}", PASSWORD).username, PASSWORD)
        for n in range(RESEARCHERS)
    ]
    with ThreadPoolExecutor(max_workers=RESEARCHERS) as pool:
        results = list(
            pool.map(
                lambda n: researcher_session(live, visitors[n], message, run, n),
                range(RESEARCHERS),
            )
        )
    errors = [error for result in results for error in result["errors"]]
    assert errors == []
    created = {k: v for r in results for k, v in r["created"].items()}
    edited = {k: v for r in results for k, v in r["edited"].items()}
    deleted = set().union(*(r["deleted"] for r in results))
    # Every write was acknowledged (none refused), and every acknowledged one is there.
    assert len(created) == RESEARCHERS * NOTES_EACH and len(edited) == len(created)
    assert len(deleted) == RESEARCHERS * DELETED_EACH
    notes = {
        str(note.uuid): note
        for note in Annotation.objects.using(ALIAS)
        .filter(uuid__in=list(created))
        .prefetch_related("links", "revisions")
    }
    assert set(notes) == set(created)
    for note_uuid, note in notes.items():
        assert note.body == edited[note_uuid]
        assert [link.url for link in note.links.all()] == [
            f"https://example.org/{run}/{note.body.split()[1][1:]}/{note.body.split()[2][1:]}"
        ]
        assert note.revisions.count() == 2
        assert note.is_deleted == (note_uuid in deleted)
