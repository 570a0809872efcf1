"""A WhatsApp chat export, _chat.txt: one message per line, "[20/09/2016, 03:39:40] Name: text"
(iPhone) or "20/09/2016, 03:39 - Name: text" (Android), later lines of a message without a
timestamp. The times are the phone's local clock with no zone: stored as stated, with a note,
never converted. The line number is the message's identifier."""

import re
from datetime import UTC, datetime

from .items import FileRefused, Item, Party, Problem

LINE = re.compile(
    r"^\u200e?\[?(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}),?\s+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:\s?[APap]\.?[Mm]\.?)?)\]?\s*(?:-\s)?\s*(?P<rest>.*)$"
)
AUTHOR = re.compile(r"^(?P<name>[^:]{1,100}?):\s(?P<text>.*)$", re.DOTALL)
ZONE_NOTE = "WhatsApp exports give the phone's local time with no time zone; shown as exported."


def read_whatsapp(path, chat_name):
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(f"This chat export is not UTF-8 text: {error}") from error
    lines = text.splitlines()
    starts = [(number, LINE.match(line)) for number, line in enumerate(lines, start=1)]
    starts = [(number, match) for number, match in starts if match]
    if not starts:
        raise FileRefused(
            "No line of this file looks like a WhatsApp message ([date, time] name: text)."
        )
    day_first = _day_first([match["date"] for _, match in starts])
    messages = []
    for index, (number, match) in enumerate(starts):
        end = starts[index + 1][0] - 1 if index + 1 < len(starts) else len(lines)
        body = "\n".join([match["rest"], *lines[number:end]])
        messages.append((number, match, body, "\n".join(lines[number - 1 : end])))
    names = set()
    parsed = []
    for number, match, body, original in messages:
        author = AUTHOR.match(body)
        if author:
            names.add(author["name"].strip())
        parsed.append((number, match, author, original))
    items = []
    for number, match, author, original in parsed:
        location = f"line {number}"
        if not author:
            items.append(Problem("skipped", location, "a notice from WhatsApp, not a message"))
            continue
        moment = _moment(match["date"], match["time"], day_first)
        if moment is None:
            items.append(
                Problem("failed", location, f"unreadable date {match['date']} {match['time']}")
            )
            continue
        name = author["name"].strip()

        def party(who):
            return Party("whatsapp", who, display_name=who, handle=who)

        items.append(
            Item(
                original_id=f"line {number}",
                location=location,
                sender=party(name),
                recipients=[party(other) for other in sorted(names - {name})],
                text=author["text"].replace("\u200e", ""),
                channel="chat",
                original={"line": number, "text": original},
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
        )
    return items


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
