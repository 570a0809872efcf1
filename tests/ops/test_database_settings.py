"""The embedded SQLite default really runs in WAL mode with IMMEDIATE transactions."""

import os
import subprocess
import sys

from tests.support import ROOT

PROBE = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(journal, busy, connection.settings_dict["OPTIONS"]["transaction_mode"])
"""


def test_sqlite_file_uses_wal_busy_timeout_and_immediate_transactions(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    journal, busy, mode = result.stdout.split()[-3:]
    assert (journal, mode) == ("wal", "IMMEDIATE")
    assert int(busy) >= 5000


def test_postgresql_connections_turn_jit_off(tmp_path):
    """Short indexed list queries gain nothing from JIT compilation and paid 0.8 s for it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/backchannel")
    probe = 'from django.db import connection; print(connection.settings_dict["OPTIONS"])'
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "-c jit=off" in result.stdout
