import django.db.models.deletion
from django.db import migrations, models

IMPORTER_NOTE = "Named by a CSV transcription's source_url."


def mark_the_sources_imports_made(apps, schema_editor):
    """Sources the importer made before this field: its note and id pattern, and the batch of
    a message that cites it. (One no message cites any more cannot be traced to its batch.)"""
    Source = apps.get_model("archive", "Source")
    Message = apps.get_model("archive", "Message")
    for source in Source.objects.filter(note=IMPORTER_NOTE, external_id__startswith="src-"):
        batch_id = (
            Message.objects.filter(sources=source, import_batch__isnull=False)
            .values_list("import_batch_id", flat=True)
            .order_by("import_batch_id")
            .first()
        )
        if batch_id:
            Source.objects.filter(pk=source.pk).update(import_batch_id=batch_id)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0011_dataset_releases"),
    ]

    operations = [
        migrations.AddField(
            model_name="source",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sources",
                to="archive.importbatch",
            ),
        ),
        migrations.RunPython(mark_the_sources_imports_made, migrations.RunPython.noop),
    ]
