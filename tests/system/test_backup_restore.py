"""A backup taken while researchers write (over real HTTP, against gunicorn) restores into a fresh
database holding every write acknowledged before the backup began, and nothing that was never
acknowledged. SQLite through `manage.py backup`/`restore` (the online backup API); PostgreSQL
through the pg_dump/pg_restore commands those print, run as printed."""

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
from tests.annotation_helpers import note_form_data
from tests.live_server_gunicorn import ROOT, _is_postgres, _server_env, make_message, make_user

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


def bodies_in_sqlite(path):
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        bodies = {row[0] for row in db.execute("SELECT body FROM annotations_annotation")}
        revisions = db.execute(
            "SELECT COUNT(DISTINCT annotation_id) FROM annotations_annotationrevision"
        ).fetchone()[0]
        links = db.execute("SELECT COUNT(*) FROM annotations_sourcelink").fetchone()[0]
    return bodies, revisions, links


def bodies_in_postgres(url):
    with psycopg.connect(url) as db:
        bodies = {row[0] for row in db.execute("SELECT body FROM annotations_annotation")}
        revisions = db.execute(
            "SELECT COUNT(DISTINCT annotation_id) FROM annotations_annotationrevision"
        ).fetchone()[0]
        links = db.execute("SELECT COUNT(*) FROM annotations_sourcelink").fetchone()[0]
    return bodies, revisions, links


def test_a_backup_during_a_burst_of_writes_restores_every_acknowledged_note(live, tmp_path):
    message = make_message("The message researchers annotate while the backup runs.")
    visitors = [
        live.visitor(make_user(f"backup-{n}-{uuid.uuid4().hex[:6]}", PASSWORD).username, PASSWORD)
        for n in range(RESEARCHERS)
    ]
    acknowledged, lock = [], threading.Lock()
    enough_written, backup_done = threading.Event(), threading.Event()
    run = uuid.uuid4().hex[:8]

    def write(visitor, n):
        body = f"note {run}-{n}"
        data = note_form_data([f"https://example.org/{run}/{n}"], body=body)
        answer = visitor.tab().post(f"/messages/{message.external_id}/annotate/", data)
        assert answer.status_code == 302, answer.text[:300]
        with lock:
            acknowledged.append(body)
            if len(acknowledged) >= RESEARCHERS * 2:
                enough_written.set()

    env = _server_env(live.database_url)
    backup_path = tmp_path / "backup.db"
    snapshot = {}

    def take_backup():
        enough_written.wait(timeout=60)
        with lock:
            snapshot["before"] = set(acknowledged)
        snapshot["output"] = manage(env, "backup", str(backup_path))
        if _is_postgres(live.database_url):
            subprocess.run(printed_command(snapshot["output"], "pg_dump"), check=True)
        with lock:
            snapshot["after"] = set(acknowledged)
        backup_done.set()

    jobs = [(visitors[n % RESEARCHERS], n) for n in range(RESEARCHERS * NOTES_EACH)]
    with ThreadPoolExecutor(max_workers=RESEARCHERS + 1) as pool:
        backup = pool.submit(take_backup)
        list(pool.map(lambda job: write(*job), jobs))
        backup.result()

    assert len(acknowledged) == RESEARCHERS * NOTES_EACH
    live_notes = set(Annotation.objects.using(live.alias).values_list("body", flat=True))
    assert set(acknowledged) <= live_notes

    if _is_postgres(live.database_url):
        fresh_name = f"bc_restore_{uuid.uuid4().hex[:10]}"
        server = live.database_url.rsplit("/", 1)[0]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{fresh_name}"')
        try:
            fresh_url = f"{server}/{fresh_name}"
            output = manage({**env, "DATABASE_URL": fresh_url}, "restore", str(backup_path))
            subprocess.run(printed_command(output, "pg_restore"), check=True)
            bodies, revised, links = bodies_in_postgres(fresh_url)
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
    else:
        assert "integrity ok" in snapshot["output"]
        fresh = tmp_path / "restored.sqlite3"
        output = manage({**env, "DATABASE_URL": f"sqlite:///{fresh}"}, "restore", str(backup_path))
        assert "integrity ok" in output
        bodies, revised, links = bodies_in_sqlite(fresh)

    ours = {body for body in bodies if body.startswith(f"note {run}-")}
    # Everything acknowledged before the backup began is in it; nothing that was not
    # acknowledged by the time it ended is.
    assert snapshot["before"] <= ours <= snapshot["after"]
    assert len(snapshot["before"]) >= RESEARCHERS * 2
    # Each note came with its first revision and its source link, in the same transaction.
    assert revised >= len(ours) and links >= len(ours)


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
