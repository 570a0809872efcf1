"""Scale benchmark: N synthetic messages in their own SQLite file, then time the list pages.

    .venv/bin/python scripts/bench_scale.py 1000000

Writes var/bench-<N>.sqlite3 (kept, so a second run only measures) and prints, per URL, the SQL
query count and the median time of 5 requests. The data are synthetic: two accounts writing to
each other in one thread, one message every few minutes, every third one a reply.
"""

import os
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / f'bench-{N}.sqlite3'}"
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from archive.models import Account, Message, Person, Thread  # noqa: E402

BATCH = 20_000


def populate():
    call_command("migrate", verbosity=0)
    if Message.objects.exists():
        return
    a = Account.objects.create(
        external_id="bench-a",
        platform="twitter",
        handle="@bench_a",
        person=Person.objects.create(external_id="bench-a", name="Bench A"),
    )
    b = Account.objects.create(
        external_id="bench-b",
        platform="twitter",
        handle="@bench_b",
        person=Person.objects.create(external_id="bench-b", name="Bench B"),
    )
    thread = Thread.objects.create(external_id="bench", title="Benchmark thread")
    start = date(2000, 1, 1)
    through = Message.recipients.through
    for offset in range(0, N, BATCH):
        with transaction.atomic():
            rows = []
            for i in range(offset, min(N, offset + BATCH)):
                day = start + timedelta(days=i // 200)
                rows.append(
                    Message(
                        external_id=f"b{i}",
                        thread=thread,
                        position=i + 1,
                        sender=a if i % 2 else b,
                        channel="direct_message",
                        text=f"Synthetic message {i} about topic {i % 97}.",
                        text_status="summary",
                        date_earliest=day,
                        date_latest=day,
                    )
                )
            created = Message.objects.bulk_create(rows)
            for index, message in enumerate(created):
                # Every third message answers the one before it (same thread, later position).
                if (message.position - 1) % 3 == 2 and index:
                    Message.objects.filter(pk=message.pk).update(in_reply_to=created[index - 1].pk)
            through.objects.bulk_create(
                [
                    through(message_id=m.pk, account_id=(b if m.sender_id == a.pk else a).pk)
                    for m in created
                ]
            )
        print(f"  {min(N, offset + BATCH):,} messages", flush=True)


def main():
    populate()
    from bench_pages import measure  # noqa: E402
    from django.test import Client

    client = Client()
    urls = [
        "/",
        "/messages/",
        "/messages/?sort=oldest",
        "/messages/?page=1000",
        "/messages/?sender=bench-a",
        "/messages/?sender=bench-a&answered=no",
        "/messages/?recipient=bench-b&sort=oldest",
        "/messages/?thread=bench",
        "/messages/?text_status=summary",
        "/messages/?q=topic+42",
        "/messages/?date_from=2005-01-01&date_to=2005-01-31",
        "/messages/?reply=yes&channel=direct_message",
        f"/messages/b{N // 2}/",
        "/threads/bench/",
        "/timeline/",
        "/people/bench-a/",
    ]
    print(f"{N:,} messages")
    print(f"{'status':>6} {'queries':>7} {'median ms':>9}  url")
    for url in urls:
        status, queries, median = measure(client, url, repeat=5)
        print(f"{status:>6} {queries:>7} {median:>9.1f}  {url}", flush=True)


if __name__ == "__main__":
    main()
