from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from archive.importers import DEFAULT_FIXTURES, load_fixture_files


class Command(BaseCommand):
    help = "Load (or refresh) the archive from fixture files, matching records on external ids."

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", type=Path, help=f"fixture files (default: {DEFAULT_FIXTURES[0]})"
        )

    def handle(self, *args, paths, **options):
        try:
            report = load_fixture_files(paths or None)
        except (ValidationError, OSError) as error:
            raise CommandError(f"archive not loaded: {error}") from error
        self.stdout.write(str(report))
