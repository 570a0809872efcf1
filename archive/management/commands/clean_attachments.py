"""manage.py clean_attachments [--older-than HOURS]"""

from django.core.management.base import BaseCommand

from archive.importing.attachment_files import STAGING_HOURS, clean_attachment_files


class Command(BaseCommand):
    help = (
        "Remove the attachment files a killed import left behind: staging folders older than "
        "--older-than hours (after moving into place any file a committed attachment names), "
        "and files under attachments/ that no attachment names. Run it from cron; "
        "`make serve` runs it at start."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=STAGING_HOURS,
            metavar="HOURS",
            help=f"Leave younger staging folders alone: an import may be writing them "
            f"(default {STAGING_HOURS}).",
        )

    def handle(self, *args, **options):
        counts = clean_attachment_files(options["older_than"])
        self.stdout.write(
            f"removed {counts['staging_folders']} staging folder(s) "
            f"({counts['files_recovered']} file(s) moved into place first) and "
            f"{counts['orphans']} file(s) no attachment names"
        )
