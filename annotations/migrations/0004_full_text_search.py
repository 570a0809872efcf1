"""Full-text search over notes: body, quoted words and tags (archive/search/schema.py)."""

import django.db.models.deletion
from django.db import migrations, models

import archive.search.fields

from archive.search import schema

TABLES = [
    ("annotations_annotation", [("body", "text"), ("quote_exact", "text"), ("tags", "jsonb")]),
]


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0003_names_and_link_titles_refuse_invisible_controls"),
        ("archive", "0005_full_text_search"),
    ]

    operations = [
        migrations.RunPython(schema.forward(TABLES), schema.reverse(TABLES)),
        # The ORM's view of the SQLite index tables (unmanaged: the statements above make them).
        migrations.CreateModel(
            name='AnnotationSearchEntry',
            fields=[
                ('record', models.OneToOneField(db_column='rowid', db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_entry', serialize=False, to='annotations.annotation')),
                ('document', archive.search.fields.FullTextColumn(db_column='annotations_annotation_fts')),
            ],
            options={
                'db_table': 'annotations_annotation_fts',
                'managed': False,
            },
        ),
    ]
