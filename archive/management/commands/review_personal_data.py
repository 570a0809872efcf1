"""manage.py review_personal_data [--batch N | --collection ID]: find likely personal data."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from archive.models import Collection, ImportBatch, Message, PersonalDataHit
from archive.models.personal_data import scan


class Command(BaseCommand):
    help = (
        "Find likely personal data (phone numbers, e-mail and postal addresses, IBANs and card "
        "numbers with valid checksums, national id numbers, the lexicon's terms) in the messages "
        "of an import batch, a collection or the whole archive, for curators to withhold or keep "
        "in the admin (Personal data hits). Hits found before keep their decisions."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--batch", type=int, help="an import batch's number")
        scope.add_argument("--collection", help="a collection's id")

    def handle(self, *args, batch=None, collection=None, **options):
        messages = Message.objects.all()
        if batch is not None:
            if not ImportBatch.objects.filter(pk=batch).exists():
                raise CommandError(f"There is no import batch {batch}.")
            messages = messages.filter(import_batch=batch)
        elif collection:
            found = Collection.objects.filter(external_id=collection).first()
            if found is None:
                raise CommandError(f"There is no collection {collection!r}.")
            messages = messages.filter(thread__collection=found)
        new = scan(messages)
        hits = PersonalDataHit.objects.filter(message__in=messages)
        kinds = dict(hits.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
        labels = dict(PersonalDataHit.Kind.choices)
        listed = ", ".join(f"{count} {labels[kind]}" for kind, count in kinds.items()) or "none"
        waiting = hits.filter(decision="").count()
        self.stdout.write(
            f"Read {messages.count()} message(s): {new} new hit(s). Likely personal data: "
            f"{listed}; {waiting} undecided (admin: Personal data hits)."
        )
