"""manage.py import_messages PATH [--format …] [--thread ID] [--dry-run] [--publish]"""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from archive.importing import formats
from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.importing.report import describe


class Command(BaseCommand):
    help = (
        "Import messages from an mbox, a folder of .eml or Outlook .msg files, a Twitter/X "
        "archive (folder or zip), a Telegram export (result.json), a WhatsApp chat (_chat.txt) "
        "or a CSV. Imported messages stay unpublished until a curator publishes them "
        "(or --publish)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--format", choices=sorted(formats.names()), help="Detected when not given."
        )
        parser.add_argument(
            "--thread",
            metavar="EXTERNAL_ID",
            help="Put every message in this thread (made if it does not exist).",
        )
        parser.add_argument(
            "--collection",
            metavar="NAME",
            help="The collection its new conversations go into (made when new; its short name "
            "is the name's slug). Default: a collection made for the file.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created, matched, skipped and failed; write nothing.",
        )
        parser.add_argument(
            "--publish", action="store_true", help="Publish the imported messages at once."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the readable messages even when some cannot be read.",
        )
        parser.add_argument("--user", metavar="USERNAME", help="Record this user as who imported.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            result = import_path(
                options["path"],
                format=options["format"],
                thread=options["thread"],
                collection=options["collection"],
                dry_run=options["dry_run"],
                publish=options["publish"],
                user=user,
                skip_invalid=options["skip_invalid"],
            )
        except FileRefused as error:
            raise CommandError(f"Nothing was imported: {error}") from error
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "file": result.file_name,
                        "sha256": result.sha256,
                        "format": result.format,
                        "dry_run": result.dry_run,
                        "batch": result.batch.pk if result.batch else None,
                        "refused": result.refused,
                        "report": result.report,
                    },
                    indent=2,
                )
            )
        else:
            self.stdout.write(describe(result))
        if result.refused:
            raise CommandError(result.refused)
