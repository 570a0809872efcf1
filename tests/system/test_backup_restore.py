"""A backup taken while researchers write (over real HTTP, against gunicorn) and a curator imports
files restores into a fresh database holding every write acknowledged before the backup began,
and nothing that was never acknowledged: notes with their revisions and links, reports to the
curators (flags), import batches with the archive messages they brought. SQLite through
`manage.py backup`/`restore` (the online backup API); PostgreSQL through the pg_dump/pg_restore
commands those print, run as printed."""

import hashlib
import shlex
import sqlite3
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from annotations.models import Annotation
from tests.support.annotation_helpers import note_form_data
from tests.support.live_server_gunicorn import (
    ROOT,
    _is_postgres,
    _server_env,
    make_message,
    make_user,
)

pytestmark = [pytest.mark.concurrency, pytest.mark.system]

PASSWORD = "pw-backup-123"
RESEARCHERS = 4
NOTES_EACH = 8


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def printed_command(output, program):
    line = next(line for line in output.splitlines() if line.strip().startswith(program))
    return shlex.split(line.strip())


# What a restored database holds, by kind: the same SQL on both engines.
CONTENTS = {
    "notes": "SELECT body FROM annotations_annotation",
    "flags": "SELECT reason FROM annotations_flag",
    "imports": "SELECT sha256 FROM archive_importbatch",
    "imported messages": (
        "SELECT original_id FROM archive_message WHERE import_batch_id IS NOT NULL"
    ),
}
# Bodies, not counts: the live server's database is shared by the session's live tests, and other
# tests write notes without links; only this test's notes (its run's mark) are judged.
NOTES_WITHOUT_REVISION = """SELECT body FROM annotations_annotation a WHERE NOT EXISTS
    (SELECT 1 FROM annotations_annotationrevision r WHERE r.annotation_id = a.id)"""
NOTES_WITHOUT_LINK = """SELECT body FROM annotations_annotation a WHERE NOT EXISTS
    (SELECT 1 FROM annotations_sourcelink l WHERE l.annotation_id = a.id)"""


def contents(db):
    found = {kind: {row[0] for row in db.execute(sql)} for kind, sql in CONTENTS.items()}
    found["notes without a revision"] = {row[0] for row in db.execute(NOTES_WITHOUT_REVISION)}
    found["notes without a link"] = {row[0] for row in db.execute(NOTES_WITHOUT_LINK)}
    return found


def contents_of_sqlite(path):
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        return contents(db)


def contents_of_postgres(url):
    with psycopg.connect(url) as db:
        return contents(db)


def transcription(run, n):
    """A two-message CSV transcription of its own (so a batch of its own)."""
    return (
        "id,thread,date_earliest,date_latest,sender,recipients,text,text_status,in_reply_to\r\n"
        f"{run}-{n}-a,imported-{run}-{n},2016-10-03,2016-10-03,@alice,@bob,"
        f"Imported during the backup {run} {n}.,verbatim,\r\n"
        f"{run}-{n}-b,imported-{run}-{n},2016-10-04,2016-10-04,@bob,@alice,"
        f"And its reply {run} {n}.,summary,{run}-{n}-a\r\n"
    )


def test_a_backup_during_a_burst_of_writes_restores_every_acknowledged_row(live, tmp_path):
    message = make_message("The message researchers annotate while the backup runs.")
    visitors = [
        live.visitor(make_user(f"backup-{n}-{uuid.uuid4().hex[:6]}", PASSWORD).username, PASSWORD)
        for n in range(RESEARCHERS)
    ]
    acknowledged = {kind: [] for kind in CONTENTS}
    lock = threading.Lock()
    enough_written, writing_done = threading.Event(), threading.Event()
    run = uuid.uuid4().hex[:8]
    env = _server_env(live.database_url)

    def acknowledge(kind, *values):
        with lock:
            acknowledged[kind].extend(values)
            if len(acknowledged["notes"]) >= RESEARCHERS * 2:
                enough_written.set()

    def write(n):
        """Researcher n % R writes a note; the next researcher reports it to the curators."""
        author, reporter = visitors[n % RESEARCHERS], visitors[(n + 1) % RESEARCHERS]
        body = f"note {run}-{n}"
        data = note_form_data([f"https://example.org/{run}/{n}"], body=body)
        answer = author.tab().post(f"/messages/{message.external_id}/annotate/", data)
        assert answer.status_code == 302, answer.text[:300]
        acknowledge("notes", body)
        note_uuid = answer.headers["location"].split("note=")[1][:36]
        reason = f"flag {run}-{n}"
        flagged = reporter.tab().post(f"/annotations/{note_uuid}/flag/", {"reason": reason})
        assert flagged.status_code == 302, flagged.text[:300]
        acknowledge("flags", reason)

    def import_file(n):
        path = tmp_path / f"transcription-{n}.csv"
        path.write_text(transcription(run, n), encoding="utf-8")
        manage(env, "import_messages", str(path), "--format", "csv")
        acknowledge("imports", hashlib.sha256(path.read_bytes()).hexdigest())
        acknowledge("imported messages", f"{run}-{n}-a", f"{run}-{n}-b")

    def import_files():
        """A curator imports transcriptions, one after another, while the researchers write."""
        n = 1
        while not writing_done.is_set():
            import_file(n)
            n += 1

    backup_path = tmp_path / "backup.db"
    snapshot = {}

    def take_backup():
        enough_written.wait(timeout=60)
        with lock:
            snapshot["before"] = {kind: set(values) for kind, values in acknowledged.items()}
        snapshot["output"] = manage(env, "backup", str(backup_path))
        if _is_postgres(live.database_url):
            subprocess.run(printed_command(snapshot["output"], "pg_dump"), check=True)

    import_file(0)  # one batch before the burst; more while it runs
    with ThreadPoolExecutor(max_workers=RESEARCHERS + 2) as pool:
        backup = pool.submit(take_backup)
        importer = pool.submit(import_files)
        try:
            list(pool.map(write, range(RESEARCHERS * NOTES_EACH)))
        finally:
            writing_done.set()
        importer.result()
        backup.result()

    assert len(acknowledged["notes"]) == len(acknowledged["flags"]) == RESEARCHERS * NOTES_EACH
    live_notes = set(Annotation.objects.using(live.alias).values_list("body", flat=True))
    assert set(acknowledged["notes"]) <= live_notes

    if _is_postgres(live.database_url):
        fresh_name = f"bc_restore_{uuid.uuid4().hex[:10]}"
        server = live.database_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{fresh_name}"')
        try:
            fresh_url = f"{server}/{fresh_name}"
            output = manage({**env, "DATABASE_URL": fresh_url}, "restore", str(backup_path))
            subprocess.run(printed_command(output, "pg_restore"), check=True)
            restored = contents_of_postgres(fresh_url)
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
    else:
        assert "integrity ok" in snapshot["output"]
        fresh = tmp_path / "restored.sqlite3"
        output = manage({**env, "DATABASE_URL": f"sqlite:///{fresh}"}, "restore", str(backup_path))
        assert "integrity ok" in output
        restored = contents_of_sqlite(fresh)

    before = snapshot["before"]
    figures = []
    for kind in CONTENTS:
        # Imports are this test's alone; the other kinds carry the run's mark.
        ours = {value for value in restored[kind] if kind == "imports" or run in value}
        # Everything acknowledged before the backup began is in it, and nothing in it was never
        # acknowledged. (A write may commit just before the backup and be acknowledged just
        # after it: a finished import's process still has to exit.)
        assert before[kind] <= ours <= set(acknowledged[kind]), kind
        figures.append(
            f"{kind}: {len(acknowledged[kind])} acknowledged, {len(before[kind])} before the "
            f"backup began, {len(ours)} restored"
        )
    assert len(before["notes"]) >= RESEARCHERS * 2 and len(before["imports"]) >= 1
    # Each note came with its first revision and its source link, in the same transaction.
    for gap in ("notes without a revision", "notes without a link"):
        assert not {body for body in restored[gap] if run in body}, gap
    print("\n".join(figures))


def test_a_backup_never_overwrites_and_restore_needs_an_empty_database(live, tmp_path):
    if _is_postgres(live.database_url):
        pytest.skip("SQLite's own commands; PostgreSQL's are pg_dump and pg_restore")
    env = _server_env(live.database_url)
    existing = tmp_path / "exists.db"
    existing.write_bytes(b"keep me")
    refused = subprocess.run(
        [sys.executable, "manage.py", "backup", str(existing)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "never overwrites" in refused.stderr
    assert existing.read_bytes() == b"keep me"
    backup = tmp_path / "backup.db"
    manage(env, "backup", str(backup))
    # The live database holds tables: restoring over it is refused, and it is untouched.
    over_live = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert over_live.returncode != 0 and "empty database" in over_live.stderr
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    fresh = tmp_path / "fresh.sqlite3"
    bad = subprocess.run(
        [sys.executable, "manage.py", "restore", str(garbage)],
        cwd=ROOT,
        env={**env, "DATABASE_URL": f"sqlite:///{fresh}"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "not a database" in bad.stderr
    assert "Traceback" not in bad.stderr
