"""A Twitter/X account archive, as a folder or its zip: data/direct-messages.js,
data/direct-messages-group.js and data/tweets.js (each `window.YTD.<name>.part0 = [ … ]`), and
data/account.js for whose archive it is. Read whole (these files are small beside a mailbox),
within the bounds of `limits`: a zip's members are counted as they expand, and nothing is read
through a symbolic link of a folder."""

import json
import re
import zipfile
from datetime import UTC, datetime

from archive.importing import limits
from archive.importing.items import FileRefused, Item, Party, Problem

FILES = {
    "account": "data/account.js",
    "direct_messages": "data/direct-messages.js",
    "group_messages": "data/direct-messages-group.js",
    "tweets": "data/tweets.js",
}
ASSIGNMENT = re.compile(rb"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")


class _Archive:
    """The archive's files by their path inside it, from a folder or a zip (read, never
    extracted: a member named `../x` or `/x` refuses the whole zip)."""

    def __init__(self, path):
        self.path = path
        self.zip = None
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except zipfile.BadZipFile as error:
                raise FileRefused(f"This is not a readable zip file: {error}") from error
            for name in self.zip.namelist():
                parts = name.replace("\\", "/").split("/")
                if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                    raise FileRefused(f"The zip holds an unsafe path: {name!r}. Nothing was read.")
            # Archives are often zipped with a top folder: find data/ wherever it is.
            self.prefix = ""
            self.members = limits.ZipReader(self.zip, path.stat().st_size)
            for name in self.zip.namelist():
                if name.endswith(FILES["direct_messages"]) or name.endswith(FILES["tweets"]):
                    self.prefix = name[: name.rindex("data/")]
                    break

    def read(self, relative):
        if self.zip:
            try:
                self.zip.getinfo(self.prefix + relative)
            except KeyError:
                return None
            return self.members.read(self.prefix + relative)
        target = limits.file_in_folder(self.path, relative)
        return target.read_bytes() if target else None


def _entries(archive, key):
    raw = archive.read(FILES[key])
    if raw is None:
        return []
    start = ASSIGNMENT.match(raw)
    try:
        # Decoded past the assignment without a copy of the bytes; then only the text is kept.
        text = str(memoryview(raw)[start.end() if start else 0 :], "utf-8-sig")
        del raw
        data = json.loads(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise FileRefused(f"{FILES[key]} is not readable JSON: {error}") from error
    except RecursionError as error:
        raise FileRefused(
            f"{FILES[key]} nests lists and objects too deeply to be read: not an export."
        ) from error
    if not isinstance(data, list):
        raise FileRefused(f"{FILES[key]} does not hold a list.")
    return data


def _when(text):
    """createdAt is ISO 8601 in UTC for messages ("2016-09-20T03:39:40.000Z"); tweets use
    "Wed Oct 12 01:28:00 +0000 2016"."""
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%a %b %d %H:%M:%S %z %Y"):
        try:
            return datetime.strptime(text.replace("Z", "+0000"), pattern).astimezone(UTC)
        except (ValueError, AttributeError):
            continue
    return None


def read_twitter(path):
    archive = _Archive(path)
    owner = {}
    for entry in _entries(archive, "account"):
        owner = entry.get("account", {}) if isinstance(entry, dict) else {}
    owner_id = str(owner.get("accountId", ""))
    handles = {owner_id: "@" + owner["username"]} if owner.get("username") else {}
    names = {owner_id: owner.get("accountDisplayName", "")} if owner_id else {}

    def party(user_id):
        user_id = str(user_id)
        return Party(
            "twitter",
            user_id,
            display_name=names.get(user_id, ""),
            handle=handles.get(user_id, f"user {user_id}"),
        )

    items = []
    for key in ("direct_messages", "group_messages"):
        for number, entry in enumerate(_entries(archive, key), start=1):
            conversation = entry.get("dmConversation") if isinstance(entry, dict) else None
            if not isinstance(conversation, dict):
                items.append(
                    Problem("failed", f"{FILES[key]} entry {number}", "not a dmConversation")
                )
                continue
            conversation_id = str(conversation.get("conversationId", ""))
            title = conversation.get("name") or f"Direct messages {conversation_id}"
            members = set()
            for event in conversation.get("messages", []):
                body = event.get("messageCreate") if isinstance(event, dict) else None
                if body:
                    members.add(str(body.get("senderId", "")))
                    if body.get("recipientId"):
                        members.add(str(body["recipientId"]))
            for event in conversation.get("messages", []):
                location = f"{FILES[key]} conversation {conversation_id}"
                if limits.too_deep(event):
                    items.append(Problem("failed", location, limits.nesting_reason("its fields")))
                    continue
                body = event.get("messageCreate") if isinstance(event, dict) else None
                if body is None:
                    kind = next(iter(event), "?") if isinstance(event, dict) and event else "?"
                    items.append(Problem("skipped", location, f"not a message ({kind})"))
                    continue
                sent_at = _when(body.get("createdAt", ""))
                if not body.get("id") or not body.get("senderId") or sent_at is None:
                    items.append(
                        Problem("failed", location, "a message without id, sender or createdAt")
                    )
                    continue
                sender = str(body["senderId"])
                if body.get("recipientId"):
                    recipients = [party(body["recipientId"])]
                else:
                    recipients = [party(m) for m in sorted(members - {sender})]
                items.append(
                    Item(
                        original_id=f"dm:{body['id']}",
                        location=f"{location}, message {body['id']}",
                        sender=party(sender),
                        recipients=recipients,
                        text=body.get("text", ""),
                        channel="direct_message",
                        original=event,
                        sent_at=sent_at,
                        zone="UTC",
                        day=sent_at.date(),
                        thread_key=f"twitter-dm:{conversation_id}",
                        thread_title=title,
                    )
                )
    for number, entry in enumerate(_entries(archive, "tweets"), start=1):
        tweet = entry.get("tweet", entry) if isinstance(entry, dict) else None
        location = f"{FILES['tweets']} entry {number}"
        if not isinstance(tweet, dict) or not tweet.get("id_str"):
            items.append(Problem("failed", location, "not a tweet"))
            continue
        if limits.too_deep(entry):
            items.append(Problem("failed", location, limits.nesting_reason("its fields")))
            continue
        sent_at = _when(tweet.get("created_at", ""))
        if sent_at is None:
            items.append(Problem("failed", location, "a tweet without a readable created_at"))
            continue
        parent = tweet.get("in_reply_to_status_id_str") or ""
        items.append(
            Item(
                original_id=f"tweet:{tweet['id_str']}",
                location=f"{location}, tweet {tweet['id_str']}",
                sender=party(owner_id or tweet.get("user_id_str", "unknown")),
                recipients=[],
                text=tweet.get("full_text", tweet.get("text", "")),
                channel="public_tweet",
                original=entry,
                sent_at=sent_at,
                zone="UTC",
                day=sent_at.date(),
                thread_key=f"twitter-tweets:{owner_id}",
                thread_title=f"Tweets by {handles.get(owner_id, 'the archive owner')}",
                in_reply_to=f"tweet:{parent}" if parent else "",
            )
        )
    if not items:
        raise FileRefused("This Twitter archive holds no direct messages and no tweets.")
    # Archives list each conversation newest first: threads are read oldest first.
    return sorted(items, key=_chronological)


def _chronological(entry):
    if isinstance(entry, Problem):
        return (0, datetime.min.replace(tzinfo=UTC), "")
    return (1, entry.sent_at, entry.original_id)
