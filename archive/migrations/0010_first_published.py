"""When a record was first published, for the records feed.

Records already in the archive keep an empty date: when they were first published is not known,
and no date is made up for them. A nullable column without a default is added by ALTER TABLE on
SQLite, so archive_message is not remade and keeps its triggers.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_link_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="first_published_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the record was first published (set by the archive).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="first_published_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the record was first published (set by the archive).",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("first_published_at__isnull", False), ("is_published", True)),
                fields=["first_published_at", "id"],
                name="event_first_published_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("first_published_at__isnull", False), ("is_published", True)),
                fields=["first_published_at", "id"],
                name="message_first_published_idx",
            ),
        ),
    ]
