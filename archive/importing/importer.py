"""Write what a reader found into the archive as one `ImportBatch`, in one transaction.

    result = import_path(path, format=None, thread=None, dry_run=False, publish=False,
                         user=None, user_name="", skip_invalid=False)

Nothing is written when the file as a whole cannot be read (`FileRefused`), when any message
in it failed (unless `skip_invalid`), or on a dry run: the transaction is rolled back and the
result's report says what would have happened. A file already imported (same SHA-256) creates
nothing; a message already in the archive (same original identifier) is matched, not copied.
Attachment files wait in a staging folder until the transaction commits (`attachment_files`).
"""

import getpass
import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify

from archive.importing import formats, limits
from archive.importing.attachment_files import StagedFiles, final_name
from archive.importing.items import FileRefused, Problem, without_nul
from archive.models import (
    Account,
    Attachment,
    Authenticity,
    Collection,
    DkimCheck,
    ImportBatch,
    Message,
    Person,
    Source,
    Thread,
    dates,
)
from lib.caching import forget_figures

IMPORTER_VERSION = "1.1"  # 1.1: e-mail threaded across the batch (mail_threads.py)
# How an imported e-mail conversation was put together, in its description.
THREADED_BY_HEADERS = (
    "Threaded from the e-mails' References and In-Reply-To headers, as a mail client threads them."
)
INFERRED_BY_SUBJECT = (
    "Some answers carry no reply headers: they were placed by their subject and participants, "
    "and their reply links are marked inferred."
)
CHUNK = 500
EXAMPLES = 10
# What the review table of a dry run or a batch shows: its first messages, and counts per
# thread and per sender (the largest first), each bounded so a report stays small.
PREVIEW_ROWS = 100
PREVIEW_GROUPS = 50
FIRST_WORDS = 12
PLATFORM_PREFIX = {
    "email": "em",
    "twitter": "tw",
    "telegram": "tg",
    "whatsapp": "wa",
    "other": "ot",
}


@dataclass
class ImportResult:
    format: str
    file_name: str
    sha256: str = ""
    size: int = 0
    dry_run: bool = False
    batch: ImportBatch | None = None
    already_imported: ImportBatch | None = None
    refused: str = ""  # why nothing was written, when something in the file was wrong
    report: dict = field(default_factory=dict)

    @property
    def format_label(self):
        return formats.label(self.format)

    @property
    def wrote(self):
        return self.batch is not None and not self.dry_run and not self.refused


class _Refused(Exception):
    pass


def fingerprint(path):
    """(size in bytes, SHA-256) of a file, or of a folder's files (names and contents; the
    symbolic links in it are not followed, as no reader follows them). Called once the size
    on disk is within IMPORT_MAX_FILE_BYTES; a file that has grown past it since is refused as
    soon as the bytes read do."""
    read = 0

    def file_digest(file):
        nonlocal read
        digest = hashlib.sha256()
        with open(file, "rb") as stream:
            while chunk := stream.read(limits.READ_CHUNK):
                read += len(chunk)
                if too_large := limits.file_too_large(path.name, read):
                    raise FileRefused(too_large)
                digest.update(chunk)
        return digest.hexdigest()

    if path.is_file():
        sha256 = file_digest(path)
        return read, sha256
    digest = hashlib.sha256()
    for file in limits.folder_files(path)[0]:
        digest.update(f"{file.relative_to(path).as_posix()}\0{file_digest(file)}\n".encode())
    return read, digest.hexdigest()


def _authenticity(item):
    """A message whose DKIM signature verified is "verified by metadata", saying by which
    signature and key; every other imported message is unverified until a curator says more."""
    verified = [check for check in item.dkim_checks if check["result"] == DkimCheck.Result.VERIFIED]
    if not verified:
        return {}
    evidence = " ".join(DkimCheck(**check).summary for check in verified)
    return {
        "authenticity": Authenticity.VERIFIED,
        "authenticity_evidence": evidence,
        "authenticity_set_at": timezone.now(),
    }


def personal_data_counts(batch):
    """{kind: hits} of the personal data found in the batch's messages (archive/models/
    personal_data.py), and how many in all are undecided."""
    from archive.models.personal_data import PersonalDataHit, scan

    scan(Message.objects.filter(import_batch=batch))
    hits = PersonalDataHit.objects.filter(message__import_batch=batch)
    counts = dict(hits.values_list("kind").annotate(n=Count("pk")).order_by("kind"))
    counts["undecided"] = hits.filter(decision="").count()
    return counts


def import_path(
    path,
    *,
    format=None,
    thread=None,
    dry_run=False,
    publish=False,
    user=None,
    user_name="",
    skip_invalid=False,
    file_name=None,
    collection=None,
    progress=None,
):
    path = Path(path)
    if not path.exists():
        raise FileRefused(f"{path} does not exist.")
    if path.is_symlink() and not path.resolve().exists():
        raise FileRefused(f"{path} is a broken link.")
    # Measured, never read, before the limit is checked: the size the file system states.
    size = limits.size_on_disk(path)
    if size == 0 and path.is_dir() and limits.folder_files(path)[1]:
        raise FileRefused(
            f"{path.name} holds only symbolic links, which an import never follows (one may "
            "lead outside the folder): there is nothing to import."
        )
    if size == 0:
        raise FileRefused(f"{path.name} is empty: there is nothing to import.")
    if too_large := limits.file_too_large(path.name, size):
        raise FileRefused(too_large)
    import_format = formats.get(format or formats.detect(path))
    size, sha256 = fingerprint(path)
    result = ImportResult(
        format=import_format.name,
        file_name=file_name or path.name,
        sha256=sha256,
        size=size,
        dry_run=dry_run,
    )
    earlier = ImportBatch.objects.standing().filter(sha256=sha256).first()
    if earlier:
        return _already_imported(result, earlier)
    total = None
    if progress is not None and import_format.count is not None:
        try:
            total = import_format.count(path)
        except (FileRefused, OSError):
            total = None  # the reading below says what is wrong with the file
    items = import_format.read(path)  # FileRefused here: nothing read, nothing written
    writer = None
    try:
        with transaction.atomic():
            writer = _Writer(
                result,
                collection=_collection(collection, file_name or path.name),
                thread=thread,
                publish=publish,
                user=user,
                user_name=user_name or _command_user(),
                store_files=not dry_run,
            )
            writer.progress = (lambda done: progress(done, total)) if progress else None
            writer.write(items)
            result.report = writer.report()
            if writer.counts["failed"] and not skip_invalid:
                result.refused = (
                    f"{writer.counts['failed']} message(s) could not be read; nothing was "
                    "imported. Fix the file, or import the rest with --skip-invalid."
                )
                raise _Refused
            # Likely personal data in its words, for the review before publishing (a dry run
            # counts them too; the hits are kept only when the import is).
            result.report["personal_data"] = personal_data_counts(writer.batch)
            if dry_run:
                transaction.set_rollback(True)
            else:
                writer.batch.report = result.report
                writer.batch.save(update_fields=["report"])
                transaction.on_commit(writer.files.move_into_place)
                if publish:
                    forget_figures()
    except _Refused:
        pass
    except IntegrityError:
        # The same file imported at the same moment by someone else: theirs stands.
        earlier = ImportBatch.objects.standing().filter(sha256=sha256).first()
        if earlier is None:
            raise
        _already_imported(result, earlier)
    except BaseException:
        result.batch = None  # rolled back: nothing of it stays, its staged files included
        raise
    finally:
        if writer and writer.files and not result.wrote:
            # Rolled back (a refusal, an error): the staged attachments go too.
            writer.files.discard()
    if not result.wrote:
        result.batch = None
    return result


def _collection(name, file_name):
    """The collection an import goes into: the one named (made when new), else one made for
    the file ("mail.mbox" → collection mail-mbox): an unrelated file never joins a collection
    unasked. Made inside the import's transaction, so a dry run makes none."""
    slug = slugify((name or file_name).replace(".", " "))[:80].strip("-") or "import"
    collection, _ = Collection.objects.get_or_create(
        external_id=slug, defaults={"title": name or file_name}
    )
    return collection


def _already_imported(result, earlier):
    """The result of importing a file that batch `earlier` imported: nothing."""
    result.already_imported, result.batch = earlier, None
    result.report = {
        "created": 0,
        "matched": 0,
        "skipped": 0,
        "failed": 0,
        "already_imported": earlier.pk,
    }
    return result


def _command_user():
    try:
        return f"manage.py import_messages (system user {getpass.getuser()})"
    except (KeyError, OSError):
        return "manage.py import_messages"


def _header_text(item):
    """What search reads of a message beside its words: its people's names and addresses as
    the headers gave them, and its attachments' names."""
    people = [
        f"{party['name']} {party['address']}".strip()
        for kind in ("from", "to", "cc", "bcc")
        for party in item.mail_headers.get(kind, [])
    ]
    return "\n".join([*people, *(attachment.name for attachment in item.attachments)])


def _digest(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class _Writer:
    def __init__(self, result, *, collection, thread, publish, user, user_name, store_files):
        self.result = result
        self.collection = collection
        # A dry run writes no files at all.
        self.files = StagedFiles() if store_files else None
        import_format = formats.get(result.format)
        self.prefix, self.family = import_format.prefix, import_format.family
        self.identity = import_format.identity
        self.publish = publish
        self.fixed_thread = thread
        self.batch = ImportBatch.objects.create(
            file_name=result.file_name[:500],
            file_size=result.size,
            sha256=result.sha256,
            format=result.format,
            importer_version=IMPORTER_VERSION,
            imported_by=user if getattr(user, "pk", None) else None,
            imported_by_name=(getattr(user, "get_username", lambda: "")() or user_name)[:200],
            collection=collection,
        )
        result.batch = self.batch
        self.counts = Counter()
        self.examples = {"created": [], "matched": [], "skipped": [], "failed": []}
        self.threads, self.accounts, self.sources = {}, {}, {}
        self.new_names = {}  # account key -> display names met in the chunk being written
        self.next_position = {}
        self.placed = {}  # external id -> (pk, thread pk, position), this batch
        self.seen_keys = Counter()
        self.unlinked = []
        self.preview = []  # the first messages, as the review table shows them
        self.preview_rows = {}  # message pk -> its preview row (to add a reply's problem)
        self.per_thread = Counter()  # (thread external id, title) -> messages created
        self.per_sender = Counter()  # sender as shown -> messages created
        self.duplicates = []  # a transcription's messages already in the archive
        self.duplicate_count = 0

    def external_id(self, original_id):
        return f"{self.prefix}-{_digest(self.family, original_id)[:24]}"

    progress = None  # called with the number of items read so far, after each chunk

    def write(self, items):
        chunk = []
        read = 0
        for item in items:
            item = without_nul(item)
            read += 1
            if self.progress and read % CHUNK == 0:
                self.progress(read)
            if isinstance(item, Problem):
                self.counts[item.outcome] += 1
                if len(self.examples[item.outcome]) < EXAMPLES:
                    self.examples[item.outcome].append(
                        {"location": item.location, "reason": item.reason}
                    )
                continue
            chunk.append(item)
            if len(chunk) >= CHUNK:
                self._write_chunk(chunk)
                chunk = []
        if chunk:
            self._write_chunk(chunk)

    def report(self):
        return {
            "format": self.result.format,
            "created": self.counts["created"],
            "matched": self.counts["matched"],
            "skipped": self.counts["skipped"],
            "failed": self.counts["failed"],
            "threads_created": self.counts["threads"],
            "accounts_created": self.counts["accounts"],
            "attachments": self.counts["attachments"],
            "replies_linked": self.counts["replies"],
            "replies_not_linked": self.unlinked[:EXAMPLES],
            "published": self.publish,
            "collection": self.collection.external_id,
            "examples": self.examples,
            "preview": self.preview,
            "per_thread": [
                {"thread": thread, "title": title, "messages": count}
                for (thread, title), count in self.per_thread.most_common(PREVIEW_GROUPS)
            ],
            "threads": len(self.per_thread),
            "per_sender": [
                {"sender": sender, "messages": count}
                for sender, count in self.per_sender.most_common(PREVIEW_GROUPS)
            ],
            "senders": len(self.per_sender),
            "likely_duplicates": self.duplicate_count,
            "duplicate_examples": self.duplicates,
        }

    def _write_chunk(self, items):
        # bulk_create skips Message.save(): date the first publication here (the records feed).
        published_at = timezone.now() if self.publish else None
        keyed = []
        for item in items:
            key = item.original_id
            if self.identity == formats.BY_CONTENT:
                # Line numbers move between exports of one chat: a message is the same message
                # when its chat, time, author and words are (and which repeat of them it is).
                base = _digest(
                    item.thread_key, item.sent_at.isoformat(), item.sender.address, item.text
                )
                self.seen_keys[base] += 1
                key = f"{item.thread_key}:{base}:{self.seen_keys[base]}"
            elif self.identity == formats.PER_THREAD:
                key = f"{item.thread_key}:{item.original_id}"
            keyed.append((self.external_id(key), item))
        existing = set(
            Message.objects.filter(external_id__in=[ext for ext, _ in keyed]).values_list(
                "external_id", flat=True
            )
        )
        fresh = []
        for ext, item in keyed:
            if ext in existing or ext in self.placed:
                self.counts["matched"] += 1
                if len(self.examples["matched"]) < EXAMPLES:
                    self.examples["matched"].append(
                        {"location": item.location, "id": item.original_id}
                    )
                continue
            self.placed[ext] = None
            fresh.append((ext, item))
        self._load_accounts(party for _, item in fresh for party in [item.sender, *item.recipients])
        new = []
        for ext, item in fresh:
            thread = self._thread(item)
            position = self.next_position[thread.pk]
            self.next_position[thread.pk] += 1
            message = Message(
                external_id=ext,
                thread=thread,
                position=position,
                sender=self._account(item.sender),
                channel=item.channel,
                text=item.text,
                text_status=item.text_status,
                subject=item.subject[:1000],
                mail_headers=item.mail_headers,
                header_text=_header_text(item),
                curator_note=item.curator_note,
                sent_at=item.sent_at,
                sent_at_timezone=item.zone,
                time_note=item.time_note,
                date_earliest=item.day,
                date_latest=item.day_latest or item.day,
                is_published=self.publish,
                first_published_at=published_at,
                import_batch=self.batch,
                original_id=item.original_id[:500],
                original=item.original,
                **_authenticity(item),
            )
            new.append((message, item))
        self._save_display_names()
        Message.objects.bulk_create([message for message, _ in new], batch_size=CHUNK)
        recipients, links = [], []
        through = Message.recipients.through
        sources_through = Message.sources.through
        source_rows = []
        self._note_duplicates(new)
        for message, item in new:
            self.placed[message.external_id] = (message.pk, message.thread_id, message.position)
            self._review(message, item)
            self.counts["created"] += 1
            if len(self.examples["created"]) < EXAMPLES:
                self.examples["created"].append({"location": item.location, "id": item.original_id})
            for account in {self._account(p).pk for p in item.recipients}:
                recipients.append(through(message_id=message.pk, account_id=account))
            if item.source_url:
                source_rows.append(
                    sources_through(
                        message_id=message.pk, source_id=self._source(item.source_url).pk
                    )
                )
            if item.in_reply_to:
                links.append((message, item))
            for attachment in item.attachments:
                self._attach(message, attachment)
        through.objects.bulk_create(recipients, batch_size=CHUNK)
        sources_through.objects.bulk_create(source_rows, batch_size=CHUNK)
        DkimCheck.objects.bulk_create(
            [
                DkimCheck(message_id=message.pk, **check)
                for message, item in new
                for check in item.dkim_checks
            ],
            batch_size=CHUNK,
        )
        self._link_replies(links)

    def _review(self, message, item):
        """Count the message for the review table, and list it among the first ones."""
        sender = self._account(item.sender)
        self.per_thread[(message.thread.external_id, message.thread.title)] += 1
        self.per_sender[str(sender)] += 1
        if len(self.preview) >= PREVIEW_ROWS:
            return
        words = " ".join(item.text.split()[:FIRST_WORDS])
        problems = [note for note in (item.time_note, item.curator_note) if note]
        if item.in_reply_to_inferred:
            problems.append("reply link inferred from subject and participants")
        row = {
            "location": item.location,
            "id": message.external_id,
            "date": message.date_earliest.isoformat() if message.date_earliest else "",
            "time": dates.clock_time_iso(item.sent_at, item.zone) or "",
            "sender": str(sender),
            "recipients": [str(self._account(party)) for party in item.recipients][:EXAMPLES],
            "recipient_count": len(item.recipients),
            "subject": item.subject,
            "first_words": words,
            "thread": message.thread.title,
            "problems": problems,
        }
        self.preview.append(row)
        self.preview_rows[message.pk] = row

    def _note_duplicates(self, new):
        """A transcription (CSV) whose messages are already in the archive from another file
        (the same day and words): said in the report, before anything is confirmed."""
        if self.result.format != "csv" or not new:
            return
        # The day and the words: a transcription names its people its own way (@gina for an
        # address another file gave), so the sender is not compared.
        keys = {(m.date_earliest, m.text): m for m, _ in new}
        existing = (
            Message.objects.filter(text__in={m.text for m, _ in new})
            .exclude(import_batch=self.batch)
            .values_list("date_earliest", "text", "external_id")
        )
        for day, text, external_id in existing:
            message = keys.get((day, text))
            if message is None:
                continue
            self.duplicate_count += 1
            if len(self.duplicates) < EXAMPLES:
                self.duplicates.append(
                    {"id": message.original_id, "already_as": external_id, "text": text[:80]}
                )

    def _link_replies(self, links):
        if not links:
            return
        wanted = {}
        for message, item in links:
            parent_key = item.in_reply_to
            if self.identity == formats.PER_THREAD:
                parent_key = f"{item.thread_key}:{item.in_reply_to}"
            wanted[message.pk] = (message, item, self.external_id(parent_key))
        parents = {
            row[0]: row[1:]
            for row in Message.objects.filter(
                external_id__in=[ext for _, _, ext in wanted.values()]
            ).values_list("external_id", "pk", "thread_id", "position")
        }
        updates = []
        for message, item, parent_ext in wanted.values():
            parent = parents.get(parent_ext)
            if parent is None:
                reason = "the message it answers is not in the archive"
            elif parent[1] != message.thread_id:
                reason = "the message it answers is in another thread"
            elif parent[2] >= message.position:
                reason = "the message it answers comes later in the thread"
            else:
                message.in_reply_to_id = parent[0]
                message.in_reply_to_inferred = item.in_reply_to_inferred
                updates.append(message)
                continue
            if message.pk in self.preview_rows:
                self.preview_rows[message.pk]["problems"].append(f"reply not linked: {reason}")
            if len(self.unlinked) < EXAMPLES:
                self.unlinked.append(
                    {"location": item.location, "reply_to": item.in_reply_to, "reason": reason}
                )
            self.counts["unlinked"] += 1
        Message.objects.bulk_update(
            updates, ["in_reply_to", "in_reply_to_inferred"], batch_size=CHUNK
        )
        self.counts["replies"] += len(updates)

    def _thread(self, item):
        key = self.fixed_thread or item.thread_key
        thread = self.threads.get(key)
        if thread is None:
            if self.fixed_thread:
                external_id, title, description = (
                    self.fixed_thread,
                    item.thread_title or self.fixed_thread,
                    "",
                )
            else:
                external_id = f"{self.prefix}-t-{_digest(self.family, key)[:20]}"
                title = item.thread_title or "(untitled)"
                description = " ".join(
                    filter(
                        None,
                        [
                            THREADED_BY_HEADERS if self.family == "email" else "",
                            INFERRED_BY_SUBJECT if item.thread_inferred else "",
                        ],
                    )
                )
            thread = Thread.objects.filter(external_id=external_id).first()
            if thread is None and not self.fixed_thread:
                thread = self._thread_already_holding(item)
            if thread is None:
                thread = Thread.objects.create(
                    external_id=external_id,
                    title=title[:300],
                    description=description,
                    collection=self.collection,
                )
                self.counts["threads"] += 1
                self.next_position[thread.pk] = 1
            else:
                last = (
                    thread.messages.order_by("-position").values_list("position", flat=True).first()
                )
                self.next_position[thread.pk] = (last or 0) + 1
            self.threads[key] = thread
        if (
            item.thread_inferred
            and not self.fixed_thread
            and INFERRED_BY_SUBJECT not in thread.description
        ):
            thread.description = " ".join(filter(None, [thread.description, INFERRED_BY_SUBJECT]))
            thread.save(update_fields=["description"])
        return thread

    def _thread_already_holding(self, item):
        """The archive's conversation holding a message this one names as earlier (its
        References and In-Reply-To), when an earlier import put it there: a reply imported
        later joins it, whatever that import's threading called it."""
        if not item.references or self.identity == formats.PER_THREAD:
            return None
        earlier = [self.external_id(reference) for reference in item.references]
        found = (
            Message.objects.filter(external_id__in=earlier)
            .exclude(import_batch=self.batch)
            .select_related("thread")
            .order_by("pk")
            .first()
        )
        return found.thread if found else None

    def _account(self, party):
        """The account of `party`, loaded or created by `_load_accounts` for this chunk."""
        return self.accounts[(party.platform, party.address)]

    def _load_accounts(self, parties):
        """Find or create the accounts of every party of a chunk in a few queries, however many
        recipients its messages have; note display names not seen before."""
        wanted = {}
        for party in parties:
            key = (party.platform, party.address)
            if key not in self.accounts and key not in wanted:
                digest = _digest(party.platform, party.address)[:20]
                wanted[key] = (
                    party,
                    digest,
                    f"{PLATFORM_PREFIX.get(party.platform, 'ot')}-{digest}",
                )
            if party.display_name:
                self.new_names.setdefault(key, []).append(party.display_name)
        by_external_id = {external_id: key for key, (_, _, external_id) in wanted.items()}
        external_ids = list(by_external_id)
        for start in range(0, len(external_ids), CHUNK):
            for account in Account.objects.filter(
                external_id__in=external_ids[start : start + CHUNK]
            ):
                self.accounts[by_external_id[account.external_id]] = account
        missing = [(key, value) for key, value in wanted.items() if key not in self.accounts]
        people = Person.objects.bulk_create(
            [
                Person(
                    external_id=f"p-{digest}",
                    name=(party.display_name or party.handle or party.address)[:200],
                    description="Created by an import; merge accounts of one person in the admin.",
                )
                for _, (party, digest, _) in missing
            ],
            batch_size=CHUNK,
        )
        accounts = Account.objects.bulk_create(
            [
                Account(
                    external_id=external_id,
                    person=person,
                    platform=party.platform,
                    handle=(party.handle or party.address)[:200],
                    display_names=list(dict.fromkeys(self.new_names.pop(key, []))),
                )
                for (key, (party, _, external_id)), person in zip(missing, people, strict=True)
            ],
            batch_size=CHUNK,
        )
        for account, (key, _) in zip(accounts, missing, strict=True):
            self.accounts[key] = account
        self.counts["accounts"] += len(accounts)

    def _save_display_names(self):
        """Add the display names met in this chunk to their accounts, in one bulk update."""
        changed = []
        for key, names in self.new_names.items():
            account = self.accounts[key]
            added = [name for name in dict.fromkeys(names) if name not in account.display_names]
            if added:
                account.display_names = [*account.display_names, *added]
                changed.append(account)
        self.new_names = {}
        Account.objects.bulk_update(changed, ["display_names"], batch_size=CHUNK)

    def _source(self, url):
        source = self.sources.get(url)
        if source is None:
            external_id = f"src-{_digest(url)[:20]}"
            source = (
                Source.objects.filter(url=url).first()
                or Source.objects.filter(external_id=external_id).first()
            )
            if source is None:
                source = Source.objects.create(
                    external_id=external_id,
                    publisher=(urlsplit(url).hostname or url)[:300],
                    title=url[:500],
                    url=url[:1000],
                    kind=Source.Kind.OTHER,
                    note="Named by a CSV transcription's source_url.",
                    import_batch=self.batch,
                )
            self.sources[url] = source
        return source

    def _attach(self, message, data):
        digest = hashlib.sha256(data.content).hexdigest()
        name = os.path.basename(data.name.replace("\\", "/"))[:200]
        attachment = Attachment(
            message=message,
            name=name,
            content_type=data.content_type[:200],
            size=len(data.content),
            sha256=digest,
        )
        if self.files:
            attachment.file.name = final_name(digest, name)
            self.files.write(attachment.file.name, data.content)
        attachment.save()
        self.counts["attachments"] += 1
