"""The same published rows, exported from a Backchannel SQLite archive for Datasette to serve.

One SQLite file with what a reader of the archive sees: `messages` (one row per published
message, sender and recipients written out, foreign keys to `threads` and `people` so Datasette
shows their labels), `threads`, `people` and `annotations` (the public notes on published
messages). Ids are Backchannel's primary keys, so a record is found on both sides by its
`external_id`. A fair Datasette publisher would add full-text search on the text columns and an
index for each filter and sort the pages use; those are here (see INDEXES).
"""

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    thread_id INTEGER REFERENCES threads(id),
    position INTEGER,
    sender_id INTEGER REFERENCES people(id),
    sender_handle TEXT,
    recipients TEXT,
    channel TEXT,
    date TEXT,
    date_latest TEXT,
    sent_at TEXT,
    text TEXT,
    summary TEXT,
    text_status TEXT,
    in_reply_to INTEGER REFERENCES messages(id)
);
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    message_id INTEGER REFERENCES messages(id),
    quote TEXT,
    body TEXT,
    created TEXT
);
"""

# Datasette's table page orders `_sort_desc=date` as (date DESC, id) and pages with
# `date < :v OR (date = :v AND id > :id)`; a thread as (position, id). Each index below serves
# one filter of the comparison together with that order, as Backchannel's partial indexes do.
INDEXES = """
CREATE INDEX messages_date ON messages (date DESC, id);
CREATE INDEX messages_sender_date ON messages (sender_id, date DESC, id);
CREATE INDEX messages_thread_position ON messages (thread_id, position, id);
CREATE INDEX messages_in_reply_to ON messages (in_reply_to);
CREATE INDEX annotations_message ON annotations (message_id);
"""

# External-content FTS5 table over messages(text, summary), the shape `sqlite-utils enable-fts
# --fts5` makes; Datasette finds it by its content= option and serves ?_search= from it. Datasette
# 0.65 recognises that option only as content="messages" or content=[messages]
# (datasette.utils.detect_fts_sql): with single quotes it silently ignored ?_search= and served
# its plain first page, which the search rows of earlier benchmarks compared us with.
# Bumped when the export's shape changes: an export made by an older one is made again.
EXPORT_VERSION = 2
FULL_TEXT = """
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, summary, content=[messages], content_rowid=[id]
);
INSERT INTO messages_fts (rowid, text, summary) SELECT id, text, summary FROM messages;
INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
"""

COPY_ROWS = """
INSERT INTO people (id, external_id, name)
    SELECT id, external_id, name FROM source.archive_person;
INSERT INTO threads (id, external_id, title)
    SELECT id, external_id, title FROM source.archive_thread;
INSERT INTO messages
    SELECT m.id, m.external_id, m.thread_id, m.position, a.person_id,
           a.handle || ' (' || p.name || ')',
           (SELECT group_concat(ra.handle || ' (' || rp.name || ')', ', ')
              FROM source.archive_message_recipients r
              JOIN source.archive_account ra ON ra.id = r.account_id
              JOIN source.archive_person rp ON rp.id = ra.person_id
             WHERE r.message_id = m.id),
           m.channel, m.date_earliest, m.date_latest, m.sent_at, m.text, m.summary,
           m.text_status, m.in_reply_to_id
      FROM source.archive_message m
      JOIN source.archive_account a ON a.id = m.sender_id
      JOIN source.archive_person p ON p.id = a.person_id
     WHERE m.is_published
     ORDER BY m.id;
INSERT INTO annotations (id, message_id, quote, body, created)
    SELECT n.id, n.message_id, n.quote_exact, n.body, n.created
      FROM source.annotations_annotation n
      JOIN messages m ON m.id = n.message_id
     WHERE n.visibility = 'public' AND n.deleted_at IS NULL AND NOT n.is_hidden;
"""


def export(backchannel_sqlite: Path, datasette_db: Path) -> dict:
    """Write `datasette_db` from the archive in `backchannel_sqlite`; return its row counts."""
    partial = datasette_db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    # uri=True lets ATTACH open the archive read-only (file:…?mode=ro).
    connection = sqlite3.connect(f"file:{partial}", uri=True)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("ATTACH DATABASE ? AS source", (f"file:{backchannel_sqlite}?mode=ro",))
        with connection:
            connection.executescript(SCHEMA)
            connection.executescript(COPY_ROWS)
            connection.executescript(INDEXES)
            connection.executescript(FULL_TEXT)
        connection.execute("DETACH DATABASE source")
        connection.execute("VACUUM")
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("messages", "threads", "people", "annotations")
        }
    finally:
        connection.close()
    partial.replace(datasette_db)
    return counts
