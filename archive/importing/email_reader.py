"""E-mail: an mbox mailbox or a folder of .eml files, read one message at a time.

The `email` package does the decoding (multipart, quoted-printable, base64, RFC 2047 headers,
declared charsets); this module decides what a message's text, time, thread and people are.
"""

import email
import email.errors
import email.header
import email.parser
import email.policy
import email.utils
import hashlib
import html
import re
from datetime import UTC, timedelta

import nh3
from django.conf import settings

from archive.importing import limits
from archive.importing.items import AttachmentData, FileRefused, Item, Party, Problem
from archive.importing.mail_threads import SUBJECT_PREFIX, Head, MailThreads, date_order
from archive.models.authenticity import check_signatures, raw_for_later

# Defects that mean the message is cut short (a truncated mbox): the item fails, with this reason.
TRUNCATION_DEFECTS = {
    "CloseBoundaryNotFoundDefect": "its last MIME part never ends (the file may be truncated)",
    "StartBoundaryNotFoundDefect": "its MIME parts are missing (the file may be truncated)",
}
# An HTML part is laid out as text by nh3 (html5ever), whose time grows with the number of tags
# times how deeply they are open: past this many open elements the tags are simply dropped.
HTML_NESTING_LIMIT = 200
HTML_TAG = re.compile(r"<(/?)([A-Za-z][^\s/<>]*)[^<>]*>")
# The line structure an HTML mail shows, kept when its tags are dropped: a line break, a new
# line before and after each block, a blank line around paragraphs, a dash before list items.
# (HTML's own whitespace — the source's line breaks inside a paragraph — is one space.)
HTML_BREAKS = [
    (re.compile(r"<br\b[^<>]*>", re.IGNORECASE), "\n"),
    (re.compile(r"</?(p|h[1-6]|blockquote|pre|table)\b[^<>]*>", re.IGNORECASE), "\n\n"),
    (re.compile(r"<li\b[^<>]*>", re.IGNORECASE), "\n- "),
    (
        re.compile(
            r"</?(div|tr|ul|ol|dl|dt|dd|hr|section|article|header|footer)\b[^<>]*>", re.IGNORECASE
        ),
        "\n",
    ),
    (re.compile(r"</t[dh]\s*>", re.IGNORECASE), "\t"),
]
# mboxrd (and mboxo) write a body line beginning "From " as ">From ", and ">From " as ">>From ":
# one ">" comes off again on reading.
MBOX_FROM_ESCAPE = re.compile(rb"^>(>*From )", re.MULTILINE)
HTML_HIDDEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
# Elements that never hold others, and those a browser closes by itself (an unclosed <p>):
# neither makes the open elements deeper.
HTML_NOT_NESTING = {
    # void elements
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
    # closed by the next of their kind
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody", "tfoot", "colgroup",
}  # fmt: skip


def read_mbox(path):
    """Every message of an mbox, read twice: first the headers of all of them, to thread the
    batch as a whole (archive/importing/mail_threads.py), then each message in date order, so
    that a reply comes after the message it answers whatever the mailbox's order."""
    with open(path, "rb") as stream:
        head = stream.read(5)
    if head != b"From ":
        raise FileRefused("This is not an mbox file: it does not begin with a 'From ' line.")
    entries = []  # (location, start, stop, Head or None)
    with open(path, "rb") as stream:
        for number, (start, stop) in enumerate(_mbox_spans(path), start=1):
            location = f"message {number} (byte offset {start})"
            too_large = limits.message_too_large(stop - start)
            head = None if too_large else mail_head(_mbox_message(stream, start, stop))
            entries.append((location, start, stop, head))
        threads = MailThreads([head for *_, head in entries if head])
        for location, start, stop, _ in sorted(entries, key=entry_order):
            too_large = limits.message_too_large(stop - start)
            if too_large:
                yield Problem("failed", location, f"the message is not imported: {too_large}")
                continue
            yield mail_item(_mbox_message(stream, start, stop), location, threads)


def count_mbox(path):
    """How many messages an mbox holds (one streaming pass over its "From " lines)."""
    return sum(1 for _ in _mbox_spans(path))


def count_eml(path):
    """How many .eml files a folder or a zip holds (1 for a single file)."""
    if limits.is_zip(path):
        return sum(1 for name in limits.SafeZip(path).names if name.lower().endswith(".eml"))
    if path.is_file():
        return 1
    return sum(1 for file in limits.folder_files(path)[0] if file.suffix.lower() == ".eml")


def _mbox_message(stream, start, stop):
    """The message between two byte offsets of an mbox: its "From " line (which separates
    messages and is not part of one) and the blank line before the next left out, and the
    ">From " escaping undone."""
    stream.seek(start)
    stream.readline()
    raw = stream.read(stop - stream.tell())
    if raw.endswith(b"\n\n"):
        raw = raw[:-1]
    return MBOX_FROM_ESCAPE.sub(rb"\1", raw)


def entry_order(entry):
    head = entry[-1]
    return date_order(head) if head else (True, 0)


def _mbox_spans(path):
    """(start, stop) byte offsets of each message of an mbox, found as the standard library's
    `mailbox.mbox` finds them (a line beginning "From "), but reading the file in pieces of at
    most a MiB: a line of any length costs no more memory than that."""
    started, last_was_empty, at_line_start = None, False, True
    with open(path, "rb") as stream:
        while True:
            position = stream.tell()
            line = stream.readline(limits.READ_CHUNK)
            if not line:
                if started is not None:
                    yield started, position - 1 if last_was_empty else position
                return
            if at_line_start and line.startswith(b"From "):
                if started is not None:
                    yield started, position - 1 if last_was_empty else position
                started, last_was_empty = position, False
            else:
                last_was_empty = at_line_start and line == b"\n"
            at_line_start = line.endswith(b"\n")


def read_eml(path):
    """One .eml file, every .eml file of a folder, or of a zip (read in place, never
    extracted)."""
    if limits.is_zip(path):
        return read_eml_zip(path)
    return read_eml_file(path) if path.is_file() else read_eml_folder(path)


def read_eml_zip(path):
    """Every .eml member of a zip, read twice as an mbox is (`read_mbox`)."""
    archive = limits.SafeZip(path)
    members = [name for name in archive.names if name.lower().endswith(".eml")]
    if not members:
        raise FileRefused("This zip holds no .eml files.")
    entries = []
    for name in members:
        too_large = limits.message_too_large(archive.declared_size(name))
        entries.append((name, None if too_large else mail_head(archive.read(name))))
    threads = MailThreads([head for _, head in entries if head])
    archive.reader.total = 0  # each reading of the zip is bounded on its own
    for name, _ in sorted(entries, key=entry_order):
        too_large = limits.message_too_large(archive.declared_size(name))
        if too_large:
            yield Problem("failed", name, f"the message is not imported: {too_large}")
            continue
        raw = archive.read(name)
        if too_large := limits.message_too_large(len(raw)):
            yield Problem("failed", name, f"the message is not imported: {too_large}")
            continue
        yield mail_item(raw, name, threads)


def read_eml_file(path):
    yield _eml_item(path, path.name, None)


def read_eml_folder(path):
    """Every .eml file of a folder, read twice as an mbox is (`read_mbox`)."""
    files, links = limits.folder_files(path)
    files = [p for p in files if p.suffix.lower() == ".eml"]
    for link in links:
        yield Problem("skipped", str(link.relative_to(path)), limits.link_reason(path, link))
    if not files:
        raise FileRefused("This folder holds no .eml files.")
    entries = []
    for file in files:
        too_large = limits.message_too_large(file.stat().st_size)
        entries.append((file, None if too_large else mail_head(file.read_bytes())))
    threads = MailThreads([head for _, head in entries if head])
    for file, _ in sorted(entries, key=entry_order):
        yield _eml_item(file, str(file.relative_to(path)), threads)


def _eml_item(file, location, threads):
    too_large = limits.message_too_large(file.stat().st_size)
    if too_large:
        return Problem("failed", location, f"the message is not imported: {too_large}")
    return mail_item(file.read_bytes(), location, threads)


def mail_head(raw):
    """What threading needs of a message, from its headers alone (None when they cannot be
    read: the message then fails when it is read in full, with the reason)."""
    try:
        message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        return _head_of(message, raw)
    except (RecursionError, ValueError, LookupError, TypeError, IndexError, AttributeError):
        return None


def _head_of(message, raw):
    senders = _parties(message.get_all("from", []))
    recipients = [
        party for name in ("to", "cc", "bcc") for party in _parties(message.get_all(name, []))
    ]
    message_id = _original_id(message, raw)
    references = _angle_ids(str(message.get("references", "")))
    in_reply_to = _angle_ids(str(message.get("in-reply-to", "")))
    return Head(
        message_id=message_id,
        # References, then the In-Reply-To id when References does not end with it.
        references=[r for r in dict.fromkeys([*references, *in_reply_to[-1:]]) if r != message_id],
        subject=" ".join(_header(message.get("subject", "")).split()),
        sender=senders[0].address if senders else "",
        people=frozenset(party.address for party in [*senders, *recipients]),
        moment=_moment(message),
    )


def _original_id(message, raw):
    message_id = _angle_ids(str(message.get("message-id", "")))
    return message_id[0] if message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def _moment(message):
    try:
        moment = email.utils.parsedate_to_datetime(str(message.get("date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def mail_item(raw, location, threads):
    try:
        # compat32: the email package's fast parser; headers are decoded here (RFC 2047), the
        # bodies by get_payload(decode=True) (quoted-printable, base64) and their charsets.
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        return _read(message, raw, location, threads)
    except _Unreadable as problem:
        return Problem("failed", location, str(problem))
    except RecursionError:
        # The email package parses parts within parts, and comments within comments of an
        # address, by recursion: thousands of levels end here, for this message only.
        return Problem(
            "failed", location, limits.nesting_reason("its MIME parts (or an address's comments)")
        )
    except (ValueError, LookupError, TypeError, IndexError, AttributeError) as error:
        # The email package raises these for headers it cannot make sense of.
        return Problem(
            "failed", location, f"unreadable e-mail ({error.__class__.__name__}: {error})"
        )


class _Unreadable(Exception):
    pass


def _header(value):
    """A header's text with RFC 2047 encoded words decoded; the raw text if they cannot be."""
    if value is None:
        return ""
    value = _raw_header(value)
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return value


def _raw_header(value):
    """A header's text as written (encoded words left as they are). Raw 8-bit bytes in it
    (UTF-8, as RFC 6532 allows, or an old client's Latin-1) are read, never mangled: the parser
    keeps them as bytes of an unknown charset, or as surrogates."""
    if isinstance(value, email.header.Header):
        value = "".join(
            _bytes_text(part, charset) if isinstance(part, bytes) else part
            for part, charset in email.header.decode_header(value)
        )
    return _eight_bit(str(value))


def _bytes_text(raw, charset):
    for candidate in (charset if charset and charset != "unknown-8bit" else None, "utf-8"):
        if candidate:
            try:
                return raw.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return raw.decode("latin-1")


def _eight_bit(text):
    """A header written in raw 8-bit bytes (UTF-8, as RFC 6532 allows, or an old client's
    Latin-1) reaches us with each such byte as a surrogate: read the bytes as UTF-8, else as
    Latin-1, which reads any byte."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _walk(message):
    """The message's parts in the order `Message.walk()` gives them, walked with a stack of our
    own; _Unreadable when they nest deeper than IMPORT_MAX_NESTING_DEPTH."""
    limit = limits.max_nesting_depth()
    parts, stack = [], [(message, 1)]
    while stack:
        part, depth = stack.pop()
        if depth > limit:
            raise _Unreadable(limits.nesting_reason("its MIME parts"))
        parts.append(part)
        if part.is_multipart():
            stack.extend((child, depth + 1) for child in reversed(part.get_payload()))
    return parts


def _read(message, raw, location, threads):
    parts = _walk(message)
    for defect in [d for part in parts for d in part.defects]:
        reason = TRUNCATION_DEFECTS.get(type(defect).__name__)
        if reason:
            raise _Unreadable(reason)
    senders = _parties(message.get_all("from", []))
    if not senders:
        raise _Unreadable("no From address")
    to, cc, bcc = (_parties(message.get_all(name, [])) for name in ("to", "cc", "bcc"))
    recipients = list({party.address: party for party in [*to, *cc, *bcc]}.values())
    head = _head_of(message, raw)
    original_id, subject = head.message_id, head.subject
    message_id = _angle_ids(str(message.get("message-id", "")))
    in_reply_to = _angle_ids(str(message.get("in-reply-to", "")))
    # The message it answers: its In-Reply-To, else the last of its References; failing both,
    # the one the batch's threading takes it to answer (labelled inferred).
    placement = (threads or MailThreads([head])).place(original_id)
    parent = in_reply_to[-1] if in_reply_to else (head.references[-1] if head.references else "")
    parent_inferred = not parent and bool(placement.inferred_parent)
    parent = parent or placement.inferred_parent
    text_part, html_part, attachments = _parts(message, parts)
    text, original_text, note = _text(text_part, html_part)
    separator = b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n"
    header_end = raw.find(separator)
    header_block = raw if header_end == -1 else raw[:header_end]
    item = Item(
        original_id=original_id,
        location=location,
        sender=senders[0],
        recipients=[p for p in recipients if p != senders[0]],
        text=text,
        channel="email",
        original={
            "headers": header_block.decode("utf-8", errors="replace"),
            "text_part": original_text,
        },
        thread_key=placement.thread_key,
        thread_title=SUBJECT_PREFIX.sub("", subject).strip() or "(no subject)",
        thread_inferred=placement.inferred,
        in_reply_to=parent if parent != original_id else "",
        in_reply_to_inferred=parent_inferred,
        curator_note=note,
        attachments=attachments,
        subject=subject,
        mail_headers={
            "from": _listed(senders),
            "to": _listed(to),
            "cc": _listed(cc),
            "bcc": _listed(bcc),
            "date": " ".join(_header(message.get("date", "")).split()),
            "message_id": message_id[0] if message_id else "",
        },
        references=head.references,
    )
    if b"dkim-signature" in header_block.lower():
        item.dkim_checks = check_signatures(raw)
        unchecked = any(check["result"] == "no_key" for check in item.dkim_checks)
        if unchecked and len(raw) <= settings.DKIM_KEEP_RAW_BYTES:
            # The exact bytes, for checking again once a curator supplies the key.
            item.original["raw_base64"] = raw_for_later(raw)
    _date(message, item)
    return item


def _parties(values):
    parties, seen = [], set()
    for name, address in email.utils.getaddresses([_raw_header(v) for v in values]):
        address = address.strip().lower()
        if "@" not in address or address in seen:
            continue
        seen.add(address)
        parties.append(Party("email", address, display_name=_header(name).strip(), handle=address))
    return parties


def _listed(parties):
    return [{"name": party.display_name, "address": party.address} for party in parties]


def _angle_ids(value):
    return re.findall(r"<([^<>\s]+)>", value)


def _date(message, item):
    value = message.get("date")
    if not value:
        item.time_note = "The e-mail has no Date header."
        return
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        item.time_note = f"The Date header could not be read: {str(value)[:200]}"
        return
    if moment.tzinfo is None:
        # RFC 5322's "-0000": the time is UTC but the sender's zone is not known.
        item.sent_at = moment.replace(tzinfo=UTC)
        item.zone = "UTC"  # the instant is known; only the sender's own zone is not
        item.day = moment.date()
        item.time_note = (
            "The Date header gives the time in UTC without the sender's own zone (-0000)."
        )
        return
    offset = moment.utcoffset() or timedelta(0)
    item.sent_at = moment.astimezone(UTC)
    item.zone = _offset_label(offset)
    item.day = moment.date()


def _offset_label(offset):
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _parts(message, parts):
    """(first text/plain part, first text/html part, attachments) of a message's parts."""
    plain = html_part = None
    attachments = []
    for part in parts:
        if part.is_multipart():
            continue
        disposition = str(part.get("content-disposition", "")).lower()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if disposition.startswith("attachment") or filename or not content_type.startswith("text/"):
            if part is message and content_type.startswith("text/"):
                pass  # a single-part message is its body
            else:
                content = part.get_payload(decode=True) or b""
                attachments.append(
                    AttachmentData(
                        name=_header(filename or ""),
                        content_type=content_type,
                        content=content,
                    )
                )
                continue
        if content_type == "text/plain" and plain is None:
            plain = part
        elif content_type == "text/html" and html_part is None:
            html_part = part
    return plain, html_part, attachments


def _text(plain, html_part):
    """(text shown, the exact text part, a note): the plain part, else the HTML part as text."""
    if plain is not None:
        content = _decoded(plain)
        return content.strip("\n"), content, ""
    if html_part is not None:
        content = _decoded(html_part)
        note = "The e-mail has only an HTML part; its text is shown without markup."
        # Shown as text, never as HTML: tags dropped, entities read, its lines kept.
        laid_out = _html_lines(content)
        if _html_depth(content) <= HTML_NESTING_LIMIT:
            text = nh3.clean(laid_out, tags=set(), clean_content_tags={"script", "style"})
        else:
            text = _strip_tags(laid_out)
            note += f" Its tags nest more than {HTML_NESTING_LIMIT} deep and were simply removed."
        text = html.unescape(text).replace("\xa0", " ")
        # Blanks around each line dropped line by line (a regex over the whole text backtracks
        # badly), then at most one blank line in a row.
        text = "\n".join(line.strip(" \t") for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        return text, content, note
    return "", "", "The e-mail has no text part."


def _html_lines(content):
    """The HTML with its own whitespace made single spaces and its line structure (breaks,
    blocks, paragraphs, list items) written as new lines, ready for its tags to be dropped."""
    content = re.sub(r"\s+", " ", content)
    for pattern, replacement in HTML_BREAKS:
        content = pattern.sub(replacement, content)
    return content


def _html_depth(content):
    """How many elements the HTML leaves open at most (an upper bound), in one pass."""
    depth = deepest = 0
    for match in HTML_TAG.finditer(content):
        closing, name = match[1], match[2].lower()
        if name in HTML_NOT_NESTING or match[0].endswith("/>"):
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def _strip_tags(content):
    """The HTML's text with script and style contents and every tag removed, in linear time."""
    pieces, position = [], 0
    while opening := HTML_HIDDEN.search(content, position):
        pieces.append(content[position : opening.start()])
        closing = re.compile(rf"</{opening[1]}\s*>", re.IGNORECASE).search(content, opening.end())
        position = closing.end() if closing else len(content)
    pieces.append(content[position:])
    return re.sub(r"<[^<>]*>", "", "".join(pieces))


def _decoded(part):
    """The part's text: its bytes (quoted-printable or base64 undone) in its declared charset,
    else UTF-8, else Latin-1, which reads any byte: never an error."""
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset(), "utf-8", "latin-1"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")
