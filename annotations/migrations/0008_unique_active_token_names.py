from django.conf import settings
from django.db import migrations, models


def tell_apart_active_tokens_sharing_a_name(apps, schema_editor):
    """Before the rule: a second active token of one user with the same name becomes
    "name (2)", a third "name (3)"…, skipping any name that user's active tokens already have
    (names stay within 80 characters). Nothing is revoked."""
    ApiToken = apps.get_model("annotations", "ApiToken")
    active = ApiToken.objects.filter(revoked_at__isnull=True).order_by("created", "pk")
    taken = set(active.values_list("user_id", "name"))
    kept = set()
    for token in active:
        if (token.user_id, token.name) not in kept:
            kept.add((token.user_id, token.name))
            continue
        n = 2
        while True:
            suffix = f" ({n})"
            name = token.name[: 80 - len(suffix)] + suffix
            if (token.user_id, name) not in taken:
                break
            n += 1
        taken.add((token.user_id, name))
        kept.add((token.user_id, name))
        token.name = name
        token.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_link_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(tell_apart_active_tokens_sharing_a_name, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_at__isnull", True)),
                fields=("user", "name"),
                name="apitoken_unique_active_name",
                violation_error_message="You already have a token in use with this name.",
            ),
        ),
    ]
