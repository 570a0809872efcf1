"""manage.py undo_import BATCH [--dry-run]: undo an import that nothing depends on."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from archive.importing.undo import UndoRefused, undo_batch, what_depends_on
from archive.models import ImportBatch


def _command_user():
    try:
        return f"manage.py undo_import (system user {getpass.getuser()})"
    except (KeyError, OSError):
        return "manage.py undo_import"


class Command(BaseCommand):
    help = (
        "Undo an import batch: its messages go, with the conversations, accounts, people and "
        "sources only they used and its attachment files; the batch stays, marked undone. "
        "Refused, naming each, when anything depends on it (published messages, notes, "
        "curators' corrections or edits, records pointing at them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("batch", type=int, help="the batch's number (the admin shows it)")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what depends on it, change nothing"
        )

    def handle(self, *args, batch, dry_run, **options):
        found = ImportBatch.objects.filter(pk=batch).first()
        if found is None:
            raise CommandError(f"There is no import batch {batch}.")
        blockers = what_depends_on(found)
        if blockers:
            raise CommandError(
                f"Batch {batch} ({found.file_name}) cannot be undone: " + "; ".join(blockers) + "."
            )
        if dry_run:
            count = found.messages.count()
            self.stdout.write(
                f"Batch {batch} ({found.file_name}) can be undone: {count:,} message(s) would go."
            )
            return
        try:
            gone = undo_batch(found, by=_command_user())
        except UndoRefused as refused:
            raise CommandError(f"Batch {batch} cannot be undone: {refused}.") from refused
        self.stdout.write(
            f"Undid batch {batch} ({found.file_name}): removed {gone['messages']:,} message(s), "
            f"{gone['threads']:,} thread(s), {gone['accounts']:,} account(s), "
            f"{gone['people']:,} people, {gone['sources']:,} source(s) and "
            f"{gone['attachments']:,} attachment(s). The file may be imported again."
        )
