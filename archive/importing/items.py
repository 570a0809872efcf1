"""What every reader yields: one `Item` per message found, or a `Problem` for what it could not
use. Readers know their format; `archive.importing.importer` knows the database."""

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime


class FileRefused(Exception):
    """The file as a whole cannot be imported: nothing is written. The message says why."""


@dataclass(frozen=True)
class Party:
    """Someone who sent or received: one account per platform and address (an e-mail address,
    a user id, a name in a chat export)."""

    platform: str  # Account.Platform
    address: str  # what identifies the account in this platform, stable across files
    display_name: str = ""  # the name shown beside it in this file, if any
    handle: str = ""  # how the account is shown: the address, @name, …


@dataclass
class AttachmentData:
    name: str
    content_type: str
    content: bytes


@dataclass
class Item:
    original_id: str  # the file's own identifier for the message
    location: str  # where in the file: "line 12", "message 3", "row 5"
    sender: Party
    recipients: list
    text: str
    channel: str  # Message.Channel
    original: object  # the unparsed item: a JSON object, a line, the headers and text part
    sent_at: datetime | None = None  # aware; for zone-less local times, the clock time as UTC
    zone: str = ""  # "UTC", "+02:00", or "" when the file states none
    day: date | None = None  # the day as the file states it (the sender's local day)
    day_latest: date | None = None  # a CSV may give a span instead of a time
    thread_key: str = ""
    thread_title: str = ""
    thread_inferred: bool = False  # grouped by subject and participants, not by the data
    in_reply_to: str = ""  # the original id of the message this one answers
    in_reply_to_inferred: bool = False  # taken from subject and participants, not the data
    text_status: str = "verbatim"
    time_note: str = ""
    curator_note: str = ""
    source_url: str = ""
    attachments: list = field(default_factory=list)
    subject: str = ""  # an e-mail's subject
    mail_headers: dict = field(default_factory=dict)  # Message.mail_headers
    # An e-mail's DKIM checks (archive/models/authenticity.py check_signatures), kept as DkimCheck
    dkim_checks: list = field(default_factory=list)
    # For threading across a batch: the ids of the messages this one names as earlier in its
    # conversation (an e-mail's References and In-Reply-To), oldest first.
    references: list = field(default_factory=list)


@dataclass
class Problem:
    """An item not imported: `skipped` (not a message: a service line, a system notice) or
    `failed` (a message the reader could not read). `location` names it in the file."""

    outcome: str  # "skipped" or "failed"
    location: str
    reason: str


NUL = "\x00"


def without_nul(value):
    """`value` with every NUL character in its text made U+FFFD: no database stores a NUL in
    text (PostgreSQL refuses one, in JSON too), and a hostile file may hold them anywhere. Bytes
    (an attachment's content) are left as they are; dataclasses are read field by field."""
    if isinstance(value, str):
        return value.replace(NUL, "\ufffd") if NUL in value else value
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, tuple):
        return tuple(without_nul(item) for item in value)
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return type(value)(without_nul(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: without_nul(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value
