"""A WhatsApp chat export, _chat.txt: one message per line, "[20/09/2016, 03:39:40] Name: text"
(iPhone) or "20/09/2016, 03:39 - Name: text" (Android), later lines of a message without a
timestamp. The times are the phone's local clock with no zone: stored as stated, with a note,
never converted. The line number is the message's identifier."""

import mimetypes
import re
from datetime import UTC, datetime
from pathlib import Path

from archive.importing import limits
from archive.importing.items import AttachmentData, FileRefused, Item, Party, Problem

LINE = re.compile(
    r"^\u200e?\[?(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}),?\s+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s?[APap]\.?[Mm]\.?)?)\]?\s*(?:-\s)?\s*(?P<rest>.*)$"
)
AUTHOR = re.compile(r"^(?P<name>[^:]{1,100}?):\s(?P<text>.*)$", re.DOTALL)
ATTACHED = re.compile(r"<attached:\s*([^<>\n]+?)>|([^\s<>]+\.[A-Za-z0-9]{2,5}) \(file attached\)")
ZONE_NOTE = "WhatsApp exports give the phone's local time with no time zone; shown as exported."


def read_export(path):
    """_chat.txt, the _chat.txt of the folder `path`, or a zip of the chat with its media (as
    WhatsApp's "Export chat … Attach media" makes it: read in place, never extracted); the chat
    is named after the folder or the zip ("WhatsApp Chat - Ann"), or after a renamed file."""
    if limits.is_zip(path):
        return read_whatsapp_zip(path)
    file = limits.export_file(path, "_chat.txt")
    if path.is_dir():
        chat = path.name
    else:
        chat = path.parent.name if path.name == "_chat.txt" else path.stem
    return read_whatsapp(file, chat)


def read_whatsapp_zip(path):
    archive = limits.SafeZip(path)
    chats = [name for name in archive.names if name.rsplit("/", 1)[-1] == "_chat.txt"] or [
        name for name in archive.names if name.lower().endswith(".txt")
    ]
    if len(chats) != 1:
        raise FileRefused(
            "This zip holds no chat (_chat.txt)."
            if not chats
            else f"This zip holds {len(chats)} text files; a WhatsApp export holds one chat."
        )
    media = {name.rsplit("/", 1)[-1]: name for name in archive.names if name != chats[0]}
    chat = path.stem if chats[0].endswith("_chat.txt") else Path(chats[0]).stem
    return read_whatsapp(lambda: archive.open(chats[0]), chat, archive, media)


def read_whatsapp(path, chat_name, archive=None, media=None):
    # Read twice, a message at a time: first for what the whole chat tells (whether dates are
    # day/month, who takes part), then for the messages. Memory stays that of one message.
    dates, names = [], set()
    for _, match, lines, too_large in _messages(path):
        dates.append(match["date"])
        author = None if too_large else AUTHOR.match(_body(match, lines))
        if author:
            names.add(author["name"].strip())
    if not dates:
        raise FileRefused(
            "No line of this file looks like a WhatsApp message ([date, time] name: text)."
        )
    return _items(path, chat_name, _day_first(dates), names, archive, media or {})


def _items(path, chat_name, day_first, names, archive, media):
    def party(who):
        return Party("whatsapp", who, display_name=who, handle=who)

    for number, match, lines, too_large in _messages(path):
        location = f"line {number}"
        if too_large:
            yield Problem("failed", location, f"the message is not imported: {too_large}")
            continue
        author = AUTHOR.match(_body(match, lines))
        if not author:
            yield Problem("skipped", location, "a notice from WhatsApp, not a message")
            continue
        moment = _moment(match["date"], match["time"], day_first)
        if moment is None:
            yield Problem("failed", location, f"unreadable date {match['date']} {match['time']}")
            continue
        name = author["name"].strip()
        attachments = _attachments(author["text"], archive, media)
        yield Item(
            attachments=attachments,
            original_id=f"line {number}",
            location=location,
            sender=party(name),
            recipients=[party(other) for other in sorted(names - {name})],
            text=author["text"].replace("\u200e", ""),
            channel="chat",
            original={"line": number, "text": "\n".join(lines)},
            # The stated clock time, held as if UTC, with no zone (Message.sent_at_timezone).
            sent_at=moment.replace(tzinfo=UTC),
            zone="",
            day=moment.date(),
            thread_key=f"whatsapp:{chat_name}",
            thread_title=f"WhatsApp chat: {chat_name}",
            time_note=ZONE_NOTE
            + (
                ""
                if day_first is not None
                else " The file does not show whether dates are day/month or "
                "month/day; they were read as day/month."
            ),
        )


def _attachments(text, archive, media):
    """The media files of the zip a message names ("<attached: 00000012-PHOTO-….jpg>" on an
    iPhone, "IMG-20161003-WA0001.jpg (file attached)" on Android)."""
    found = []
    for name in ATTACHED.findall(text.replace("\u200e", "")):
        name = name[0] or name[1]
        member = media.get(name)
        if archive is None or member is None:
            continue
        content = archive.read(member)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.append(AttachmentData(name=name, content_type=kind, content=content))
    return found


def _body(match, lines):
    return "\n".join([match["rest"], *lines[1:]])


def _messages(path):
    """(line number, the LINE match of its first line, its lines, why it is too large or "")
    for each message: a line with a timestamp and the lines after it that have none."""
    number = lines = match = None
    too_large, size = "", 0
    for line_number, text, line_size in _lines(path):
        start = LINE.match(text)
        if start:
            if match:
                yield number, match, lines, too_large
            number, match, lines, size = line_number, start, [], 0
            too_large = ""
        elif not match:
            continue  # before the first message
        size += line_size
        too_large = too_large or limits.message_too_large(size)
        if not too_large:
            lines.append(text)
        else:
            lines = []  # never held: the message fails with the reason
    if match:
        yield number, match, lines, too_large


def _lines(path):
    """(number, text, size in bytes) of each line, counted as str.splitlines() counts them, read
    in pieces no longer than IMPORT_MAX_MESSAGE_BYTES: of a longer line only its beginning is
    kept (enough to tell whether it starts a message) and its size."""
    limit = limits.max_message_bytes()
    number = 0
    # A path, or (for a chat inside a zip) a function opening the member as a stream.
    with path() if callable(path) else open(path, "rb") as stream:
        while piece := stream.readline(limit + 1):
            size = len(piece)
            if size > limit and not piece.endswith(b"\n"):
                while rest := stream.readline(limits.READ_CHUNK):
                    size += len(rest)
                    if rest.endswith(b"\n"):
                        break
                number += 1
                yield number, piece[:200].decode("utf-8", "ignore").lstrip("\ufeff"), size
                continue
            try:
                text = piece.decode("utf-8-sig" if number == 0 else "utf-8")
            except UnicodeDecodeError as error:
                raise FileRefused(
                    f"This chat export is not UTF-8 text (line {number + 1}): {error}"
                ) from error
            for line in text.splitlines():
                number += 1
                yield number, line, len(line.encode())


def _day_first(dates):
    """True for day/month/year, False for month/day/year, None when no date tells them apart."""
    for value in dates:
        first, second, *_ = [int(part) for part in re.split(r"[./-]", value)]
        if len(str(first)) == 4:
            return False  # year first: read as year-month-day below
        if first > 12:
            return True
        if second > 12:
            return False
    return None


def _moment(date_text, time_text, day_first):
    parts = [int(part) for part in re.split(r"[./-]", date_text)]
    if len(str(parts[0])) == 4 or parts[0] > 31:
        year, month, day = parts
    elif day_first is False:
        month, day, year = parts
    else:
        day, month, year = parts
    if year < 100:
        year += 2000
    clock = time_text.replace(".", ":").upper().replace("A:M:", "AM").replace("P:M:", "PM")
    clock = re.sub(r"\s+", " ", clock).strip()
    hour_minute = re.match(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s?(AM|PM)?", clock)
    if not hour_minute:
        return None
    hour, minute = int(hour_minute[1]), int(hour_minute[2])
    second = int(hour_minute[3] or 0)
    if hour_minute[4] == "PM" and hour < 12:
        hour += 12
    if hour_minute[4] == "AM" and hour == 12:
        hour = 0
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
