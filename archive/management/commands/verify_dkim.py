"""manage.py verify_dkim [--batch N]: check again the DKIM signatures no key could check."""

import base64

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from archive.models import Authenticity, DkimCheck, ImportBatch, Message
from archive.models.authenticity import check_signatures


class Command(BaseCommand):
    help = (
        "Check again, with the DKIM keys curators have supplied since (Admin → DKIM keys), the "
        "signatures of imported e-mail that could not be checked at import (no key). A message "
        "that now verifies becomes 'verified by metadata' unless a curator set its status."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, help="only this import batch's messages")

    def handle(self, *args, batch=None, **options):
        waiting = Message.objects.filter(
            dkim_checks__result=DkimCheck.Result.NO_KEY, original__has_key="raw_base64"
        ).distinct()
        if batch is not None:
            if not ImportBatch.objects.filter(pk=batch).exists():
                raise CommandError(f"There is no import batch {batch}.")
            waiting = waiting.filter(import_batch=batch)
        counts = {result: 0 for result in DkimCheck.Result.values}
        for message in waiting.iterator():
            checks = check_signatures(base64.b64decode(message.original["raw_base64"]))
            with transaction.atomic():
                message.dkim_checks.all().delete()
                DkimCheck.objects.bulk_create(
                    [DkimCheck(message=message, **check) for check in checks]
                )
                verified = [DkimCheck(**check) for check in checks if check["result"] == "verified"]
                if (
                    verified
                    and message.authenticity_set_by_id is None
                    and (message.authenticity == Authenticity.UNVERIFIED)
                ):
                    message.set_authenticity(
                        Authenticity.VERIFIED, " ".join(check.summary for check in verified)
                    )
                    message.save(update_fields=["authenticity", "authenticity_evidence",
                                                "authenticity_set_at"])  # fmt: skip
            for check in checks:
                counts[check["result"]] += 1
        self.stdout.write(
            f"Checked {sum(counts.values())} signature(s): {counts['verified']} verified, "
            f"{counts['failed']} failed, {counts['no_key']} still without a key."
        )
