"""Outlook .msg files: one file, a folder of them or a zip of them, read as e-mail.

extract-msg reads the Compound File and its MAPI properties; each message is then written as
the Internet message it stands for and read by the e-mail reader (archive/importing/
email_reader.py), so that threading, text, people, attachments and dates follow one set of rules
whatever the mail came in. The headers are Outlook's copy of the ones the mail arrived with
(PR_TRANSPORT_MESSAGE_HEADERS) when it kept them, else they are made from the properties
(sender, recipients, subject, times, Message-ID, In-Reply-To, References).
"""

import email.message
import email.policy
import email.utils
import logging

import extract_msg
import olefile
from extract_msg.enums import AttachmentType, ErrorBehavior
from extract_msg.msg_classes.message_base import MessageBase

from archive.importing import limits
from archive.importing.email_reader import entry_order, mail_head, mail_item
from archive.importing.items import FileRefused, Problem
from archive.importing.mail_threads import MailThreads

SUFFIX = ".msg"
# Headers Outlook kept that describe the MIME body it no longer has: the body written here
# carries its own.
BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", "content-disposition"}
# The Outlook items that are mail (message classes, MS-OXCMSG): notes, posts, delivery reports
# and meeting mail. Tasks, contacts, appointments and the like are not correspondence.
MAIL_CLASSES = ("ipm.note", "ipm.post", "report.", "ipm.schedule.meeting")
# extract-msg logs every oddity of a file at WARNING and above; the import's report says what
# matters, so its log is kept to errors.
logging.getLogger("extract_msg").setLevel(logging.ERROR)


def read_msg(path):
    """One .msg file, every .msg file of a folder, or of a zip (read in place, never
    extracted), read twice as an mbox is: the headers of all to thread the batch, then each
    message in date order."""
    if limits.is_zip(path):
        archive = limits.SafeZip(path)
        names = [name for name in archive.names if name.lower().endswith(SUFFIX)]
        if not names:
            raise FileRefused("This zip holds no .msg files.")
        sources = [(name, archive.declared_size(name), lambda name=name: archive.read(name))
                   for name in names]  # fmt: skip
    elif path.is_file():
        sources = [(path.name, path.stat().st_size, path.read_bytes)]
    else:
        files, links = limits.folder_files(path)
        for link in links:
            yield Problem("skipped", str(link.relative_to(path)), limits.link_reason(path, link))
        files = [file for file in files if file.suffix.lower() == SUFFIX]
        if not files:
            raise FileRefused("This folder holds no .msg files.")
        sources = [(str(file.relative_to(path)), file.stat().st_size, file.read_bytes)
                   for file in files]  # fmt: skip
    entries = []  # (location, the message as Internet mail or a Problem, notes, Head or None)
    for location, size, read in sources:
        too_large = limits.message_too_large(size)
        if too_large:
            entries.append((location, Problem("failed", location, f"the message is not "
                                              f"imported: {too_large}"), "", None))  # fmt: skip
            continue
        converted = _converted(read(), location)
        if isinstance(converted, Problem):
            entries.append((location, converted, "", None))
        else:
            raw, note = converted
            entries.append((location, raw, note, mail_head(raw)))
    threads = MailThreads([head for *_, head in entries if head])
    for location, raw, note, _ in sorted(entries, key=entry_order):
        if isinstance(raw, Problem):
            yield raw
            continue
        item = mail_item(raw, location, threads)
        if note and not isinstance(item, Problem):
            item.curator_note = " ".join(filter(None, [item.curator_note, note]))
        yield item


def count_msg(path):
    """How many .msg files a folder or a zip holds (1 for a single file)."""
    if limits.is_zip(path):
        return sum(1 for name in limits.SafeZip(path).names if name.lower().endswith(SUFFIX))
    if path.is_file():
        return 1
    return sum(1 for file in limits.folder_files(path)[0] if file.suffix.lower() == SUFFIX)


def _converted(data, location):
    """(the .msg as the bytes of an Internet message, a note for curators), or a Problem."""
    if not data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        return Problem("failed", location, "this is not an Outlook .msg file (no Compound File "
                       "signature)")  # fmt: skip
    if len(data) < olefile.MINIMAL_OLEFILE_SIZE:
        # (olefile would take so few bytes for the name of a file to open)
        return Problem("failed", location, "this is too short to be an Outlook .msg file "
                       "(a header, a FAT and a directory are 1,536 bytes at least)")  # fmt: skip
    try:
        outlook = extract_msg.openMsg(data, strict=False, errorBehavior=ErrorBehavior.SUPPRESS_ALL)
    except Exception as error:  # noqa: BLE001 — any failure of the third-party parser
        return Problem("failed", location, _unreadable(error))
    try:
        kind = outlook.classType or ""
        if not kind:
            return Problem("failed", location, "this Outlook file has no message class: it is "
                           "not an e-mail, or it is damaged")  # fmt: skip
        if not isinstance(outlook, MessageBase) or not kind.lower().startswith(MAIL_CLASSES):
            return Problem("failed", location, f"this Outlook item is not an e-mail ({kind})")
        return _internet_message(outlook)
    except RecursionError:
        return Problem("failed", location, limits.nesting_reason("its embedded items"))
    except Exception as error:  # noqa: BLE001 — as above: a hostile file fails alone
        return Problem("failed", location, _unreadable(error))
    finally:
        outlook.close()


def _unreadable(error):
    return f"unreadable Outlook message ({error.__class__.__name__}: {str(error)[:200]})"


def _internet_message(outlook):
    """The message's headers, then a MIME body of its plain text, its HTML and attachments."""
    body = email.message.EmailMessage(policy=email.policy.default.clone(linesep="\n"))
    plain, html = outlook.body, outlook.htmlBody
    if plain:
        body.set_content(plain.replace("\r\n", "\n"))
    if html:
        text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else str(html)
        if plain:
            body.add_alternative(text, subtype="html")
        else:
            body.set_content(text, subtype="html")
    if not plain and not html:
        body.set_content("")
    notes = []
    for attachment in outlook.attachments:
        name = attachment.longFilename or attachment.shortFilename or "attachment"
        data = attachment.data if attachment.type == AttachmentType.DATA else None
        if not isinstance(data, bytes):
            notes.append(f"An attachment of the Outlook file ({name}) is not a file and is not "
                         f"imported.")  # fmt: skip
            continue
        maintype, _, subtype = (attachment.mimetype or "application/octet-stream").partition("/")
        if body.get_content_maintype() != "multipart" or body.get_content_subtype() != "mixed":
            body.make_mixed()
        body.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream",
                            filename=name)  # fmt: skip
    lines = _header_lines(outlook)
    raw = "".join(f"{name}: {value}\n" for name, value in lines).encode("utf-8")
    return raw + body.as_bytes(), " ".join(notes)


def _header_lines(outlook):
    """(name, value) of the message's headers, each value on one line: the ones Outlook kept,
    and the ones its properties give that they lack."""
    lines = []
    kept = outlook.headerText or ""
    if kept.startswith("Microsoft Mail Internet Headers Version 2.0"):
        kept = kept[len("Microsoft Mail Internet Headers Version 2.0") :]
    if kept.strip():
        parsed = email.message_from_string(kept.lstrip(), policy=email.policy.compat32)
        lines = [(name, value) for name, value in parsed.items()
                 if name.lower() not in BODY_HEADERS]  # fmt: skip
    present = {name.lower() for name, _ in lines}
    sent = outlook.date
    from_properties = {
        "From": outlook.sender,
        "To": outlook.to,
        "Cc": outlook.cc,
        "Bcc": outlook.bcc,
        "Subject": outlook.subject,
        "Date": email.utils.format_datetime(sent) if sent and sent.tzinfo else "",
        "Message-ID": outlook.messageId,
        "In-Reply-To": outlook.inReplyTo,
        "References": outlook.getStringStream("__substg1.0_1039"),
    }
    for name, value in from_properties.items():
        if value and name.lower() not in present:
            lines.append((name, value))
    # One line each: a property's line breaks never start a header of their own.
    return [(name, " ".join(str(value).split())) for name, value in lines]
