"""manage.py export_annotations: notes to a file, for curators (annotations/exports.py)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.exports import NOTE_FORMATS, note_file_chunks
from annotations.models import Annotation
from archive.exports.files import DEFAULT_DIALECT, DIALECTS


class Command(BaseCommand):
    help = (
        "Write notes as W3C Web Annotation JSON-LD, CSV, Markdown or JSON. Curators' scope: every "
        "note that is not deleted (also private, group, hidden ones and those on withdrawn "
        "records); --public-only keeps what any reader may see. Permalinks start with SITE_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", help="only this user's notes (a username)")
        parser.add_argument("--format", choices=NOTE_FORMATS, default="jsonld")
        parser.add_argument(
            "--dialect",
            choices=DIALECTS,
            default=DEFAULT_DIALECT,
            help=f"for --format csv (default: {DEFAULT_DIALECT})",
        )
        parser.add_argument(
            "--public-only", action="store_true", help="only notes any reader may see"
        )
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, user, format, dialect, public_only, output, **options):
        if public_only:
            notes = Annotation.objects.visible_to(None)
        else:
            # Curators read every note in the admin; a deleted one is gone for everyone.
            notes = Annotation.objects.filter(deleted_at__isnull=True)
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"No user named {user!r}.")
            notes = notes.filter(author=author)
        chunks = note_file_chunks(notes, format, settings.SITE_URL, dialect=dialect)
        if output:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"No folder {path.parent} to write {path.name} into.")
            with path.open("w", encoding="utf-8", newline="") as out:
                for chunk in chunks:
                    out.write(chunk)
            self.stderr.write(f"Wrote {notes.count()} notes to {path} ({format}).")
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
