"""Time the list pages over HTTP against a running server (gunicorn, DEBUG off) on 127.0.0.1.

    DATABASE_URL=sqlite:///var/bench-1000000.sqlite3 \\
        .venv/bin/python scripts/bench_lists.py http://127.0.0.1:8120 [--repeat 20] [--pages]

The database is the one the server reads (a file built by scripts/bench_scale.py, one thread
between the accounts bench-a and bench-b): the script opens it only to build the cursors of deep
pages (row 500,000 of the list, row 250,000 of one sender's messages, the middle of the thread),
so that "page 10,000" is requested directly. With --pages it asks for ?page=N instead, as the
lists were paged before cursors. Prints the median and 90th percentile of `--repeat` requests
per URL, after one warm-up request (which fills the cached figures).
"""

import argparse
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")


def deep_urls(use_page_numbers):
    """The deep pages: by cursor (built with archive.keyset), or by page number."""
    if use_page_numbers:
        return {
            "/messages/ row 500,000": "/messages/?page=10001",
            "/messages/?sender= row 250,000": "/messages/?sender=bench-a&page=5001",
            "/threads/bench/ middle": "/threads/bench/?page=2500",
        }
    import django

    django.setup()
    from archive.keyset import cursor_at_offset
    from archive.models import Message, Person

    listed = Message.objects.published().newest_first()
    sender = Person.objects.get(external_id="bench-a")
    in_thread = Message.objects.published().filter(thread__external_id="bench")
    thread = in_thread.order_by("position", "pk")

    def url(path, queryset, offset, **params):
        return f"{path}?{urlencode({**params, 'cursor': cursor_at_offset(queryset, offset)})}"

    return {
        "/messages/ row 500,000": url("/messages/", listed, 500_000),
        "/messages/?sender= row 250,000": url(
            "/messages/", listed.sent_by(sender), 250_000, sender="bench-a"
        ),
        "/threads/bench/ middle": url("/threads/bench/", thread, 500_000),
    }


URLS = [
    "/messages/",
    "/messages/?sort=oldest",
    "/messages/?sender=bench-a",
    "/messages/?sender=bench-a&answered=no",
    "/messages/?recipient=bench-b&sort=oldest",
    "/messages/?thread=bench",
    "/messages/?text_status=summary",
    "/messages/?reply=yes&channel=direct_message",
    "/messages/?date_from=2005-01-01&date_to=2005-01-31",
    "/threads/bench/",
    "/timeline/",
    "/timeline/?year=2005",
    "/timeline/?start=2005-06-01",
    "/people/bench-a/",
    "/annotations/",
]


def timed_get(url):
    start = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        response.read()
        status = response.status
    return status, (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pages", action="store_true", help="deep pages by ?page=N")
    args = parser.parse_args()
    named = {url: url for url in URLS} | deep_urls(args.pages)
    print(f"{'status':>6} {'p50 ms':>8} {'p90 ms':>8}  page")
    for name, url in named.items():
        status, _ = timed_get(args.base + url)
        timings = sorted(timed_get(args.base + url)[1] for _ in range(args.repeat))
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(f"{status:>6} {statistics.median(timings):>8.1f} {p90:>8.1f}  {name}", flush=True)


if __name__ == "__main__":
    main()
