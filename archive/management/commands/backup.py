"""manage.py backup PATH: a consistent copy of the live database (ops/backups.py)."""

from django.core.management.base import BaseCommand, CommandError

from ops import backups


class Command(BaseCommand):
    help = (
        "SQLite: write a consistent copy of the live database to PATH with SQLite's online "
        "backup API (safe while the app is writing) and check it. PostgreSQL: print the "
        "pg_dump command that makes the backup (and the pg_restore command that restores it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write (never overwritten)")

    def handle(self, *args, path, **options):
        if backups.vendor() == "postgresql":
            dump, restore = backups.postgres_commands(path)
            self.stdout.write("PostgreSQL is backed up with its own tools. Run:\n")
            self.stdout.write(f"  {dump}\n")
            self.stdout.write("and restore into an empty database with:\n")
            self.stdout.write(f"  {restore}\n")
            return
        try:
            size = backups.backup_sqlite(path)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"backed up to {path}: {size:,} bytes, integrity ok")
