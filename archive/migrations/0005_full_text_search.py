"""Full-text search over messages, events, people and sources (archive/search/schema.py)."""

import django.db.models.deletion
from django.db import migrations, models

import archive.search.fields

from archive.search import schema

TABLES = [
    ("archive_message", [("text", "text"), ("summary", "text")]),
    ("archive_event", [("title", "text"), ("description", "text")]),
    ("archive_person", [("name", "text"), ("description", "text")]),
    ("archive_source", [("title", "text"), ("publisher", "text"), ("note", "text")]),
]


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_loaded_fixtures_and_corrections")]

    operations = [
        migrations.RunPython(schema.postgres_config_forward, schema.postgres_config_reverse),
        migrations.RunPython(schema.forward(TABLES), schema.reverse(TABLES)),
        # The ORM's view of the SQLite index tables (unmanaged: the statements above make them).
        migrations.CreateModel(
            name='EventSearchEntry',
            fields=[
                ('record', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='archive.event')),
                ('document', archive.search.fields.FullTextColumn(db_column='archive_event_fts')),
            ],
            options={
                'db_table': 'archive_event_fts',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='MessageSearchEntry',
            fields=[
                ('record', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='archive.message')),
                ('document', archive.search.fields.FullTextColumn(db_column='archive_message_fts')),
            ],
            options={
                'db_table': 'archive_message_fts',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='PersonSearchEntry',
            fields=[
                ('record', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='archive.person')),
                ('document', archive.search.fields.FullTextColumn(db_column='archive_person_fts')),
            ],
            options={
                'db_table': 'archive_person_fts',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='SourceSearchEntry',
            fields=[
                ('record', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='archive.source')),
                ('document', archive.search.fields.FullTextColumn(db_column='archive_source_fts')),
            ],
            options={
                'db_table': 'archive_source_fts',
                'managed': False,
            },
        ),
    ]
