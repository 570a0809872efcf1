"""The bounds every reader keeps, so that a small hostile file cannot take the machine: how far a
zip may expand, how large one message may be, how deep parts and JSON may nest, and which files
of a folder are read (never one reached through a symbolic link).

Each bound is a setting (config/settings.py) with the default below; a reader that meets one
refuses the file (`FileRefused`) or fails the one message, with a sentence naming the setting.
"""

import os
import zipfile
from pathlib import Path

from django.conf import settings

from archive.importing.items import FileRefused

MIB = 1024**2
# A member smaller than this is never refused for its ratio: small files of repeated text
# (an empty list padded with spaces) compress far better than 100:1 and are harmless.
RATIO_FLOOR_BYTES = MIB
READ_CHUNK = MIB


def max_file_bytes():
    return settings.IMPORT_MAX_FILE_BYTES


def max_uncompressed_bytes():
    return settings.IMPORT_MAX_UNCOMPRESSED_BYTES


def max_compression_ratio():
    return settings.IMPORT_MAX_COMPRESSION_RATIO


def max_message_bytes():
    return settings.IMPORT_MAX_MESSAGE_BYTES


def max_nesting_depth():
    return settings.IMPORT_MAX_NESTING_DEPTH


def size_label(size):
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GiB"
    if size >= MIB:
        return f"{size / MIB:.1f} MiB"
    return f"{size:,} bytes"


def size_on_disk(path):
    """The bytes of a file, or of a folder's files, as the file system states them: nothing is
    read, so a file over IMPORT_MAX_FILE_BYTES is refused before any of it is."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(file.stat().st_size for file in folder_files(path)[0])


def file_too_large(name, size):
    """The reason a file (or folder) of `size` bytes is not imported, or "" when it may be."""
    limit = max_file_bytes()
    if size <= limit:
        return ""
    return (
        f"{name} is {size_label(size)}, over the import limit of {size_label(limit)} "
        "(IMPORT_MAX_FILE_BYTES). Split it, or raise the limit."
    )


def message_too_large(size):
    """The reason a message of `size` bytes is not read, or "" when it may be."""
    limit = max_message_bytes()
    if size <= limit:
        return ""
    return (
        f"it is {size_label(size)}, over the limit of {size_label(limit)} for one message "
        "(IMPORT_MAX_MESSAGE_BYTES); it was not read"
    )


class ZipReader:
    """Reads members of an open `zipfile.ZipFile` in chunks, counting the bytes that come out
    (never the sizes the zip's headers declare), and refuses the archive as soon as the members
    read so far expand past IMPORT_MAX_UNCOMPRESSED_BYTES or one member past
    IMPORT_MAX_COMPRESSION_RATIO times its compressed size."""

    def __init__(self, archive, archive_size):
        self.archive = archive
        self.archive_size = archive_size
        self.total = 0

    def read(self, name):
        info = self.archive.getinfo(name)
        # A header may overstate the compressed size: never count more than the whole file.
        compressed = max(1, min(info.compress_size, self.archive_size))
        ratio_limit, total_limit = max_compression_ratio(), max_uncompressed_bytes()
        chunks, size = [], 0
        try:
            with self.archive.open(info) as member:
                while chunk := member.read(READ_CHUNK):
                    size += len(chunk)
                    self.total += len(chunk)
                    if self.total > total_limit:
                        raise FileRefused(
                            f"The zip expands to more than {size_label(total_limit)} "
                            f"(IMPORT_MAX_UNCOMPRESSED_BYTES) by {name}: nothing was imported."
                        )
                    if size > RATIO_FLOOR_BYTES and size > ratio_limit * compressed:
                        raise FileRefused(
                            f"{name} in the zip expands more than {ratio_limit}:1 "
                            f"({size_label(compressed)} compressed, over {size_label(size)} "
                            "so far): a zip bomb, not an export (IMPORT_MAX_COMPRESSION_RATIO). "
                            "Nothing was imported."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as error:
            # Also what a header that understates a member's size ends in (a CRC mismatch).
            raise FileRefused(f"{name} in the zip cannot be read: {error}") from error
        return b"".join(chunks)


def too_deep(value, limit=None):
    """Whether a JSON value nests lists and objects deeper than `limit` levels (walked with a
    stack of our own, never by recursion)."""
    limit = max_nesting_depth() if limit is None else limit
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def nesting_reason(what):
    return (
        f"{what} nest deeper than {max_nesting_depth()} levels (IMPORT_MAX_NESTING_DEPTH); "
        "it was not read"
    )


def folder_files(folder):
    """(files, links) under `folder`: its regular files, sorted, and the symbolic links met on
    the way, which are never followed (a link may lead outside the folder, or round in a loop)."""
    folder = Path(folder)
    files, links = [], []
    for root, dirs, names in os.walk(folder, followlinks=False):
        root = Path(root)
        for name in dirs:
            if (root / name).is_symlink():
                links.append(root / name)
        for name in names:
            path = root / name
            if path.is_symlink():
                links.append(path)
            elif path.is_file():
                files.append(path)
    return sorted(files), sorted(links)


def link_reason(folder, link):
    """Why the link `link` in `folder` was not read, in a curator's words."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return "a symbolic link that leads nowhere or round in a loop: not followed"
    if target.is_relative_to(Path(folder).resolve()):
        return "a symbolic link (to a file in the folder): links are not followed"
    return "a symbolic link to outside the folder: not followed"


def file_in_folder(folder, relative):
    """`folder / relative` if it is a regular file of the folder, None if there is none;
    FileRefused when it is a symbolic link (or reached through one)."""
    folder = Path(folder)
    path = folder / relative
    current = folder
    for part in Path(relative).parts:
        current = current / part
        if current.is_symlink():
            raise FileRefused(
                f"{Path(relative).as_posix()} in this folder is reached through a symbolic "
                "link; links are not followed (one may lead outside the folder). Copy the file "
                "in instead."
            )
    return path if path.is_file() else None


def export_file(path, name):
    """The export file itself: `path`, or the file `name` of the folder `path` (never one
    reached through a symbolic link)."""
    if not path.is_dir():
        return path
    file = file_in_folder(path, name)
    if file is None:
        raise FileRefused(f"This folder holds no {name}.")
    return file


class SafeZip:
    """A zip read in place, never extracted: its member names (a name like `../x`, `/x` or
    `C:x` refuses the whole zip; folders and macOS's __MACOSX/ copies are left out), each
    member's bytes through `ZipReader` (bounded as it expands), and a member as a stream
    (`open`), counted against the same bounds."""

    def __init__(self, path):
        self.path = Path(path)
        try:
            self.archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as error:
            raise FileRefused(f"This is not a readable zip file: {error}") from error
        self.reader = ZipReader(self.archive, self.path.stat().st_size)
        self.names = []
        for info in self.archive.infolist():
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
                raise FileRefused(f"The zip holds an unsafe path: {name!r}. Nothing was read.")
            if info.is_dir() or parts[0] == "__MACOSX" or parts[-1].startswith("._"):
                continue
            self.names.append(name)

    def declared_size(self, name):
        return self.archive.getinfo(name).file_size

    def read(self, name):
        return self.reader.read(name)

    def open(self, name):
        return _CountedMember(self, name)


class _CountedMember:
    """A zip member read line by line, each byte counted as `ZipReader.read` counts them."""

    def __init__(self, safe_zip, name):
        self.zip, self.name = safe_zip, name
        info = safe_zip.archive.getinfo(name)
        self.compressed = max(1, min(info.compress_size, safe_zip.reader.archive_size))
        self.size = 0

    def __enter__(self):
        try:
            self.stream = self.zip.archive.open(self.name)
        except (zipfile.BadZipFile, OSError, NotImplementedError) as error:
            raise FileRefused(f"{self.name} in the zip cannot be read: {error}") from error
        return self

    def __exit__(self, *exc):
        self.stream.close()

    def readline(self, limit=-1):
        try:
            line = self.stream.readline(limit)
        except (zipfile.BadZipFile, EOFError, OSError) as error:
            raise FileRefused(f"{self.name} in the zip cannot be read: {error}") from error
        self.size += len(line)
        self.zip.reader.total += len(line)
        total_limit, ratio_limit = max_uncompressed_bytes(), max_compression_ratio()
        if self.zip.reader.total > total_limit:
            raise FileRefused(
                f"The zip expands to more than {size_label(total_limit)} "
                f"(IMPORT_MAX_UNCOMPRESSED_BYTES) by {self.name}: nothing was imported."
            )
        if self.size > RATIO_FLOOR_BYTES and self.size > ratio_limit * self.compressed:
            raise FileRefused(
                f"{self.name} in the zip expands more than {ratio_limit}:1: a zip bomb, not an "
                "export (IMPORT_MAX_COMPRESSION_RATIO). Nothing was imported."
            )
        return line


def is_zip(path):
    path = Path(path)
    return path.is_file() and path.suffix.lower() == ".zip"
