"""A versioned dataset release: one zip of every published record and every public note.

`write_release` writes `backchannel-<version>.zip`; the same database, version, date and licence
always give the same bytes: files in a fixed order with a fixed timestamp (the release date) and
permissions, rows in external-id order, no clock read anywhere (the date is given, or is the
latest change the data records: see `latest_change`).
"""

import hashlib
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Q
from django.urls import reverse

from annotations.exports import NOTES, as_jsonld
from annotations.models import Annotation
from archive.exports import files as exports
from archive.models import Correction, Event, ImportBatch, Message, Person

VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
DEFAULT_LICENCE = "CC BY 4.0"
# Permissions of every file in the zip (rw-r--r--, a regular file), written by a Unix system.
FILE_MODE = 0o100644 << 16


class ReleaseError(Exception):
    """A release that cannot be made as asked: the message says why; nothing was written."""


def releases_dir():
    return Path(settings.MEDIA_ROOT) / "releases"


def file_name(version):
    return f"backchannel-{version}.zip"


def check_version(version):
    if not VERSION_PATTERN.fullmatch(version or ""):
        raise ReleaseError(
            "A version is 1–40 letters, digits, dots, hyphens or underscores, starting with a "
            f"letter or digit (e.g. 1.0 or 2026-11): not {version!r}."
        )
    return version


# What goes in: (file stem, export, queryset in a fixed order), of one collection when given.
RECORD_FILES = [
    ("messages", exports.MESSAGES, lambda c: _messages(c).order_by("external_id")),
    (
        "threads",
        exports.THREADS,
        lambda c: (
            exports.public_threads() if c is None else exports.public_threads().filter(collection=c)
        ),
    ),
    ("events", exports.EVENTS, lambda c: _events(c).order_by("external_id")),
    (
        "people",
        exports.PEOPLE,
        lambda c: _named(Person.objects.public(), c).order_by("external_id"),
    ),
    ("sources", exports.SOURCES, lambda c: _named(exports.cited_sources(), c)),
    (
        "discrepancies",
        exports.DISCREPANCIES,
        lambda c: (
            exports.public_discrepancies()
            if c is None
            else exports.public_discrepancies().filter(
                Q(message__thread__collection=c) | Q(event__collection=c)
            )
        ),
    ),
]


def _messages(collection):
    return Message.objects.public() if collection is None else collection.public_messages()


def _events(collection):
    return Event.objects.public() if collection is None else collection.public_events()


def _named(queryset, collection):
    """People or sources: all the public ones, or those the collection's records name."""
    return queryset if collection is None else collection.named(queryset)


def public_notes(collection=None):
    """Notes any reader may see (the one visibility rule), oldest first; of one collection's
    records when given."""
    notes = Annotation.objects.visible_to(None).order_by("created", "uuid")
    if collection is None:
        return notes
    return notes.filter(Q(message__thread__collection=collection) | Q(event__collection=collection))


def latest_change():
    """The day of the latest change the data itself records: a public note written or edited,
    a correction, an import. None when the data records none (then a date must be given)."""
    stamps = [
        public_notes().aggregate(last=Max("modified"))["last"],
        Correction.objects.aggregate(last=Max("created"))["last"],
        ImportBatch.objects.aggregate(last=Max("created"))["last"],
    ]
    stamps = [stamp for stamp in stamps if stamp is not None]
    if not stamps:
        return None
    return max(stamps).astimezone(UTC).date()


@dataclass
class Release:
    version: str
    date: date
    licence: str
    files: list = field(default_factory=list)  # [{"path", "bytes", "sha256"}]
    counts: dict = field(default_factory=dict)


class _Counter:
    """Hashes and measures what is written to one member of the zip."""

    def __init__(self, member):
        self.member, self.digest, self.size = member, hashlib.sha256(), 0

    def write(self, text):
        data = text.encode("utf-8")
        self.digest.update(data)
        self.size += len(data)
        self.member.write(data)


def _member(archive, name, day):
    info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = FILE_MODE
    return info


def _write_member(archive, release, name, chunks):
    with archive.open(_member(archive, name, release.date), mode="w") as member:
        counter = _Counter(member)
        for chunk in chunks:
            counter.write(chunk)
    release.files.append(
        {"path": name, "bytes": counter.size, "sha256": counter.digest.hexdigest()}
    )


def _counting(rows, release, kind):
    release.counts[kind] = 0
    for row in rows:
        release.counts[kind] += 1
        yield row


def build(target, version, day, licence, collection=None):
    """Write the release zip to the open binary file `target`; returns the Release."""
    release = Release(version=version, date=day, licence=licence)
    base = settings.SITE_URL
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for stem, export, queryset in RECORD_FILES:
            # Each kind is read twice (JSON, then CSV): simpler than holding a million rows.
            rows = _counting(export.rows(queryset(collection), base), release, stem)
            _write_member(zf, release, f"{stem}.json", exports.json_chunks(export, rows))
            rows = export.rows(queryset(collection), base)
            _write_member(zf, release, f"{stem}.csv", exports.csv_lines(export, rows, "data"))
        notes = public_notes(collection)
        release.counts["notes"] = notes.count()
        notes_iri = f"{base}{reverse('archive:data')}#notes-{version}"
        label = f"Public notes, {settings.ARCHIVE_NAME} dataset {version}"
        _write_member(zf, release, "notes.jsonld", [as_jsonld(notes, base, notes_iri, label)])
        rows = NOTES.rows(notes, base)
        _write_member(zf, release, "notes.csv", exports.csv_lines(NOTES, rows, "data"))
        _write_member(zf, release, "README.md", [readme(release)])
        manifest = {
            "name": settings.ARCHIVE_NAME,
            "title": collection.title if collection else settings.ARCHIVE_TITLE,
            "collection": collection.external_id if collection else None,
            "version": version,
            "date": day.isoformat(),
            "licence": licence,
            "site": base,
            "counts": release.counts,
            "files": release.files,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        with zf.open(_member(zf, "manifest.json", day), mode="w") as member:
            member.write(text.encode("utf-8"))
    return release


FILE_NOTES = {
    "messages": "every published message: ids, permalinks, dates at their precision, clock time "
    "and zone, time notes, reported delays, sender and recipients, thread and position, reply "
    "to, text with its status (verbatim, excerpt, summary), summary, confidence note, "
    "discrepancies with each source's reading, related events, sources, public-note counts",
    "threads": "every conversation holding a published message, its participants and message count",
    "events": "every published event: dates, time note, description, participants, related "
    "published messages, discrepancies, sources, public-note counts",
    "people": "every person or organisation a published record names, their accounts, "
    "messages sent and answered, events",
    "sources": "the bibliography: every source, its address, archived copy, publication date and "
    "what it attests",
    "discrepancies": "where sources disagree about a published record: the field, each source's "
    "reading (and which one the archive follows), the curators' note",
}


def readme(release):
    """The release's README.md: what each file holds, the licence, how to cite it."""
    name, title, site = settings.ARCHIVE_NAME, settings.ARCHIVE_TITLE, settings.SITE_URL
    counts = release.counts
    lines = [
        f"# {name} dataset {release.version}",
        "",
        f"{title}: the published records and public notes of the archive at {site}/, "
        f"released {release.date.isoformat()}.",
        "",
        "## Files",
        "",
        "| file | what it holds | rows |",
        "|---|---|---|",
    ]
    for stem, _, _ in RECORD_FILES:
        lines.append(f"| `{stem}.json`, `{stem}.csv` | {FILE_NOTES[stem]} | {counts[stem]} |")
    lines += [
        f"| `notes.jsonld` | every public note as a W3C Web Annotation `AnnotationCollection` "
        f"(JSON-LD; readable by annotation tools, and by `manage.py import_annotations`) | "
        f"{counts['notes']} |",
        f"| `notes.csv` | the same notes as a table: target, quote and its offsets, body, tags, "
        f"source links with archived copies, author, times | {counts['notes']} |",
        "| `manifest.json` | version, date, licence, counts, and the size and SHA-256 of every "
        "other file |  |",
        "",
        'Each JSON file is `{"fields": [...], "<kind>": [rows]}`, rows as objects in that '
        "field order. The CSV files hold the same columns in the same order: UTF-8 without a "
        "byte-order mark, RFC 4180 (CRLF line ends, quotes where needed), every value exact "
        f"(nothing is prefixed for spreadsheets); lists inside a cell are joined with "
        f"`{exports.LIST_SEPARATOR}`, true and false are `true` and `false`, a missing value is "
        "empty. Dates are ISO 8601: `date_earliest` and `date_latest` bound what the sources "
        "allow (equal when the day is certain, empty when unknown); `sent_at` is given only "
        "when a source attests a clock time, with its zone's offset, or, when `sent_at_timezone` "
        "is empty, as the local clock time with no offset (the zone is unknown). Ids are the "
        "archive's permanent external ids, and "
        "each `url` the record's permalink.",
        "",
        "Check a download: `sha256sum` each file and compare with `manifest.json`.",
        "",
        "## Licence",
        "",
        f"{release.licence}. It covers the archive's curation (records, summaries, notes, "
        "discrepancies). Quoted message texts remain their senders' words, reproduced for "
        "research and reporting; sources remain their publishers'.",
        "",
        "## How to cite",
        "",
        f"{name} ({release.date.year}). {title}. Dataset version {release.version}, released "
        f"{release.date.isoformat()}. {site}{reverse('archive:data')} ({release.licence}).",
        "",
        "Cite a single record by its permalink (the `url` column) and this version.",
        "",
    ]
    return "\n".join(lines)


def write_release(version, output_dir=None, day=None, licence=DEFAULT_LICENCE, collection=None):
    """Write backchannel-<version>.zip into output_dir (default MEDIA_ROOT/releases) and return
    (path, Release, sha256, size). Refuses (ReleaseError) an existing version or file; a failure
    midway leaves no file behind."""
    check_version(version)
    from archive.models import DatasetRelease

    if DatasetRelease.objects.filter(version=version).exists():
        raise ReleaseError(f"Version {version} is already released: choose a new version.")
    day = day or latest_change()
    if day is None:
        raise ReleaseError("The data records no change to date the release by: give --date.")
    directory = Path(output_dir) if output_dir else releases_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(version)
    if path.exists():
        raise ReleaseError(f"{path} exists already: a release is never overwritten.")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".release-", suffix=".zip")
    try:
        with os.fdopen(handle, "w+b") as target:
            release = build(target, version, day, licence, collection)
            target.flush()
            target.seek(0)
            digest = hashlib.file_digest(target, "sha256").hexdigest()
            size = target.tell()
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path, release, digest, size
