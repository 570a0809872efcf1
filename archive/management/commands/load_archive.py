from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError

from archive.importing.fixtures import DEFAULT_FIXTURES, load_fixture_files


class Command(BaseCommand):
    help = (
        "Load the archive from fixture files, matching records on external ids. Records edited "
        "or deleted in the admin since they were loaded are kept as they are (and listed) "
        "unless --overwrite is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", type=Path, help=f"fixture files (default: {DEFAULT_FIXTURES[0]})"
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace records edited in the admin and recreate deleted ones (each is named)",
        )

    def handle(self, *args, paths, overwrite, **options):
        try:
            report = load_fixture_files(paths or None, overwrite=overwrite)
        except (ValidationError, DeserializationError, OSError) as error:
            raise CommandError(f"archive not loaded: {error}") from error
        self.stdout.write(str(report))
