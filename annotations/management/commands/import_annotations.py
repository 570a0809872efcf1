"""manage.py import_annotations FILE: notes from W3C Web Annotation JSON-LD.

The work is annotations/w3c/importing.py's."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.models import Annotation
from annotations.w3c import jsonld, shape
from annotations.w3c.importing import import_document

MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import notes from a W3C Web Annotation JSON-LD file (one annotation, a list, an "
        "AnnotationPage or an AnnotationCollection). Ours (from export_annotations or a dataset "
        "release) come back exactly; notes from other tools that target our permalinks are "
        "anchored by their quote. Reports each item: imported, skipped (why), failed (why)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .json / .jsonld file")
        parser.add_argument(
            "--user",
            help="author of notes whose creator has no account here (e.g. from Hypothesis)",
        )
        parser.add_argument(
            "--visibility",
            choices=[c for c, _ in Annotation.Visibility.choices if c != "group"],
            default="private",
            help="sharing of notes that do not say (default: private)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report; save nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, path, user, visibility, dry_run, **options):
        document = self._read(Path(path))
        author = None
        if user:
            author = get_user_model().objects.filter(username=user, is_active=True).first()
            if author is None:
                raise CommandError(f"No active user named {user!r}.")
        try:
            report = import_document(
                document, default_author=author, default_visibility=visibility, dry_run=dry_run
            )
        except jsonld.W3CError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            for outcome in report.outcomes:
                detail = f"{outcome.uuid} on {outcome.target}" if outcome.uuid else outcome.reason
                self.stdout.write(f"#{outcome.number} {outcome.status}: {detail}")
            verb = "would import" if dry_run else "imported"
            summary = (
                f"{verb} {report.count('imported')}, skipped {report.count('skipped')}, "
                f"failed {report.count('failed')}"
            )
            self.stdout.write(summary + (" (dry run: nothing saved)" if dry_run else ""))
        failed = [o for o in report.outcomes if o.status == "failed"]
        if failed:
            reasons = "; ".join(f"#{o.number}: {o.reason}" for o in failed[:5])
            raise CommandError(
                f"{len(failed)} annotation(s) could not be imported ({reasons}). "
                "The others were imported."
                if report.count("imported") and not dry_run
                else f"{len(failed)} annotation(s) could not be imported ({reasons})."
            )

    def _read(self, path):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB.")
        try:
            return shape.parse(path.read_text(encoding="utf-8-sig"))
        except shape.ShapeError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text. Nothing was imported.") from None
        except ValueError as error:
            raise CommandError(f"{path}: not valid JSON ({error}). Nothing was imported.") from None
