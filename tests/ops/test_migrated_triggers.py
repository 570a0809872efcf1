"""Triggers survive migrations. On SQLite, Django adds some columns by remaking the table (a
copy, then a drop of the old one) and the old table's triggers go with it: a later migration
must put them back. This checks the migrated test database holds every trigger the earlier
migrations made, so a migration that loses one fails here, not silently in production."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = {
    "archive_message_reply_integrity_insert",
    "archive_message_reply_integrity_update",
    *(
        f"{table}_fts_{action}"
        for table in (
            "archive_message",
            "archive_event",
            "archive_person",
            "archive_source",
            "annotations_annotation",
        )
        for action in ("insert", "update", "delete")
    ),
}


def test_every_trigger_is_still_there_after_all_migrations():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE_TRIGGERS
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = {"archive_message_reply_integrity"}
        present = {row[0] for row in cursor.fetchall()}
    assert expected <= present, sorted(expected - present)
