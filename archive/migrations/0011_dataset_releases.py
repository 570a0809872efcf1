import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_first_published"),
    ]

    operations = [
        migrations.CreateModel(
            name="DatasetRelease",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(max_length=40, unique=True)),
                (
                    "date",
                    models.DateField(help_text="The date the release carries (in its manifest)."),
                ),
                ("licence", models.CharField(max_length=100)),
                ("file_name", models.CharField(max_length=200, unique=True)),
                ("size", models.BigIntegerField(help_text="Bytes.")),
                ("sha256", models.CharField(max_length=64)),
                (
                    "counts",
                    models.JSONField(default=dict, help_text='{"messages": 24, "notes": 9, …}'),
                ),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-date", "-created", "-pk"],
            },
        ),
    ]
