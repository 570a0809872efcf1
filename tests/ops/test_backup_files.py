"""`manage.py backup PATH` leaves exactly one file, PATH, a database complete on its own (no
-wal or -shm companion to carry along), and nothing at all when the backup fails. Run against a
WAL-mode SQLite file made here, as the live database is."""

import sqlite3
import subprocess
import sys

from tests.support.live_server_gunicorn import ROOT, _server_env

ROWS = 2000


def live_database(path):
    """A WAL-mode SQLite file with a table, an index and some rows, as the app's is."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("CREATE INDEX note_body ON note (body)")
        db.executemany(
            "INSERT INTO note (body) VALUES (?)", [(f"note {n} " * 20,) for n in range(ROWS)]
        )
    db.close()
    return path


def backup(database, path):
    return subprocess.run(
        [sys.executable, "manage.py", "backup", str(path)],
        cwd=ROOT,
        env=_server_env(f"sqlite:///{database}"),
        capture_output=True,
        text=True,
    )


def test_a_backup_is_one_complete_file_with_no_companions(tmp_path):
    database = live_database(tmp_path / "live.sqlite3")
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "archive.sqlite3"

    done = backup(database, target)

    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["archive.sqlite3"]
    # Complete on its own: not in WAL mode, so it needs no -wal file to be read whole.
    header = target.read_bytes()[:100]
    assert (header[18], header[19]) == (1, 1)  # rollback journal, not WAL (2, 2)
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as copy:
        assert copy.execute("SELECT COUNT(*) FROM note").fetchone()[0] == ROWS
    copy.close()
    assert sorted(p.name for p in folder.iterdir()) == ["archive.sqlite3"]


def test_a_failed_backup_leaves_nothing_behind(tmp_path):
    database = live_database(tmp_path / "live.sqlite3")
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    # Garbage over a page of the table: the copy is made, then fails SQLite's integrity check.
    with open(database, "r+b") as raw:
        raw.seek(page_size * 3)
        raw.write(b"\xa5" * page_size)
    folder = tmp_path / "backups"
    folder.mkdir()

    done = backup(database, folder / "archive.sqlite3")

    assert done.returncode != 0
    assert "integrity check" in done.stderr
    assert list(folder.iterdir()) == []
