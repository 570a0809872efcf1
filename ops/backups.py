"""Backups that restore: SQLite's online backup API (a consistent copy of a live database while
writers run, never a file copy), and for PostgreSQL the pg_dump / pg_restore commands to run.
`manage.py backup` and `manage.py restore` call these."""

import shlex
import sqlite3
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    """What went wrong, said plainly; nothing was written (or what was is removed)."""


def vendor(alias="default"):
    return connections[alias].vendor


def sqlite_path(alias="default"):
    name = connections[alias].settings_dict["NAME"]
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        raise BackupError("The database is not a SQLite file: there is nothing on disk to copy.")
    return Path(name)


def integrity(path):
    """SQLite's own check of a database file: 'ok', or what is wrong."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:  # "file is not a database", and the like
        return str(error)
    return "; ".join(row[0] for row in rows)


def backup_sqlite(destination, alias="default"):
    """Copy the live database to destination (which must not exist) in one step of the online
    backup API: a snapshot as of one moment, taken while other connections go on writing (WAL).
    The copy is one self-contained file in rollback-journal mode: no -wal or -shm file beside
    it, now or when it is opened later. Returns the copy's size in bytes."""
    source_path = sqlite_path(alias)
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} exists: a backup never overwrites a file.")
    if not source_path.exists():
        raise BackupError(f"{source_path}: no such database file.")
    partial = destination.with_name(destination.name + ".partial")
    try:
        source = sqlite3.connect(source_path, timeout=30)
        target = sqlite3.connect(partial)
        with source, target:
            source.backup(target)  # pages=-1: every page in one step, one consistent snapshot
        # The copy inherits WAL mode from the live database; leaving it checkpoints the WAL
        # into the file and removes the -wal and -shm files.
        target.execute("PRAGMA journal_mode=DELETE")
        source.close()
        target.close()
        checked = integrity(partial)
        if checked != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check: {checked}")
        partial.rename(destination)
    finally:
        for leftover in (partial, *_companions(partial)):
            leftover.unlink(missing_ok=True)
    return destination.stat().st_size


def _companions(path):
    """The files SQLite may keep beside a database: its WAL, shared memory, rollback journal."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def restore_sqlite(backup, alias="default"):
    """Copy a backup into the configured database, which must be empty (no tables at all)."""
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file.")
    checked = integrity(backup)
    if checked != "ok":
        raise BackupError(f"{backup} fails SQLite's integrity check ({checked}); not restored.")
    target_path = sqlite_path(alias)
    connection = connections[alias]
    if target_path.exists() and connection.introspection.table_names():
        raise BackupError(
            f"{target_path} already holds tables: restore only into an empty database "
            "(point DATABASE_URL at a new file)."
        )
    connection.close()
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    with source, target:
        source.backup(target)
    source.close()
    target.close()
    return integrity(target_path)


def postgres_commands(path, alias="default"):
    """(backup command, restore command) for this PostgreSQL database, ready to paste."""
    settings = connections[alias].settings_dict
    options = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            options += [flag, str(settings[key])]
    name = settings["NAME"]
    dump = ["pg_dump", *options, "--format=custom", "--no-owner", f"--file={path}", name]
    restore = ["pg_restore", *options, "--no-owner", "--exit-on-error", f"--dbname={name}", path]
    return shlex.join(dump), shlex.join(restore)
