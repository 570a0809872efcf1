"""Where imported attachments' files are written.

An import writes each file into a staging folder of its own (`attachments-staging/<folder>/`,
the file's final name below it) while its transaction is open, and moves the files to their
final names (`attachments/YYYY/MM/<sha256>-<name>`) only once the transaction has committed. A
rolled-back import removes its staging folder; a killed one leaves it, and nothing else, behind:
`clean_attachment_files()` (`manage.py clean_attachments`) removes staging folders older than a
few hours, first moving into place any file a committed row names but storage lacks (a kill
between the commit and the move), and removes files under `attachments/` that no row names.

Every step goes through the storage API, so another storage backend (STORAGES["default"]) works
too; on the file system a move is a rename, so no final name ever holds half a file.
"""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify

STAGING = "attachments-staging"
ATTACHMENTS = "attachments"
STAGING_HOURS = 6


def attachments_storage():
    from archive.models import Attachment

    return Attachment._meta.get_field("file").storage


def final_name(sha256, original_name):
    """The name an attachment's file is kept under: its hash makes equal contents one file."""
    name = PurePosixPath(original_name.replace("\\", "/")).name
    stem = slugify(PurePosixPath(name).stem)[:60] or "file"
    suffix = PurePosixPath(name).suffix[:10].lower()
    return f"{ATTACHMENTS}/{timezone.now():%Y/%m}/{sha256}-{stem}{suffix}"


class StagedFiles:
    """The attachment files of one import, waiting in its staging folder."""

    def __init__(self, storage=None):
        self.storage = storage or attachments_storage()
        self.folder = f"{STAGING}/{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"
        self.staged = []  # (staged name, final name)

    def write(self, name, content):
        staged = self.storage.save(f"{self.folder}/{name}", ContentFile(content))
        self.staged.append((staged, name))

    def move_into_place(self):
        """After the commit: each file to its final name, then the staging folder goes."""
        for staged, name in self.staged:
            _move(self.storage, staged, name)
        _remove_tree(self.storage, self.folder)

    def discard(self):
        """After a rollback: nothing of this import stays in storage."""
        for staged, _ in self.staged:
            self.storage.delete(staged)
        _remove_tree(self.storage, self.folder)


def _move(storage, staged, name):
    """Put a staged file at its final name; False if that name held it already."""
    if storage.exists(name):
        if storage.size(name) == storage.size(staged):
            storage.delete(staged)  # the same content, kept already (its hash is in the name)
            return False
        storage.delete(name)  # a copy cut off half-way
    try:
        source, target = storage.path(staged), storage.path(name)
    except NotImplementedError:
        with storage.open(staged) as content:
            saved = storage.save(name, content)
        storage.delete(staged)
        if saved != name:  # another import kept the same file at the same moment
            storage.delete(saved)
        return True
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.replace(source, target)
    return True


def _files_under(storage, folder):
    """Every file name below `folder`, recursively."""
    if not storage.exists(folder):
        return
    directories, files = storage.listdir(folder)
    for file in files:
        yield f"{folder}/{file}"
    for directory in directories:
        yield from _files_under(storage, f"{folder}/{directory}")


def _remove_tree(storage, folder):
    """Remove what is left of a folder; on the file system, its empty directories too."""
    for name in list(_files_under(storage, folder)):
        storage.delete(name)
    try:
        root = storage.path(folder)
    except NotImplementedError:
        return  # object stores have no directories to remove
    for directory, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):  # not empty: another import's files
            os.rmdir(directory)


def clean_attachment_files(older_than_hours=STAGING_HOURS, storage=None):
    """Remove what killed imports left; return what was done, as counts."""
    from archive.models import Attachment

    storage = storage or attachments_storage()
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    counts = {"staging_folders": 0, "files_recovered": 0, "orphans": 0}
    if storage.exists(STAGING):
        for folder in storage.listdir(STAGING)[0]:
            folder = f"{STAGING}/{folder}"
            staged = list(_files_under(storage, folder))
            if any(storage.get_modified_time(name) > cutoff for name in staged):
                continue  # an import may still be writing here
            finals = {name[len(folder) + 1 :]: name for name in staged}
            named = set(
                Attachment.objects.filter(file__in=list(finals)).values_list("file", flat=True)
            )
            for name in named:
                counts["files_recovered"] += _move(storage, finals[name], name)
            _remove_tree(storage, folder)
            counts["staging_folders"] += 1
    named = set(Attachment.objects.exclude(file="").values_list("file", flat=True).iterator())
    for name in _files_under(storage, ATTACHMENTS):
        if name not in named:
            storage.delete(name)
            counts["orphans"] += 1
    return counts
