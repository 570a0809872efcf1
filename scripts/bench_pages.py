"""Benchmark the public pages against the current database: SQL queries and time per request.

    DJANGO_DEBUG=1 .venv/bin/python scripts/bench_pages.py [URL …]

Without URLs it measures one page of each type, using records of the loaded archive. At scale,
point DATABASE_URL at a synthetic archive (`manage.py generate_archive --messages 1000000
--report PATH`) and pass URLs made from the report's handles.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def default_urls():
    from archive.models import Event, Message, Person, Thread

    message = Message.objects.public().order_by("external_id").first()
    urls = ["/", "/messages/", message.get_absolute_url() if message else None]
    for model in (Thread, Event, Person):
        obj = model.objects.order_by("external_id").first()
        urls.append(obj.get_absolute_url() if obj else None)
    urls.append("/sources/")
    return [url for url in urls if url]


def measure(client, url, repeat=20):
    # Django empties the query log as each request starts; start the capture from empty too.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return response.status_code, len(queries), statistics.median(timings)


def main():
    client = Client()
    print(f"{'status':>6} {'queries':>7} {'median ms':>9}  url")
    for url in sys.argv[1:] or default_urls():
        status, queries, median = measure(client, url)
        print(f"{status:>6} {queries:>7} {median:>9.1f}  {url}")


if __name__ == "__main__":
    main()
