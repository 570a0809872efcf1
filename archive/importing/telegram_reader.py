"""A Telegram Desktop export: result.json, of one chat or of the whole account
({"chats": {"list": [ … ]}}). Times come from `date_unixtime` (an instant); `date` is the
exporting computer's local clock without a zone and is kept only in the original."""

import json
from datetime import UTC, datetime

from archive.importing import limits
from archive.importing.items import FileRefused, Item, Party, Problem


def read_export(path):
    """result.json, or the result.json of the folder `path`."""
    return read_telegram(limits.export_file(path, "result.json"))


def read_telegram(path):
    try:
        with open(path, "rb") as stream:
            data = json.loads(stream.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FileRefused(f"This is not readable JSON: {error}") from error
    except RecursionError as error:
        # Python's JSON parser recurses: a file of thousands of nested lists ends here.
        raise FileRefused(
            "This JSON nests lists and objects too deeply to be read: not a Telegram export."
        ) from error
    if not isinstance(data, dict):
        raise FileRefused("This JSON is not a Telegram export (no chat at its top).")
    if isinstance(data.get("chats"), dict):
        chats = data["chats"].get("list", [])
    elif "messages" in data:
        chats = [data]
    else:
        raise FileRefused("This JSON is not a Telegram export: it has no 'messages' or 'chats'.")
    items = []
    for chat in chats:
        if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
            continue
        chat_id = str(chat.get("id", ""))
        members = {}
        for message in chat["messages"]:
            if (
                isinstance(message, dict)
                and message.get("type") == "message"
                and message.get("from_id")
            ):
                members.setdefault(str(message["from_id"]), message.get("from") or "")
        for message in chat["messages"]:
            items.append(_item(message, chat, chat_id, members))
    if not items:
        raise FileRefused("This Telegram export holds no messages.")
    return items


def _text(value):
    """`text` is a string, or a list of strings and {"type", "text"} pieces (links, bold…)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            piece if isinstance(piece, str) else str(piece.get("text", "")) for piece in value
        )
    return ""


def _item(message, chat, chat_id, members):
    location = (
        f"chat {chat_id}, message {message.get('id', '?') if isinstance(message, dict) else '?'}"
    )
    if not isinstance(message, dict):
        return Problem("failed", location, "not a message object")
    if limits.too_deep(message):
        return Problem("failed", location, limits.nesting_reason("its fields"))
    if message.get("type") != "message":
        return Problem(
            "skipped", location, f"a {message.get('type', 'untyped')} entry, not a message"
        )
    try:
        sent_at = datetime.fromtimestamp(int(message["date_unixtime"]), tz=UTC)
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        return Problem("failed", location, "no readable date_unixtime")
    sender_id = str(message.get("from_id") or "")
    if not sender_id or "id" not in message:
        return Problem("failed", location, "no id or from_id")

    def party(user_id):
        return Party(
            "telegram",
            user_id,
            display_name=members.get(user_id, ""),
            handle=members.get(user_id) or user_id,
        )

    text = _text(message.get("text"))
    note = ""
    if message.get("media_type") or message.get("file") or message.get("photo"):
        kind = message.get("media_type") or ("photo" if message.get("photo") else "file")
        note = f"The export lists a {kind} with this message; the file itself was not imported."
    reply = message.get("reply_to_message_id")
    return Item(
        original_id=f"{chat_id}:{message['id']}",
        location=location,
        sender=party(sender_id),
        recipients=[party(m) for m in sorted(members) if m != sender_id],
        text=text,
        channel="chat",
        original=message,
        sent_at=sent_at,
        zone="UTC",
        day=sent_at.date(),
        thread_key=f"telegram:{chat_id}",
        thread_title=chat.get("name") or f"Telegram chat {chat_id}",
        in_reply_to=f"{chat_id}:{reply}" if reply is not None else "",
        curator_note=note,
    )
