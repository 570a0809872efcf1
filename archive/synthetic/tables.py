"""Bulk writes for the synthetic archive: rows are tuples, written in batches, in order.

At a million messages the ORM's per-object work (instances, signals, per-field preparation)
costs more than the database does, so the big tables are written with statements built from
the model's own metadata: on SQLite, INSERTs of as many rows as a statement takes parameters
(one statement per row costs SQLite several times more: each execution opens a cursor on every
index and sets up the reply trigger again); on PostgreSQL, `COPY … FROM STDIN`. Values are
adapted by the backend's own adapters only where a field needs it (dates, times, durations,
JSON, UUIDs). Both are ordinary writes for the database: every trigger on the tables (reply
integrity, full-text indexes) and every constraint applies as it does for any other INSERT.
"""

import itertools
import sqlite3
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models

# At most this many rows to a statement (the parameter limit usually stops us first).
MAX_ROWS_PER_STATEMENT = 2_000
# SQLite's page cache while writing, in KiB (its default is 2 MiB): with rows in time order the
# pages being written (the ends of the date-ordered indexes) fit, and are not re-read each batch.
SQLITE_WRITE_CACHE_KIB = 32 * 1024


def _converter(field, connection):
    """How a value of this field becomes what the database driver takes; None if as it is.

    The backend's own adapters, as the ORM uses them when it saves, minus its per-object work.
    """
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda value: ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.DurationField | models.UUIDField):
        return lambda value: field.get_db_prep_value(value, connection)
    return None


def max_parameters(connection):
    """How many parameters one statement may carry on this database."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65_535


class Table:
    """Pending rows for one table; `flush()` writes them in the order they were added."""

    def __init__(self, model, field_names):
        self.model = model
        self.connection = connection = connections[DEFAULT_DB_ALIAS]
        fields = [model._meta.get_field(name) for name in field_names]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        table = quote(model._meta.db_table)
        self._insert = f"INSERT INTO {table} ({columns}) VALUES "
        # PostgreSQL's own bulk load: its triggers and constraints apply as for INSERT, and
        # psycopg sends the rows as they come (an INSERT of thousands of placeholders would be
        # re-parsed by psycopg, in Python, for every statement).
        self._copy = (
            f"COPY {table} ({columns}) FROM STDIN" if connection.vendor == "postgresql" else None
        )
        placeholder = "?" if connection.Database.paramstyle == "qmark" else "%s"
        self._row_placeholders = "(" + ", ".join([placeholder] * len(fields)) + ")"
        self.rows_per_statement = min(
            MAX_ROWS_PER_STATEMENT, max_parameters(connection) // len(fields)
        )
        self._statements = {}
        self._converters = [
            (position, convert)
            for position, field in enumerate(fields)
            if (convert := _converter(field, connection)) is not None
        ]
        self.rows = []
        self.written = 0
        self._ids = itertools.count(1)

    def next_id(self):
        """The primary key of the next row (ids are given, so the rows are the same each run)."""
        return next(self._ids)

    def add(self, row):
        self.rows.append(row)

    def append(self, *values):
        """Add a row of the next id and these values (for link tables); return the id."""
        row_id = next(self._ids)
        self.rows.append((row_id, *values))
        return row_id

    def _statement(self, row_count):
        statement = self._statements.get(row_count)
        if statement is None:
            statement = self._insert + ", ".join([self._row_placeholders] * row_count)
            self._statements[row_count] = statement
        return statement

    def _converted(self, rows):
        if not self._converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, convert in self._converters:
                if row[position] is not None:
                    row[position] = convert(row[position])
            converted.append(row)
        return converted

    def flush(self, cursor):
        """Write the pending rows with `cursor`, in order, and forget them."""
        if self._copy and self.rows:
            with cursor.copy(self._copy) as copy:
                for row in self._converted(self.rows):
                    copy.write_row(row)
        else:
            step = self.rows_per_statement
            for start in range(0, len(self.rows), step):
                chunk = self._converted(self.rows[start : start + step])
                cursor.execute(
                    self._statement(len(chunk)), [value for row in chunk for value in row]
                )
        self.written += len(self.rows)
        self.rows = []


def raw_cursor():
    """The database driver's own cursor, in its own parameter style, beneath Django's cursor
    wrappers: with DEBUG on, Django's query log would keep the text of every statement of
    thousands of values (SQLite's after quoting each one), and its SQLite wrapper would rewrite
    every statement's placeholders. It is the same connection, inside the caller's transaction;
    errors are the driver's own, and the transaction rolls back on any of them."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    return connection.connection.cursor()


def reset_sequences(models_written):
    """After explicit primary keys: let the database's next id follow the highest written.

    PostgreSQL's sequences do not move when an id is given; SQLite needs nothing (AUTOINCREMENT
    reads the table's highest id).
    """
    from django.core.management.color import no_style

    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models_written):
            cursor.execute(statement)


@contextmanager
def bulk_write_settings():
    """A larger page cache on SQLite while writing (restored after); nothing elsewhere."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def shrink_write_ahead_log():
    """After one large transaction on SQLite, copy the write-ahead log into the database and
    empty it, so the file (as large as everything written) does not stay on disk beside it."""
    connection = connections[DEFAULT_DB_ALIAS]
    # Inside an enclosing transaction (a test's) there is nothing committed to copy yet.
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
