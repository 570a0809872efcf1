"""Database-enforced reply integrity: a reply is in its parent's thread, after its parent.

Django cannot express a cross-row check as a CheckConstraint, so each backend gets a trigger.
"""

from django.db import migrations

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER archive_message_reply_integrity_{action.lower()}
    BEFORE {action} ON archive_message
    FOR EACH ROW WHEN NEW.in_reply_to_id IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'archive_message: a reply must be in its parent''s thread, after it')
        WHERE EXISTS (
            SELECT 1 FROM archive_message AS parent
            WHERE parent.id = NEW.in_reply_to_id
              AND (parent.thread_id != NEW.thread_id OR parent.position >= NEW.position)
        );
    END;
    """
    for action in ("INSERT", "UPDATE")
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS archive_message_reply_integrity_insert;",
    "DROP TRIGGER IF EXISTS archive_message_reply_integrity_update;",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION archive_message_reply_integrity() RETURNS trigger AS $$
    BEGIN
        IF NEW.in_reply_to_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM archive_message AS parent
            WHERE parent.id = NEW.in_reply_to_id
              AND (parent.thread_id <> NEW.thread_id OR parent.position >= NEW.position)
        ) THEN
            RAISE EXCEPTION 'archive_message: a reply must be in its parent''s thread, after it'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER archive_message_reply_integrity
    BEFORE INSERT OR UPDATE ON archive_message
    FOR EACH ROW EXECUTE FUNCTION archive_message_reply_integrity();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS archive_message_reply_integrity ON archive_message;",
    "DROP FUNCTION IF EXISTS archive_message_reply_integrity();",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
