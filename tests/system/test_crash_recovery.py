"""`kill -9` of gunicorn in the middle of a burst of writes, then a restart on the same database
(SQLite or PostgreSQL, whichever DATABASE_URL names): the database is sound (SQLite's
integrity_check and foreign_key_check), every write the server acknowledged (a 302 to the saved
note) is there with its body, links and revisions, a write cut off mid-request is either wholly
there or wholly absent, and the restarted server serves and accepts writes.

SIGKILL goes to gunicorn's whole process group (master and workers at once), as the kernel's OOM
killer or `kill -9 -<pgid>` would: no worker finishes its request or closes its connection. The
machine itself keeps running, so this is a process crash, not a power cut: with SQLite's
synchronous=NORMAL a committed write is in the WAL file the kernel holds, and survives this; an
operating-system crash may lose the last commits before a checkpoint, which no test here shows.

The same kill of `manage.py import_messages` in the middle of a mailbox with attachments leaves
no batch, and no attachment file outside the import's staging folder; `manage.py
clean_attachments` then removes that folder, and the import run again keeps exactly the files
its rows name.
"""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.db import connections

from annotations.models import Annotation
from archive.models import Attachment, ImportBatch
from tests.support import import_samples as samples
from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import (
    ROOT,
    Visitor,
    _is_postgres,
    _orm_alias,
    _server_env,
    fresh_database,
    make_message,
    make_user,
    migrate,
    start_gunicorn,
    stop_gunicorn,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.system]

PASSWORD = "pw-crash-123"
# The crashed server's database, as this process reaches it (not the `live` fixture's).
ALIAS = "crash"
WRITERS = 6
# Below the per-user limit on new notes (RATE_LIMITS["note_create"]: 30 in 10 minutes), so no
# create is refused with a 429; a writer that reaches it only edits.
NOTES_EACH = 25
# The kill comes once this many writes are acknowledged (or after KILL_LATEST seconds of burst
# on a machine too slow to reach it; the ACKNOWLEDGED_AT_LEAST assertion then says so).
KILL_AFTER = 48
KILL_LATEST = 15
ACKNOWLEDGED_AT_LEAST = 20
NOTE = re.compile(r"note=([0-9a-f-]{36})")


@pytest.fixture
def crash_database(tmp_path, django_db_blocker):
    """A fresh, migrated database; yields (its URL, the server env, the log path)."""
    with fresh_database(tmp_path) as database_url:
        env = _server_env(database_url)
        migrate(env)
        with django_db_blocker.unblock(), _orm_alias(database_url, ALIAS):
            yield database_url, env, tmp_path / "gunicorn.log"


class Burst:
    """What the writers sent and what the server acknowledged, shared by the writer threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.killed = threading.Event()  # set just before the SIGKILL is sent
        self.attempted = 0
        self.acknowledged = 0
        # Every create sent: body → its links (a stored note must match one of these wholly).
        self.sent = {}
        # Acknowledged creates: note uuid → (body, links); acknowledged edits: uuid → new body.
        self.created = {}
        self.edited = {}
        # Edits sent whose answer never came: uuid → the body they would have written.
        self.edits_cut = {}
        self.cut_mid_request = 0  # connection reset or closed after the request was sent
        self.refused = 0  # connection refused: the server was already gone
        self.bad_answers = []  # anything but a 302, or a failed connection before the kill

    def count(self, field):
        with self.lock:
            setattr(self, field, getattr(self, field) + 1)


def write_until_cut(burst, visitor, message, run, number):
    """One researcher writing notes as fast as the server answers, editing every third one,
    until the connection fails (the kill) or the burst is stopped."""
    annotate = f"/messages/{message.external_id}/annotate/"
    mine, to_edit, n = [], [], 0
    while not burst.stop.is_set():
        editing = to_edit and (n % 3 == 2 or len(mine) >= NOTES_EACH)
        if editing:
            note_uuid = to_edit.pop(0)
            body = f"{burst.created[note_uuid][0]} edited"
            data = note_form_data(body=body, version="1")
            # The note's links stay as they are: the edit sends no link forms.
            data.update({"links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0"})
            path = f"/annotations/{note_uuid}/edit/"
        elif len(mine) < NOTES_EACH:
            body = f"crash {run} w{number} n{n}"
            links = [f"https://example.org/{run}/{number}/{n}/{part}" for part in ("a", "b")]
            data, path = note_form_data(links, body=body), annotate
            with burst.lock:
                burst.sent[body] = links
        else:
            time.sleep(0.05)  # nothing left to write: wait for the kill
            continue
        n += 1
        burst.count("attempted")
        try:
            answer = visitor.post(path, data)
        except httpx.TransportError as error:
            if not burst.killed.is_set():
                burst.bad_answers.append(f"{path}: {error!r} before the kill")
                return
            if isinstance(error, httpx.ConnectError):
                burst.count("refused")
                return
            burst.count("cut_mid_request")
            if editing:
                burst.edits_cut[note_uuid] = body
            return
        if answer.status_code != 302:
            burst.bad_answers.append(f"{path}: {answer.status_code}")
            return
        with burst.lock:
            burst.acknowledged += 1
            if editing:
                burst.edited[note_uuid] = body
            else:
                note_uuid = NOTE.search(answer.headers["location"]).group(1)
                burst.created[note_uuid] = (body, links)
        if not editing:
            mine.append(note_uuid)
            to_edit.append(note_uuid)


def sqlite_path(database_url):
    return urlsplit(database_url).path


def wal_left(database_url):
    """What SQLite's WAL file is after the crash: the next server to open it recovers from it.
    (SQLite removes it when its last connection closes, so none means none was open.)"""
    wal = Path(f"{sqlite_path(database_url)}-wal")
    if not wal.exists():
        return ", leaving no WAL file"
    return f", leaving a {wal.stat().st_size // 1024} KiB WAL file"


def test_kill_9_mid_burst_loses_no_acknowledged_write(crash_database):
    database_url, env, log_path = crash_database
    started = time.monotonic()
    run = uuid.uuid4().hex[:8]
    message = make_message("The message written on while the server is killed.", alias=ALIAS)
    users = [make_user(f"crash{n}-{run}", PASSWORD, alias=ALIAS) for n in range(WRITERS)]
    # Nothing of this process holds the database open through the crash.
    connections[ALIAS].close()

    burst = Burst()
    servers, visitors = [], []
    try:
        first, url = start_gunicorn(env, log_path)
        servers.append(first)
        visitors.extend(Visitor(url).login(user.username, PASSWORD) for user in users)
        burst_started = time.monotonic()
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            writers = [
                pool.submit(write_until_cut, burst, visitors[n], message, run, n)
                for n in range(WRITERS)
            ]
            deadline = time.monotonic() + KILL_LATEST
            while burst.acknowledged < KILL_AFTER and time.monotonic() < deadline:
                if burst.bad_answers or all(writer.done() for writer in writers):
                    break
                time.sleep(0.01)
            acknowledged_at_kill = burst.acknowledged
            burst.killed.set()
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            burst_seconds = time.monotonic() - burst_started
            crash_left = "" if _is_postgres(database_url) else wal_left(database_url)
            for writer in writers:
                writer.result(timeout=60)  # each stops at its first failed connection
            burst.stop.set()
        assert burst.bad_answers == []
        assert burst.acknowledged >= ACKNOWLEDGED_AT_LEAST, "the burst was too slow to count"
        # The kill came mid-burst: some requests were on their way when it did.
        assert burst.cut_mid_request >= 1

        second, url = start_gunicorn(env, log_path)
        servers.append(second)

        if _is_postgres(database_url):
            health = httpx.get(f"{url}/healthz", timeout=10)
            assert health.status_code == 200, health.text
        else:
            with sqlite3.connect(sqlite_path(database_url)) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert db.execute("PRAGMA foreign_key_check").fetchall() == []

        notes = {
            str(note.uuid): note
            for note in Annotation.objects.using(ALIAS)
            .filter(message_id=message.pk)
            .prefetch_related("links", "revisions")
        }
        cut_edits_saved = 0
        missing = set(burst.created) - set(notes)
        assert missing == set(), f"{len(missing)} acknowledged notes missing"
        for note_uuid, (body, links) in burst.created.items():
            note = notes[note_uuid]
            assert sorted(link.url for link in note.links.all()) == links
            if note_uuid in burst.edited:
                assert (note.body, note.revisions.count()) == (burst.edited[note_uuid], 2)
            elif note_uuid in burst.edits_cut:
                # An edit cut off mid-request: saved wholly (body and revision) or not at all.
                assert (note.body, note.revisions.count()) in {
                    (body, 1),
                    (burst.edits_cut[note_uuid], 2),
                }
                cut_edits_saved += note.body == burst.edits_cut[note_uuid]
            else:
                assert (note.body, note.revisions.count()) == (body, 1)
        # Creates cut off mid-request that were committed anyway: whole, never half-written.
        unacknowledged = {k: note for k, note in notes.items() if k not in burst.created}
        for note in unacknowledged.values():
            assert note.body in burst.sent
            assert sorted(link.url for link in note.links.all()) == burst.sent[note.body]
            assert note.revisions.count() == 1

        # The restarted server: the same sessions, a new write, the pages with the notes.
        writer = Visitor(url, cookies=visitors[0].http.cookies)
        body = f"crash {run} after the restart"
        saved = writer.post(
            f"/messages/{message.external_id}/annotate/",
            note_form_data([f"https://example.org/{run}/after"], body=body),
        )
        assert saved.status_code == 302
        assert body in writer.get(saved.headers["location"]).text
        for note_uuid in (next(iter(burst.edited)), next(reversed(burst.created))):
            page = Visitor(url).get(f"/messages/{message.external_id}/?note={note_uuid}")
            assert page.status_code == 200 and notes[note_uuid].body in page.text
        assert Annotation.objects.using(ALIAS).filter(message_id=message.pk).count() == (
            len(notes) + 1
        )

        print(
            f"\n{connections[ALIAS].vendor}: {burst.attempted} writes attempted, "
            f"{burst.acknowledged} acknowledged ({len(burst.created)} creates, "
            f"{len(burst.edited)} edits; {acknowledged_at_kill} when the kill was sent), "
            f"all {len(burst.created)} acknowledged notes found; "
            f"{burst.cut_mid_request} cut mid-request ({len(burst.edits_cut)} of them edits, "
            f"{cut_edits_saved} saved whole), {burst.refused} refused after the kill, "
            f"unacknowledged creates stored whole: {len(unacknowledged)}; "
            f"kill {burst_seconds:.1f} s into the burst"
            + crash_left
            + f"; total {time.monotonic() - started:.1f} s"
        )
    finally:
        for server in servers:
            stop_gunicorn(server)
        for visitor in visitors:
            visitor.close()


IMPORT_MESSAGES = 3000
# The kill comes once this many attachment files are written (the import is then mid-way: it
# commits only at the end).
KILL_AT_FILES = 500


def mailbox_with_attachments(path, count):
    return samples.write_mbox(
        path,
        (
            samples.email_bytes(
                f"crash{n}@example.org",
                "Alice Example <alice@example.org>",
                "bob@example.net",
                f"Papers {n}",
                samples.datetime(2016, 10, 3, 18, 0, tzinfo=samples.NY),
                f"Paper {n} attached.\n",
                attachments=[(f"paper-{n}.pdf", "application/pdf", f"%PDF-1.4 {n}".encode())],
            )
            for n in range(count)
        ),
    )


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_kill_9_mid_import_leaves_no_orphan_attachment_files(crash_database, tmp_path):
    _, env, log_path = crash_database
    media = tmp_path / "media"
    env = {**env, "MEDIA_ROOT": str(media)}
    mbox = mailbox_with_attachments(tmp_path / "crash.mbox", IMPORT_MESSAGES)
    with open(log_path, "w") as log:
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_messages", str(mbox)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while len(files_under(media)) < KILL_AT_FILES and time.monotonic() < deadline:
            assert importer.poll() is None, f"the import ended first:\n{log_path.read_text()}"
            time.sleep(0.02)
        written = files_under(media)
        os.killpg(importer.pid, signal.SIGKILL)
        importer.wait(timeout=10)
    finally:
        if importer.poll() is None:
            os.killpg(importer.pid, signal.SIGKILL)
    assert len(written) >= KILL_AT_FILES
    left = files_under(media)
    assert [name for name in left if not name.startswith("attachments-staging/")] == []
    assert not ImportBatch.objects.using(ALIAS).exists()
    assert not Attachment.objects.using(ALIAS).exists()

    cleaned = manage(env, "clean_attachments", "--older-than", "0")
    assert cleaned.returncode == 0, cleaned.stderr
    assert "removed 1 staging folder(s)" in cleaned.stdout
    assert files_under(media) == []

    again = manage(env, "import_messages", str(mbox))
    assert again.returncode == 0, again.stderr
    named = set(Attachment.objects.using(ALIAS).values_list("file", flat=True))
    assert len(named) == IMPORT_MESSAGES and set(files_under(media)) == named
    print(
        f"\nimport killed with {len(left)} attachment files written (all in staging); "
        f"clean_attachments removed them; the import again kept its {len(named)} files"
    )
