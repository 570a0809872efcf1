"""Outlook .msg files for the tests, written here: no sample file comes from elsewhere.

A .msg is a Compound File (MS-CFB, version 3: 512-byte sectors, 64-byte mini sectors) whose
storages and streams hold MAPI properties as MS-OXMSG lays them out: strings in
`__substg1.0_<tag>` streams (UTF-16LE, type 001F), fixed-size values in
`__properties_version1.0`, one storage per recipient and per attachment. This writer knows just
enough of both for extract-msg to read what a mail client would have saved.
"""

import struct
from datetime import UTC, datetime

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NO_STREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

# MAPI property tags (MS-OXPROPS) written as strings (type 001F)
STRINGS = {
    "message_class": 0x001A,
    "subject": 0x0037,
    "sender_name": 0x0C1A,
    "sender_email": 0x0C1F,
    "sender_address_type": 0x0C1E,
    "display_to": 0x0E04,
    "display_cc": 0x0E03,
    "display_bcc": 0x0E02,
    "transport_headers": 0x007D,
    "body": 0x1000,
    "message_id": 0x1035,
    "in_reply_to": 0x1042,
    "references": 0x1039,
    "sender_smtp": 0x5D01,
}


def _utf16(text):
    return text.encode("utf-16-le")


def _filetime(moment):
    return int((moment - FILETIME_EPOCH).total_seconds() * 10_000_000)


def _fixed_property(tag, kind, value):
    """One 16-byte entry of a __properties_version1.0 stream: tag, flags (readable and
    writable), and an 8-byte value (a string's entry gives its stream's size)."""
    return struct.pack("<IIQ", (tag << 16) | kind, 6, value)


def outlook_msg(
    subject="",
    sender=("", ""),
    to=(),
    cc=(),
    body=None,
    html=None,
    sent=None,
    message_id="",
    in_reply_to="",
    references="",
    headers="",
    attachments=(),
):
    """The bytes of a .msg: `sender`, `to` and `cc` are (name, address) pairs, `sent` an aware
    datetime, `headers` the Internet headers Outlook keeps of a received mail, `attachments`
    (filename, mime type, bytes) triples."""
    root = {}
    strings = {
        "message_class": "IPM.Note",
        "subject": subject,
        "sender_name": sender[0],
        "sender_email": sender[1],
        "sender_address_type": "SMTP",
        "sender_smtp": sender[1],
        "display_to": "; ".join(name or address for name, address in to),
        "display_cc": "; ".join(name or address for name, address in cc),
        "transport_headers": headers,
        "message_id": message_id,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    if body is not None:
        strings["body"] = body
    properties = b""
    for key, text in strings.items():
        if not text:
            continue
        tag = STRINGS[key]
        data = _utf16(text)
        root[f"__substg1.0_{tag:04X}001F"] = data
        properties += _fixed_property(tag, 0x001F, len(data) + 2)
    if html is not None:
        data = html.encode("utf-8")
        root["__substg1.0_10130102"] = data
        properties += _fixed_property(0x1013, 0x0102, len(data))
    if sent is not None:
        for tag in (0x0039, 0x0E06):  # client submit time, delivery time
            properties += _fixed_property(tag, 0x0040, _filetime(sent))
    recipients = [(1, person) for person in to] + [(2, person) for person in cc]
    header = struct.pack("<8xIIII8x", len(recipients), len(attachments), len(recipients),
                         len(attachments))  # fmt: skip
    root["__properties_version1.0"] = header + properties
    root["__nameid_version1.0"] = {
        "__substg1.0_00020102": b"",
        "__substg1.0_00030102": b"",
        "__substg1.0_00040102": b"",
    }
    for number, (kind, (name, address)) in enumerate(recipients):
        entries = {}
        props = _fixed_property(0x0C15, 0x0003, kind)
        for tag, text in ((0x3001, name or address), (0x3003, address), (0x39FE, address),
                          (0x3002, "SMTP")):  # fmt: skip
            data = _utf16(text)
            entries[f"__substg1.0_{tag:04X}001F"] = data
            props += _fixed_property(tag, 0x001F, len(data) + 2)
        entries["__properties_version1.0"] = bytes(8) + props
        root[f"__recip_version1.0_#{number:08X}"] = entries
    for number, (filename, mime_type, content) in enumerate(attachments):
        entries = {"__substg1.0_37010102": content}
        props = _fixed_property(0x3705, 0x0003, 1)  # attached by value
        props += _fixed_property(0x3701, 0x0102, len(content))
        for tag, text in ((0x3707, filename), (0x3704, filename[:8]), (0x370E, mime_type),
                          (0x3703, "." + filename.rsplit(".", 1)[-1])):  # fmt: skip
            data = _utf16(text)
            entries[f"__substg1.0_{tag:04X}001F"] = data
            props += _fixed_property(tag, 0x001F, len(data) + 2)
        entries["__properties_version1.0"] = bytes(8) + props
        root[f"__attach_version1.0_#{number:08X}"] = entries
    return compound_file(root)


def _order(name):
    """The order MS-CFB keeps siblings in: shorter names first, then by upper-cased name."""
    return (len(name), name.upper())


def compound_file(tree):
    """A Compound File of `tree`: a dict of stream name -> bytes and storage name -> dict."""
    entries = []  # [name, kind, children ids, data, left, right, child, start, size]

    def add(name, kind, data=b""):
        entries.append({"name": name, "kind": kind, "data": data, "left": NO_STREAM,
                        "right": NO_STREAM, "child": NO_STREAM, "start": END,
                        "size": 0})  # fmt: skip
        return len(entries) - 1

    def add_children(parent, children):
        ids = []
        for name in sorted(children, key=_order):
            value = children[name]
            if isinstance(value, dict):
                child = add(name, STORAGE)
                add_children(child, value)
            else:
                child = add(name, STREAM, value)
            ids.append(child)
        # A chain of right siblings, all black: a valid (if unbalanced) tree in MS-CFB's order.
        for here, after in zip(ids, ids[1:], strict=False):
            entries[here]["right"] = after
        if ids:
            entries[parent]["child"] = ids[0]

    add("Root Entry", ROOT)
    add_children(0, tree)

    mini_stream, mini_fat = bytearray(), []
    big_streams = []
    for entry in entries:
        data = entry["data"]
        entry["size"] = len(data)
        if entry["kind"] != STREAM or not data:
            continue
        if len(data) < MINI_CUTOFF:
            first = len(mini_stream) // MINI_SECTOR
            count = -(-len(data) // MINI_SECTOR)
            mini_fat += [first + i + 1 for i in range(count - 1)] + [END]
            entry["start"] = first
            mini_stream += data + bytes(count * MINI_SECTOR - len(data))
        else:
            big_streams.append(entry)

    def sectors_of(size):
        return -(-size // SECTOR)

    directory = sectors_of(len(entries) * 128)
    mini_fat_sectors = sectors_of(len(mini_fat) * 4)
    mini_stream_sectors = sectors_of(len(mini_stream))
    big = sum(sectors_of(len(entry["data"])) for entry in big_streams)
    fat_sectors = 1
    while (
        fat_sectors * 128 < fat_sectors + directory + mini_fat_sectors + mini_stream_sectors + big
    ):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("This writer keeps to files whose FAT fits the header.")

    fat, body = [FAT_SECTOR] * fat_sectors, bytearray()

    def place(data, count):
        first = len(fat)
        fat.extend([first + i + 1 for i in range(count - 1)] + [END])
        body.extend(data + bytes(count * SECTOR - len(data)))
        return first

    records = bytearray()
    mini_fat_bytes = b"".join(struct.pack("<I", value) for value in mini_fat)
    # The directory goes first, written once every start sector is known.
    directory_start = len(fat)
    fat.extend([directory_start + i + 1 for i in range(directory - 1)] + [END])
    body.extend(bytes(directory * SECTOR))
    mini_fat_start = place(mini_fat_bytes, mini_fat_sectors) if mini_fat else END
    if mini_stream:
        entries[0]["start"] = place(bytes(mini_stream), mini_stream_sectors)
        entries[0]["size"] = len(mini_stream)
    for entry in big_streams:
        entry["start"] = place(entry["data"], sectors_of(len(entry["data"])))
    for entry in entries:
        name = _utf16(entry["name"])[:62]
        start = entry["start"] if entry["kind"] != STORAGE else 0
        records += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name) + 2,
            entry["kind"],
            1,  # black
            entry["left"],
            entry["right"],
            entry["child"],
            bytes(16),
            0,
            0,
            0,
            start,
            entry["size"],
        )
    records += b"".join(struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NO_STREAM, NO_STREAM,
                                    NO_STREAM, bytes(16), 0, 0, 0, 0, 0)
                        for _ in range(directory * 4 - len(entries)))  # fmt: skip
    body[0 : len(records)] = records
    fat += [FREE] * (fat_sectors * 128 - len(fat))
    fat_bytes = b"".join(struct.pack("<I", value) for value in fat)
    difat = list(range(fat_sectors)) + [FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        fat_sectors,
        directory_start,
        0,
        MINI_CUTOFF,
        mini_fat_start,
        mini_fat_sectors if mini_fat else 0,
        END,
        0,
    ) + b"".join(struct.pack("<I", value) for value in difat)
    return header + fat_bytes + bytes(body)
