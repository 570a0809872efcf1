"""manage.py release_dataset --version V: a versioned zip of the published archive and its
public notes (archive/exports/release.py), recorded so the /data/ page lists it."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from archive.exports.release import DEFAULT_LICENCE, ReleaseError, check_version, write_release
from archive.models import Collection, DatasetRelease


def iso_day(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Write backchannel-VERSION.zip: JSON and CSV of every published message, thread, event, "
        "person, source and discrepancy, every public note as W3C JSON-LD and CSV, a README and "
        "a manifest with SHA-256 checksums. The same data, version, date and licence give the "
        "same bytes. Never overwrites a release."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Django's own --version (its version number) gives way to the release's version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", dest="release_version", required=True)
        parser.add_argument(
            "--output-dir", help="default: MEDIA_ROOT/releases (what /data/ serves)"
        )
        parser.add_argument(
            "--licence", default=DEFAULT_LICENCE, help=f"default: {DEFAULT_LICENCE}"
        )
        parser.add_argument(
            "--collection",
            metavar="ID",
            help="release one collection (its records, the people and sources they name, the "
            "public notes on them); default: the whole site",
        )
        parser.add_argument(
            "--date",
            help="the release's date, YYYY-MM-DD (default: the day of the latest change the data "
            "records: a public note written or edited, a correction, an import)",
        )

    def handle(self, *args, release_version, output_dir, licence, date, collection, **options):
        day = iso_day(date) if date else None
        chosen = None
        if collection:
            chosen = Collection.objects.filter(external_id=collection).first()
            if chosen is None:
                raise CommandError(f"There is no collection {collection!r}. Nothing was written.")
        licence = (licence or "").strip()
        if not licence:
            raise CommandError("--licence must name a licence.")
        try:
            check_version(release_version)
            path, release, sha256, size = write_release(
                release_version,
                output_dir=output_dir,
                day=day,
                licence=licence,
                collection=chosen,
            )
        except ReleaseError as error:
            raise CommandError(f"{error} Nothing was written.") from None
        DatasetRelease.objects.create(
            version=release.version,
            date=release.date,
            licence=release.licence,
            file_name=path.name,
            size=size,
            sha256=sha256,
            counts=release.counts,
            collection=chosen,
        )
        counts = ", ".join(f"{kind} {n}" for kind, n in release.counts.items())
        self.stdout.write(f"Wrote {path} ({size} bytes), dated {release.date.isoformat()}.")
        self.stdout.write(f"sha256 {sha256}")
        self.stdout.write(counts)
