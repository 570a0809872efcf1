"""The messages list at scale: each filter, either sort, is served by an index in page order.

SQLite's query planner says whether it must sort the matching rows ("USE TEMP B-TREE FOR ORDER
BY"): at a million messages that sort is the difference between milliseconds and seconds
(`manage.py generate_archive`, then `scripts/bench_pages.py`). Each filter of the list and both
sorts must read rows in page order.
"""

from datetime import date

import pytest
from django.db import connection

from archive.filters import MessageFilter
from archive.models import Message

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN"
)

FILTERS = [
    {},
    {"sender": "sender"},
    {"recipient": "recipient"},
    {"channel": "direct_message"},
    {"thread": "t"},
    {"text_status": "summary"},
    {"date_from": "2016-01-01", "date_to": "2016-12-31"},
    {"answered": "no"},
    {"answered": "yes"},
    {"reply": "yes"},
    {"q": "leak"},
    {"channel": "direct_message", "sender": "sender", "answered": "no"},
]


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("data", FILTERS, ids=lambda data: "&".join(data) or "all")
def test_each_filter_reads_a_page_in_order_without_sorting(build, data, sort):
    sender = build.account(handle="@s", person=build.person("Sender", external_id="sender"))
    recipient = build.account(
        handle="@r", person=build.person("Recipient", external_id="recipient")
    )
    build.message(
        thread=build.thread(external_id="t"),
        sender=sender,
        recipients=[recipient],
        day=date(2016, 10, 3),
    )
    queryset = Message.objects.published().for_list()
    page = MessageFilter({**data, "sort": sort}, queryset=queryset).qs[:50]
    steps = plan(page)
    # "… FOR ORDER BY" sorts every matching row; "… FOR RIGHT PART OF ORDER BY" sorts each run of
    # equal dates: both grow with the table.
    assert not [step for step in steps if "TEMP B-TREE" in step and "ORDER BY" in step], steps
