"""The archives under test, built once into var/bench/ and reused while they are complete.

Per size N: `backchannel-N.sqlite3` (Backchannel's SQLite archive), `datasette-N.db` (the same
published rows for Datasette, with its inspect file) and, for PostgreSQL, a database `bench_N`.
Each is complete only when its `.done` marker (JSON: how it was built, and the generator's report)
exists and the archive still holds that many messages; otherwise it is built again from scratch.
"""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from . import datasette_export

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
PYTHON = sys.executable
SEED = int(os.environ.get("BENCH_SEED", "1"))
POSTGRES_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def log(text):
    print(text, flush=True)


def manage(database_url, *arguments, check=True):
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    return subprocess.run([PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=check)


def _read_marker(marker):
    try:
        return json.loads(marker.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _generate(database_url, size, report_path):
    """Fill an empty, migrated archive with `size` synthetic messages (the same rows per seed)."""
    manage(database_url, "migrate", "--noinput", "--verbosity", "0")
    manage(
        database_url,
        "generate_archive",
        "--messages",
        str(size),
        "--seed",
        str(SEED),
        "--report",
        str(report_path),
    )
    return "generate_archive"


def _finish(marker, generator, report_path, started):
    report = json.loads(report_path.read_text()) if report_path.exists() else None
    marker.write_text(
        json.dumps(
            {
                "generator": generator,
                "seed": SEED,
                "report": report,
                "build_seconds": round(time.monotonic() - started),
                "built_at": time.time(),
            }
        )
    )


def _stale(marker_data):
    # Archives from the generator before generate_archive (scripts/bench_scale.py) are rebuilt.
    return marker_data["generator"] != "generate_archive"


def backchannel_sqlite(size):
    """(DATABASE_URL, marker data) of the SQLite archive with `size` messages."""
    path = CACHE / f"backchannel-{size}.sqlite3"
    marker = path.with_suffix(".done")
    url = f"sqlite:///{path}"
    data = _read_marker(marker)
    if data and path.exists() and not _stale(data) and _sqlite_messages(path) == size:
        # New migrations from main (indexes, search) apply to the cached archive too.
        manage(url, "migrate", "--noinput", "--verbosity", "0")
        return url, data
    log(f"building the SQLite archive of {size:,} messages ({path})")
    marker.unlink(missing_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.monotonic()
    report_path = path.with_suffix(".report.json")
    report_path.unlink(missing_ok=True)
    generator = _generate(url, size, report_path)
    _finish(marker, generator, report_path, started)
    return url, _read_marker(marker)


def _sqlite_messages(path):
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM archive_message").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error:
        return None


def datasette_database(size, backchannel_path, backchannel_marker):
    """(database path, inspect path) of the Datasette export of the SQLite archive."""
    path = CACHE / f"datasette-{size}.db"
    inspect_path = path.with_suffix(".inspect.json")
    marker = path.with_suffix(".done")
    data = _read_marker(marker)
    # An export belongs to one build of the archive (that build's time).
    source_built = backchannel_marker["built_at"]
    if (
        data
        and path.exists()
        and inspect_path.exists()
        and data["source"] == source_built
        and data.get("export_version") == datasette_export.EXPORT_VERSION
    ):
        return path, inspect_path
    log(f"exporting {backchannel_path.name} for Datasette ({path})")
    marker.unlink(missing_ok=True)
    counts = datasette_export.export(backchannel_path, path)
    subprocess.run(
        [
            str(Path(PYTHON).parent / "datasette"),
            "inspect",
            str(path),
            "--inspect-file",
            str(inspect_path),
        ],
        check=True,
    )
    marker.write_text(
        json.dumps(
            {
                "counts": counts,
                "source": source_built,
                "export_version": datasette_export.EXPORT_VERSION,
            }
        )
    )
    return path, inspect_path


def postgres_url(database):
    return f"{POSTGRES_SERVER_URL.rstrip('/')}/{database}"


def postgres_available():
    try:
        with psycopg.connect(postgres_url("postgres"), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _postgres_messages(database):
    try:
        with psycopg.connect(postgres_url(database), connect_timeout=3) as connection:
            return connection.execute("SELECT count(*) FROM archive_message").fetchone()[0]
    except psycopg.Error:
        return None


def backchannel_postgres(size):
    """(DATABASE_URL, marker data) of the PostgreSQL archive `bench_<size>`."""
    database = f"bench_{size}"
    url = postgres_url(database)
    marker = CACHE / f"postgresql-{size}.done"
    data = _read_marker(marker)
    if data and not _stale(data) and _postgres_messages(database) == size:
        manage(url, "migrate", "--noinput", "--verbosity", "0")
        # A new migration may add columns or indexes the planner has no statistics for yet.
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("ANALYZE")
        return url, data
    log(f"building the PostgreSQL archive of {size:,} messages (database {database})")
    marker.unlink(missing_ok=True)
    with psycopg.connect(postgres_url("postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')
    started = time.monotonic()
    report_path = CACHE / f"postgresql-{size}.report.json"
    report_path.unlink(missing_ok=True)
    generator = _generate(url, size, report_path)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    _finish(marker, generator, report_path, started)
    return url, _read_marker(marker)


def postgres_server_version():
    with psycopg.connect(postgres_url("postgres"), connect_timeout=3) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].split()[0]
