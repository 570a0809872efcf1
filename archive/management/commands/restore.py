"""manage.py restore PATH: a backup into the configured, empty database (ops/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "SQLite: copy a backup made by `manage.py backup` into the configured database, which "
        "must be empty, and check it. PostgreSQL: print the pg_restore command."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a backup written by manage.py backup")

    def handle(self, *args, path, **options):
        if backups.vendor() == "postgresql":
            _, restore = backups.postgres_commands(path)
            self.stdout.write(f"Restore into an empty PostgreSQL database with:\n  {restore}\n")
            return
        try:
            checked = backups.restore_sqlite(path)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        if checked != "ok":
            raise CommandError(f"The restored database fails SQLite's integrity check: {checked}")
        self.stdout.write(f"restored {path} into {backups.sqlite_path()}: integrity ok")
