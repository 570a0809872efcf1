"""The full-text index in the database, one statement list per backend.

Migrations call these builders, so what they produce for a given table must never change: a new
index shape is a new builder and a new migration.

SQLite: an FTS5 *external-content* table per record table (`archive_message_fts` for
`archive_message`): the index stores only tokens, the text stays in the record's own row, and
three triggers keep the two in step on insert, delete and any update of the indexed columns.
Words are folded by `unicode61 remove_diacritics 2` ("café" and "cafe" are one word) and stemmed
by `porter` ("leaks", "leaked" and "leak" are one word).

PostgreSQL: a stored generated `tsvector` column (`search_document`) on the record's own table,
under a GIN index, made by the `backchannel` text search configuration: `unaccent`, then English
Snowball stemming without a stop-word list, so both databases find the same words.
"""

SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
POSTGRES_CONFIG = "backchannel"


def fts_table(table):
    return f"{table}_fts"


def sqlite_forward(table, columns):
    fts = fts_table(table)
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    insert_new = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
        f"content_rowid='id', tokenize='{SQLITE_TOKENIZER}');",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert_new} END;",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete_old} END;",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} "
        f"BEGIN {delete_old} {insert_new} END;",
        # Index what the table already holds.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild');",
    ]


def sqlite_reinstall_triggers(table, columns):
    """The three triggers of `sqlite_forward` again, and a rebuild of the index: for a
    migration after which SQLite's table remake (Django's way to add a NOT NULL column, among
    others) has dropped them with the old table."""
    statements = sqlite_forward(table, columns)
    triggers = [statement for statement in statements if statement.startswith("CREATE TRIGGER")]
    fts = fts_table(table)
    return [
        *(f"DROP TRIGGER IF EXISTS {fts}_{action};" for action in ("insert", "delete", "update")),
        *triggers,
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild');",
    ]


def sqlite_reverse(table, columns):
    fts = fts_table(table)
    return [
        f"DROP TRIGGER IF EXISTS {fts}_insert;",
        f"DROP TRIGGER IF EXISTS {fts}_delete;",
        f"DROP TRIGGER IF EXISTS {fts}_update;",
        f"DROP TABLE IF EXISTS {fts};",
    ]


POSTGRES_CONFIG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent;",
    "CREATE TEXT SEARCH DICTIONARY backchannel_english_stem "
    "(TEMPLATE = snowball, Language = english);",
    f"CREATE TEXT SEARCH CONFIGURATION {POSTGRES_CONFIG} (COPY = simple);",
    f"ALTER TEXT SEARCH CONFIGURATION {POSTGRES_CONFIG} ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part "
    "WITH unaccent, backchannel_english_stem;",
]
POSTGRES_CONFIG_REVERSE = [
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {POSTGRES_CONFIG};",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS backchannel_english_stem;",
]


def postgres_document(columns):
    """The tsvector of a row: each column on its own (a JSON column's string values). A
    "separated" column is read as SQLite reads every column, with each run of characters that
    are not letters or digits a separator: PostgreSQL's parser would keep an address
    (ann@example.org) or a file name (harbour-invoices.pdf) as one word, which no search for
    "ann" or "harbour" finds."""
    return " || ".join(_postgres_column(c, kind) for c, kind in columns)


def _postgres_column(column, kind):
    if kind == "text":
        return f"to_tsvector('{POSTGRES_CONFIG}'::regconfig, coalesce({column}, ''))"
    if kind == "separated":
        return (
            f"to_tsvector('{POSTGRES_CONFIG}'::regconfig, "
            f"regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g'))"
        )
    return f"to_tsvector('{POSTGRES_CONFIG}'::regconfig, coalesce({column}, '[]'::jsonb))"


def postgres_forward(table, columns):
    """columns: (name, 'text' | 'separated' | 'jsonb') pairs."""
    return [
        f"ALTER TABLE {table} ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({postgres_document(columns)}) STORED;",
        f"CREATE INDEX {table}_search_idx ON {table} USING gin (search_document);",
    ]


def postgres_reverse(table, columns):
    return [
        f"DROP INDEX IF EXISTS {table}_search_idx;",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_document;",
    ]


def forward(tables):
    """A RunPython function creating the index of each (table, [(column, 'text'|'jsonb')])."""

    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = []
        if vendor == "sqlite":
            for table, columns in tables:
                statements += sqlite_forward(table, [name for name, _ in columns])
        elif vendor == "postgresql":
            for table, columns in tables:
                statements += postgres_forward(table, columns)
        for statement in statements:
            schema_editor.execute(statement)

    return apply


def reverse(tables):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for table, columns in tables:
            if vendor == "sqlite":
                statements = sqlite_reverse(table, [name for name, _ in columns])
            elif vendor == "postgresql":
                statements = postgres_reverse(table, columns)
            else:
                statements = []
            for statement in statements:
                schema_editor.execute(statement)

    return apply


def postgres_config_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CONFIG_FORWARD:
            schema_editor.execute(statement)


def postgres_config_reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CONFIG_REVERSE:
            schema_editor.execute(statement)
