"""How well e-mail is threaded, against a mailbox whose true conversations are known:
`make bench-threading` (and, at a few hundred mails, tests/archive/test_mail_threading.py).

    .venv/bin/python -m bench.mail_threading [MESSAGES]      (default 50,000)

The mailbox is written the way real ones are: most replies carry References and In-Reply-To,
some only In-Reply-To (as Outlook writes), some only References, some a References cut down to
its first and last ids, some nothing at all but "Re:" and the same people; some conversations
share a subject with another between other people (they must stay apart), some lost their first
mail (they must stay one), and the mailbox is not in date order (a folder of sent mail
appended to the inbox). The import is then compared with the truth: precision and recall of the
reply links, and the conversations split or merged.
"""

import json
import platform
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.import_mbox import WORDS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SUBJECTS = [
    "Rotterdam meeting", "Invoices for March", "Gdańsk trip", "The draft statement", "Budget",
    "Press call tomorrow", "Contract review", "Hotel in Vienna", "Server move", "Lawyer's notes",
]  # fmt: skip


@dataclass
class Truth:
    parent: dict = field(default_factory=dict)  # message id -> the id it answers, or None
    thread: dict = field(default_factory=dict)  # message id -> its conversation's number
    missing: set = field(default_factory=set)  # ids named by replies but left out of the file


def mailbox(count, seed=1):
    """(mbox bytes, Truth): `count` mails in conversations of 1–12 mails."""
    rng = random.Random(seed)
    people = [f"Person {n} <person{n}@example.org>" for n in range(60)]
    truth = Truth()
    mails = []  # (file order key, bytes)
    start = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)
    conversation = 0
    recurring = []
    while len(mails) < count:
        conversation += 1
        subject = rng.choice(SUBJECTS)
        group = rng.sample(people, rng.choice([2, 2, 2, 3]))
        if recurring and rng.random() < 0.1:
            # The same people on the same subject again, as a new conversation.
            subject, group = rng.choice(recurring)
        recurring.append((subject, group))
        when = start + timedelta(hours=rng.randint(0, 24 * 700))
        length = min(rng.randint(1, 12), count - len(mails))
        lose_first = length > 2 and rng.random() < 0.04
        ids, senders = [], []
        for index in range(length):
            message_id = f"c{conversation}.{index}.{seed}@mail.example.org"
            sender = group[index % len(group)] if index else group[0]
            headers, subject_line = [], subject
            parent = None
            if index:
                parent = ids[-1]
                subject_line = rng.choice(["Re: ", "RE: ", "AW: "]) + subject
                style = rng.random()
                chain = ids[:]
                if style < 0.55:
                    headers += [f"In-Reply-To: <{parent}>", _references(chain)]
                elif style < 0.75:
                    headers += [f"In-Reply-To: <{parent}>"]  # Outlook
                elif style < 0.85:
                    headers += [_references(chain)]
                elif style < 0.93:
                    headers += [_references([chain[0], chain[-1]] if len(chain) > 1 else chain)]
                # else: nothing but the subject and the people
            when += timedelta(minutes=rng.randint(3, 60 * 30))
            recipients = [person for person in group if person != sender]
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            raw = "\n".join(
                [
                    f"From: {sender}",
                    f"To: {recipients[0]}",
                    *([f"Cc: {', '.join(recipients[1:])}"] if recipients[1:] else []),
                    f"Subject: {subject_line}",
                    f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
                    f"Message-ID: <{message_id}>",
                    *headers,
                    "Content-Type: text/plain; charset=utf-8",
                    "",
                    body,
                    "",
                ]
            ).encode()
            ids.append(message_id)
            senders.append(sender)
            if index == 0 and lose_first:
                truth.missing.add(message_id)
                continue
            truth.parent[message_id] = parent if parent not in truth.missing else None
            truth.thread[message_id] = conversation
            # One mail in six is filed late (a sent-mail folder appended after the inbox).
            order = (1 if rng.random() < 1 / 6 else 0, when)
            mails.append((order, raw))
    mails.sort(key=lambda pair: pair[0])
    out = bytearray()
    for _, raw in mails:
        out += b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + raw + b"\n"
    return bytes(out), truth


def _references(chain):
    return "References: " + " ".join(f"<{message_id}>" for message_id in chain)


def accuracy(truth, batch):
    """Reply links and conversations of an imported batch against the truth."""
    from archive.models import Message

    rows = Message.objects.filter(import_batch=batch).values_list(
        "original_id", "in_reply_to__original_id", "thread_id", "in_reply_to_inferred"
    )
    found_parent, found_thread, inferred = {}, {}, 0
    for original_id, parent, thread, is_inferred in rows:
        found_parent[original_id] = parent
        found_thread[original_id] = thread
        inferred += bool(parent and is_inferred)
    true_links = {(child, parent) for child, parent in truth.parent.items() if parent}
    found_links = {(child, parent) for child, parent in found_parent.items() if parent}
    right = len(true_links & found_links)
    threads_of = {}  # true conversation -> the threads its mails went into
    conversations_in = {}  # thread -> the true conversations in it
    for message_id, conversation in truth.thread.items():
        threads_of.setdefault(conversation, set()).add(found_thread.get(message_id))
        conversations_in.setdefault(found_thread.get(message_id), set()).add(conversation)
    return {
        "messages": len(rows),
        "replies_true": len(true_links),
        "replies_linked": len(found_links),
        "replies_linked_by_inference": inferred,
        "precision": right / len(found_links) if found_links else 1.0,
        "recall": right / len(true_links) if true_links else 1.0,
        "threads_true": len(threads_of),
        "threads_found": len(conversations_in),
        "conversations_split": sum(len(threads) > 1 for threads in threads_of.values()),
        "threads_merging_conversations": sum(len(c) > 1 for c in conversations_in.values()),
    }


def main(count):
    import os

    import django

    database = ROOT / "var" / "bench" / f"threading-{count}.sqlite3"
    database.parent.mkdir(parents=True, exist_ok=True)
    database.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    django.setup()
    from django.core.management import call_command

    from archive.importing.importer import import_path

    call_command("migrate", verbosity=0)
    data, truth = mailbox(count)
    path = database.with_suffix(".mbox")
    path.write_bytes(data)
    began = time.perf_counter()
    result = import_path(path, publish=True)
    seconds = time.perf_counter() - began
    figures = {
        **accuracy(truth, result.batch),
        "import_seconds": round(seconds, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": datetime.now(UTC).date().isoformat(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"threading-{count}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50000)
