"""A transcription in CSV: one message per row, a header row naming the columns.

    id, thread, sent_at | date_earliest + date_latest, sender, recipients, text,
    text_status, source_url, in_reply_to          (and, optionally, channel)

`sent_at` is ISO 8601 ("2016-10-03T18:35:00-04:00"; without an offset the time is kept as
stated, zone not given); otherwise `date_earliest`/`date_latest` (YYYY-MM-DD) bound the day.
`recipients` are separated by ";". `text_status` is verbatim, excerpt or summary (verbatim if
blank). Errors are reported per row, by row number (the header is row 1).
"""

import csv
from datetime import UTC, date, datetime

from archive.importing import limits
from archive.importing.items import FileRefused, Item, Party, Problem

REQUIRED = ["id", "thread", "sender", "text"]
COLUMNS = [
    "id",
    "thread",
    "sent_at",
    "date_earliest",
    "date_latest",
    "sender",
    "recipients",
    "text",
    "text_status",
    "source_url",
    "in_reply_to",
    "channel",
]
TEMPLATE = (
    "id,thread,sent_at,date_earliest,date_latest,sender,recipients,text,text_status,source_url,"
    "in_reply_to,channel\r\n"
    "r1,lunch,2016-10-03T18:35:00-04:00,,,@alice,@bob,Are we still on for lunch?,verbatim,"
    "https://example.org/transcript,,direct_message\r\n"
    "r2,lunch,,2016-10-04,2016-10-05,@bob,@alice,Bob agrees to meet (our summary).,summary,"
    "https://example.org/transcript,r1,direct_message\r\n"
)
STATUSES = {"verbatim", "excerpt", "summary"}
CHANNELS = {"direct_message", "public_tweet", "email", "chat"}


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as stream:
        try:
            return _read(csv.DictReader(_bounded_lines(stream)))
        except UnicodeDecodeError as error:
            raise FileRefused(f"The CSV is not UTF-8 text: {error}") from error


def _bounded_lines(stream):
    """The file's lines, read one at a time; FileRefused at one longer than
    IMPORT_MAX_MESSAGE_BYTES (counted in characters), before it is read whole."""
    limit = limits.max_message_bytes()
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise FileRefused(
                f"Line {number} of the CSV is longer than {limits.size_label(limit)} "
                "(IMPORT_MAX_MESSAGE_BYTES): split the text, or raise the limit. Nothing was "
                "imported."
            )
        yield line


def _read(reader):
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileRefused(
            "The CSV's first row must name its columns; missing: "
            + ", ".join(missing)
            + f". Expected columns: {', '.join(COLUMNS)}."
        )
    if "sent_at" not in header and "date_earliest" not in header:
        raise FileRefused("The CSV needs a sent_at column or date_earliest and date_latest.")
    reader.fieldnames = header
    items = []
    try:
        for row in reader:
            items.append(_item(row, reader.line_num))
    except csv.Error as error:
        raise FileRefused(f"The CSV could not be read at row {reader.line_num}: {error}") from error
    return items


def _item(row, number):
    location = f"row {number}"
    row = {key: (value or "").strip() for key, value in row.items() if key}
    for name in REQUIRED:
        if not row.get(name):
            return Problem("failed", location, f"{name} is empty")
    status = row.get("text_status") or "verbatim"
    if status not in STATUSES:
        return Problem(
            "failed", location, f"text_status must be one of {', '.join(sorted(STATUSES))}"
        )
    channel = row.get("channel") or "direct_message"
    if channel not in CHANNELS:
        return Problem("failed", location, f"channel must be one of {', '.join(sorted(CHANNELS))}")
    item = Item(
        original_id=row["id"],
        location=location,
        sender=_party(row["sender"]),
        recipients=[_party(r) for r in row.get("recipients", "").split(";") if r.strip()],
        text=row["text"],
        channel=channel,
        original=row,
        thread_key=f"csv:{row['thread']}",
        thread_title=row["thread"],
        in_reply_to=row.get("in_reply_to", ""),
        text_status=status,
        source_url=row.get("source_url", ""),
    )
    if row.get("sent_at"):
        try:
            moment = datetime.fromisoformat(row["sent_at"].replace("Z", "+00:00"))
        except ValueError:
            return Problem(
                "failed", location, f"sent_at is not an ISO 8601 time: {row['sent_at'][:60]}"
            )
        item.day = moment.date()
        if moment.tzinfo is None:
            item.sent_at = moment.replace(tzinfo=UTC)
        else:
            offset = int(moment.utcoffset().total_seconds() // 60)
            sign, offset = ("+" if offset >= 0 else "-"), abs(offset)
            item.zone = "UTC" if offset == 0 else f"{sign}{offset // 60:02d}:{offset % 60:02d}"
            item.sent_at = moment.astimezone(UTC)
    else:
        try:
            item.day = (
                date.fromisoformat(row["date_earliest"]) if row.get("date_earliest") else None
            )
            item.day_latest = (
                date.fromisoformat(row["date_latest"]) if row.get("date_latest") else item.day
            )
        except ValueError:
            return Problem("failed", location, "date_earliest and date_latest must be YYYY-MM-DD")
        if item.day and item.day_latest and item.day > item.day_latest:
            return Problem("failed", location, "date_earliest is after date_latest")
    return item


def _party(value):
    value = value.strip()
    platform = "email" if "@" in value[1:] else ("twitter" if value.startswith("@") else "other")
    return Party(platform, value.lower() if platform == "email" else value, handle=value)
