"""The formats `import_messages` and the admin's upload read, one `register(...)` entry each.

An entry says everything the rest of the code needs to know about a format: its name (the
`--format` value, stored in `ImportBatch.format`), the label curators see, the reader that turns
a file or folder of it into `items.Item`s, the family and prefix of the external ids its messages
get, how stable its original identifiers are, and how a file or folder of it is recognised.

Adding a format is a reader module and one entry at the bottom of this file. The command's
options, the admin's choices and `ImportBatch.format`'s choices all come from here
(`format_choices` is given to the model field as a callable, which a migration records by
reference: a new entry needs no migration).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.importing import (
    csv_reader,
    email_reader,
    limits,
    outlook_reader,
    telegram_reader,
    twitter_reader,
    whatsapp_reader,
)
from archive.importing.items import FileRefused

# How the identifiers a reader gives (`Item.original_id`) name a message across files:
GLOBAL = "global"  # the same in every file of the family: a Message-ID, a tweet's id
PER_THREAD = "per_thread"  # unique only within its thread, replies too: a CSV row's id
BY_CONTENT = "by_content"  # not kept between exports (a line number): a message is its thread,
# time, sender and words, and which repeat of them it is
IDENTITIES = (GLOBAL, PER_THREAD, BY_CONTENT)
NAME_MAX_LENGTH = 20  # ImportBatch.format's column


@dataclass(frozen=True)
class ImportFormat:
    name: str
    label: str
    # read(path) -> iterable of Item and Problem; `path` is what was given, a file or a folder.
    # It raises FileRefused for a file it cannot read at all.
    read: Callable
    # Formats of one family share original identifiers (the same Message-ID in an mbox and in an
    # .eml is one message); the family is part of every external id, so it never changes.
    family: str
    prefix: str  # of the external ids of its messages and threads: "em-…", "em-t-…"
    identity: str = GLOBAL
    # Detection, tried in this order over every entry: a folder holding one of `folder_files`;
    # a folder holding a file ending in `folder_suffix`; a file ending in one of `suffixes`;
    # a file beginning with `starts_with`.
    folder_files: tuple = ()
    folder_suffix: str = ""
    suffixes: tuple = ()
    starts_with: bytes = b""
    # What a folder of no known format lacks, in the refusal ("no result.json"); by default
    # the first of `folder_files`, or "`folder_suffix` files".
    folder_hint: str = ""
    # For a format that reads zips too: whether a zip's member names (folders and macOS's
    # __MACOSX/ left out) are this format's. A zip is told apart by what it holds alone.
    zip_detect: Callable | None = None
    # How many messages a file of it holds, counted cheaply before it is read (for the
    # admin's progress bar); None: not known until it is read.
    count: Callable | None = None

    @property
    def missing_from_folder(self):
        if self.folder_hint:
            return self.folder_hint
        if self.folder_files:
            return self.folder_files[0]
        return f"{self.folder_suffix} files" if self.folder_suffix else ""


_registry = {}


def register(import_format):
    """Add a format (at import time, below); its name must be new."""
    if import_format.name in _registry:
        raise ValueError(f"The import format {import_format.name!r} is registered already.")
    if not 0 < len(import_format.name) <= NAME_MAX_LENGTH:
        raise ValueError(f"An import format's name has 1 to {NAME_MAX_LENGTH} characters.")
    if import_format.identity not in IDENTITIES:
        raise ValueError(f"identity is one of {', '.join(IDENTITIES)}.")
    _registry[import_format.name] = import_format
    return import_format


def unregister(name):
    """Remove a format: for tests that register one of their own."""
    del _registry[name]


def names():
    return list(_registry)


def format_choices():
    """(name, label) of every format: ImportBatch.format's choices and the admin's."""
    return [(f.name, f.label) for f in _registry.values()]


def get(name):
    try:
        return _registry[name]
    except KeyError:
        raise FileRefused(f"Unknown format {name!r}: use one of {', '.join(_registry)}.") from None


def label(name):
    """What curators call the format `name` (its name, if no longer registered)."""
    found = _registry.get(name)
    return found.label if found else name


def detect(path):
    """The name of the format of `path`, from what it is and holds; FileRefused if none fits."""
    path = Path(path)
    formats = list(_registry.values())
    if path.is_dir():
        for candidate in formats:
            if any((path / name).is_file() for name in candidate.folder_files):
                return candidate.name
        by_suffix = [f for f in formats if f.folder_suffix]
        if by_suffix:
            suffixes = {file.suffix.lower() for file in limits.folder_files(path)[0]}
            for candidate in by_suffix:
                if candidate.folder_suffix in suffixes:
                    return candidate.name
        hints = [f"no {f.missing_from_folder}" for f in formats if f.missing_from_folder]
        raise FileRefused(f"This folder is not a known export ({', '.join(hints)}).")
    if limits.is_zip(path):
        members = limits.SafeZip(path).names
        for candidate in formats:
            if candidate.zip_detect and candidate.zip_detect(members):
                return candidate.name
        readers = ", ".join(f.label for f in formats if f.zip_detect)
        raise FileRefused(f"This zip is not a known export (zips read here: {readers}).")
    suffix = path.suffix.lower()
    for candidate in formats:
        if suffix in candidate.suffixes:
            return candidate.name
    sniffed = [f for f in formats if f.starts_with]
    if sniffed:
        with open(path, "rb") as stream:
            head = stream.read(max(len(f.starts_with) for f in sniffed))
        for candidate in sniffed:
            if head.startswith(candidate.starts_with):
                return candidate.name
    known = names()
    listed = f"{', '.join(known[:-1])} or {known[-1]}" if len(known) > 1 else "".join(known)
    raise FileRefused(f"The format could not be told from the file: give --format ({listed}).")


# One entry per format. The order is the order of the choices, and of detection where two
# formats would both fit (a folder with a Twitter archive's data/ and .eml files is Twitter's).
register(
    ImportFormat(
        "mbox",
        "mbox mailbox",
        email_reader.read_mbox,
        family="email",
        prefix="em",
        suffixes=(".mbox", ".mbx"),
        starts_with=b"From ",
        count=email_reader.count_mbox,
    )
)
register(
    ImportFormat(
        "eml",
        "Folder of .eml files",
        email_reader.read_eml,
        family="email",
        prefix="em",
        folder_suffix=".eml",
        suffixes=(".eml",),
        zip_detect=lambda members: any(name.lower().endswith(".eml") for name in members),
        count=email_reader.count_eml,
    )
)
register(
    ImportFormat(
        "msg",
        "Outlook .msg files",
        outlook_reader.read_msg,
        family="email",  # a Message-ID names one message in an mbox, an .eml and a .msg alike
        prefix="em",
        folder_suffix=".msg",
        suffixes=(".msg",),
        zip_detect=lambda members: any(name.lower().endswith(".msg") for name in members),
        count=outlook_reader.count_msg,
    )
)
register(
    ImportFormat(
        "twitter",
        "Twitter/X archive",
        twitter_reader.read_twitter,
        family="twitter",
        prefix="tw",
        folder_files=("data/direct-messages.js", "data/tweets.js"),
        folder_hint="data/ of a Twitter archive",
        zip_detect=lambda members: any(
            name.endswith(("data/direct-messages.js", "data/tweets.js")) for name in members
        ),
    )
)
register(
    ImportFormat(
        "telegram",
        "Telegram Desktop export",
        telegram_reader.read_export,
        family="telegram",
        prefix="tg",
        folder_files=("result.json",),
        suffixes=(".json",),
    )
)
register(
    ImportFormat(
        "whatsapp",
        "WhatsApp chat export",
        whatsapp_reader.read_export,
        family="whatsapp",
        prefix="wa",
        identity=BY_CONTENT,
        folder_files=("_chat.txt",),
        suffixes=(".txt",),
        zip_detect=lambda members: any(
            name.rsplit("/", 1)[-1] == "_chat.txt"
            or (name.rsplit("/", 1)[-1].startswith("WhatsApp Chat") and name.endswith(".txt"))
            for name in members
        ),
    )
)
register(
    ImportFormat(
        "csv",
        "CSV transcription",
        csv_reader.read_csv,
        family="csv",
        prefix="csv",
        identity=PER_THREAD,
        suffixes=(".csv",),
    )
)
