"""Exports of the archive's records (messages, events, people, sources, threads, discrepancies)
as CSV and JSON, streamed a chunk of rows at a time.

Every kind has one fixed list of columns (`*_COLUMNS` below): the JSON keeps each value's
structure (lists, objects, numbers, null), the CSV writes the same columns in the same order with
lists joined by LIST_SEPARATOR. Two CSV dialects:

- **spreadsheet** (the default): UTF-8 with a byte-order mark, so Excel reads the accents, and a
  `'` before any cell a spreadsheet would run as a formula (one starting with = + - @, a tab or a
  carriage return, unless it is a plain number such as -3);
- **data**: the exact values, no byte-order mark, RFC 4180 (for pandas, R, csvkit, databases):
  there `@wikileaks` stays `@wikileaks`.

The list pages call `export_response`; the dataset release (archive/exports/release.py) writes the
same rows to files.
"""

import csv
import json
import re
from collections import defaultdict
from itertools import islice

from django.db.models import Max, Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.duration import duration_iso_string
from django.utils.text import slugify

from annotations.models import Annotation
from archive.models import (
    Account,
    Correction,
    Discrepancy,
    DiscrepancyReading,
    Event,
    Message,
    Person,
    Source,
    Thread,
    dates,
)
from lib.counting import count_per_row

EXPORT_CHUNK = 500
CSV_FORMATS = ("csv",)
DIALECTS = ("spreadsheet", "data")
DEFAULT_DIALECT = "spreadsheet"
# Lists inside one CSV cell (recipients, sources, tags…) are joined with this.
LIST_SEPARATOR = " | "
BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection
# list); a leading apostrophe makes it text. Plain numbers (-3, +1.5) are left as numbers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class Column:
    """One exported field: its name, how to read it from a record, and (optionally) how to
    write a structured value as one CSV cell."""

    def __init__(self, name, value, flat=None):
        self.name, self.value, self.flat = name, value, flat


def _iso(value):
    return value.isoformat() if value else None


def _ids(records):
    return [record.external_id for record in records]


def _mail_parties(message, key):
    """An e-mail's From, To, Cc or Bcc as 'Name <address>' strings; None for other messages."""
    if not message.mail_headers:
        return None
    return [
        f"{party['name']} <{party['address']}>" if party.get("name") else party["address"]
        for party in message.mail_headers.get(key) or []
    ]


def _permalink(record, base):
    return base + record.get_absolute_url()


def discrepancy_data(discrepancy):
    return {
        "id": discrepancy.external_id,
        "field": discrepancy.field,
        "note": discrepancy.note,
        "readings": readings_data(discrepancy),
    }


def readings_data(discrepancy):
    return [
        {
            "source": reading.source.external_id,
            "reading": reading.reading,
            "preferred": reading.is_preferred,
        }
        for reading in discrepancy.readings.all()
    ]


def flat_readings(readings):
    """'3 Oct 2016 (s01, preferred) / 4 Oct 2016 (s02)'."""
    return " / ".join(
        f"{r['reading']} ({r['source']}{', preferred' if r['preferred'] else ''})" for r in readings
    )


def flat_discrepancies(items):
    """One cell: 'd01 date: 3 Oct 2016 (s01, preferred) / 4 Oct 2016 (s02) — the note' per
    discrepancy, joined by LIST_SEPARATOR."""
    return LIST_SEPARATOR.join(
        f"{d['id']} {d['field']}: {flat_readings(d['readings'])}"
        + (f" — {d['note']}" if d["note"] else "")
        for d in items
    )


def discrepancies_prefetch(lookup="discrepancies"):
    """Only real disagreements (two readings or more), with each reading's source."""
    return [
        Prefetch(lookup, queryset=Discrepancy.objects.with_two_readings()),
        Prefetch(
            f"{lookup}__readings", queryset=DiscrepancyReading.objects.select_related("source")
        ),
    ]


def _public_note_counts():
    """A chunk step setting public_note_count: the notes anyone may read, one query a chunk."""

    def count(records):
        Annotation.objects.visible_to(None).attach_counts(records, "public_note_count")

    return count


class RecordExport:
    """What one kind of record exports: its columns, and the queryset reads that make each
    chunk a fixed number of queries (prefetches, plus an optional step per chunk)."""

    def __init__(self, kind, columns, prepare, per_chunk=None):
        self.kind, self.columns, self.prepare, self.per_chunk = kind, columns, prepare, per_chunk

    @property
    def fields(self):
        return [column.name for column in self.columns]

    def rows(self, queryset, base):
        """Each record as {field: value}, read EXPORT_CHUNK rows (and their prefetches) at a
        time so memory and queries per chunk stay flat at any size."""
        records = self.prepare(queryset).iterator(chunk_size=EXPORT_CHUNK)
        while chunk := list(islice(records, EXPORT_CHUNK)):
            if self.per_chunk:
                self.per_chunk()(chunk)
            for record in chunk:
                yield {column.name: column.value(record, base) for column in self.columns}


def _message_reads(queryset):
    # Recipients, sources, events and corrections are read per chunk as plain values
    # (_message_relations): a prefetch builds a model and a related manager for every link,
    # which made an export several times slower.
    return queryset.select_related("sender__person", "thread", "in_reply_to").prefetch_related(
        *discrepancies_prefetch()
    )


def _grouped(rows):
    """{record pk: [values…]} from (pk, value) rows, keeping their order."""
    grouped = defaultdict(list)
    for pk, value in rows:
        grouped[pk].append(value)
    return grouped


def _account_label(handle, name, platform):
    """str(account), from values: the handle, else the person and the platform."""
    return handle or f"{name} ({Account.Platform(platform).label})"


def _message_relations(records):
    """A chunk step: each message's recipients, sources, published events, last correction and
    public-note count, in five queries for the whole chunk."""
    ids = [m.pk for m in records]
    through = Message.recipients.through.objects.filter(message_id__in=ids).order_by(
        "message_id", "account__person__name", "account__platform", "account__handle"
    )
    recipients = _grouped(
        (row[0], row[1:])
        for row in through.values_list(
            "message_id",
            "account__handle",
            "account__person__name",
            "account__platform",
            "account__person__external_id",
        )
    )
    sources = _grouped(
        Message.sources.through.objects.filter(message_id__in=ids)
        .order_by("message_id", "source__external_id")
        .values_list("message_id", "source__external_id")
    )
    events = _grouped(
        Event.messages.through.objects.filter(message_id__in=ids, event__is_published=True)
        .order_by("message_id", "event__date_earliest", "event__external_id")
        .values_list("message_id", "event__external_id")
    )
    corrected = dict(
        Correction.objects.filter(message_id__in=ids)
        .order_by()
        .values("message_id")
        .annotate(last=Max("created"))
        .values_list("message_id", "last")
    )
    for m in records:
        m.export_recipients = [_account_label(*r[:3]) for r in recipients[m.pk]]
        m.export_recipient_people = list(dict.fromkeys(r[3] for r in recipients[m.pk]))
        m.export_sources = sources[m.pk]
        m.export_events = events[m.pk]
        m.export_last_corrected = corrected.get(m.pk)
    Annotation.objects.visible_to(None).attach_counts(records, "public_note_count")


MESSAGE_COLUMNS = [
    Column("id", lambda m, base: m.external_id),
    Column("url", _permalink),
    Column("thread", lambda m, base: m.thread.external_id),
    Column("position", lambda m, base: m.position),
    Column(
        "in_reply_to",
        lambda m, base: (
            m.in_reply_to.external_id if m.in_reply_to_id and m.in_reply_to.is_published else None
        ),
    ),
    Column("reply_count", lambda m, base: m.reply_count),
    Column("date_earliest", lambda m, base: _iso(m.date_earliest)),
    Column("date_latest", lambda m, base: _iso(m.date_latest)),
    Column("date", lambda m, base: m.date_display),
    # With the stated zone's offset; without a zone, the local clock time and no offset.
    Column("sent_at", lambda m, base: dates.clock_time_iso(m.sent_at, m.sent_at_timezone)),
    Column("sent_at_timezone", lambda m, base: m.sent_at_timezone or None),
    Column("sent_at_timezone_inferred", lambda m, base: m.sent_at_timezone_inferred),
    Column("time", lambda m, base: m.time_display or None),
    Column("time_note", lambda m, base: m.time_note),
    Column(
        "reported_delay",
        lambda m, base: duration_iso_string(m.reported_delay) if m.reported_delay else None,
    ),
    Column("sender", lambda m, base: str(m.sender)),
    Column("sender_person", lambda m, base: m.sender.person.external_id),
    Column("recipients", lambda m, base: m.export_recipients),
    Column("recipient_people", lambda m, base: m.export_recipient_people),
    Column("channel", lambda m, base: m.channel),
    Column("subject", lambda m, base: m.subject),
    *(
        Column(f"mail_{key}", lambda m, base, key=key: _mail_parties(m, key))
        for key in ("from", "to", "cc", "bcc")
    ),
    Column("message_id", lambda m, base: (m.mail_headers or {}).get("message_id") or None),
    Column("text_status", lambda m, base: m.text_status),
    Column("authenticity", lambda m, base: m.authenticity),
    Column("authenticity_evidence", lambda m, base: m.authenticity_evidence),
    Column("text", lambda m, base: m.text),
    Column("summary", lambda m, base: m.summary),
    Column("confidence_note", lambda m, base: m.curator_note),
    Column(
        "discrepancies",
        lambda m, base: [discrepancy_data(d) for d in m.discrepancies.all()],
        flat_discrepancies,
    ),
    Column("events", lambda m, base: m.export_events),
    Column("sources", lambda m, base: m.export_sources),
    Column("last_corrected", lambda m, base: _iso(m.export_last_corrected)),
    Column("public_note_count", lambda m, base: m.public_note_count),
]

MESSAGES = RecordExport(
    "messages",
    MESSAGE_COLUMNS,
    lambda qs: _message_reads(qs.with_reply_counts()),
    per_chunk=lambda: _message_relations,
)

EVENT_COLUMNS = [
    Column("id", lambda e, base: e.external_id),
    Column("slug", lambda e, base: e.slug),
    Column("url", _permalink),
    Column("title", lambda e, base: e.title),
    Column("kind", lambda e, base: e.kind),
    Column("authenticity", lambda e, base: e.authenticity),
    Column("authenticity_evidence", lambda e, base: e.authenticity_evidence),
    Column("date_earliest", lambda e, base: _iso(e.date_earliest)),
    Column("date_latest", lambda e, base: _iso(e.date_latest)),
    Column("date", lambda e, base: e.date_display),
    Column("time_note", lambda e, base: e.time_note),
    Column("description", lambda e, base: e.description),
    Column("participants", lambda e, base: _ids(e.participants.all())),
    Column("participant_names", lambda e, base: [p.name for p in e.participants.all()]),
    Column("messages", lambda e, base: _ids(e.messages.all())),
    Column(
        "discrepancies",
        lambda e, base: [discrepancy_data(d) for d in e.discrepancies.all()],
        flat_discrepancies,
    ),
    Column("sources", lambda e, base: _ids(e.sources.all())),
    Column("last_corrected", lambda e, base: _iso(e.last_corrected)),
    Column("public_note_count", lambda e, base: e.public_note_count),
]

EVENTS = RecordExport(
    "events",
    EVENT_COLUMNS,
    lambda qs: qs.prefetch_related(
        Prefetch("participants", queryset=Person.objects.order_by("external_id")),
        Prefetch("messages", queryset=Message.objects.public().only("external_id").chronological()),
        "sources",
        "corrections",
        *discrepancies_prefetch(),
    ),
    per_chunk=_public_note_counts,
)

PERSON_COLUMNS = [
    Column("id", lambda p, base: p.external_id),
    Column("url", _permalink),
    Column("name", lambda p, base: p.name),
    Column("kind", lambda p, base: p.kind),
    Column("description", lambda p, base: p.description),
    Column(
        "accounts",
        lambda p, base: [
            {"id": a.external_id, "platform": a.platform, "handle": a.handle}
            for a in p.accounts.all()
        ],
        lambda accounts: LIST_SEPARATOR.join(
            f"{a['platform']}:{a['handle'] or a['id']}" for a in accounts
        ),
    ),
    Column("sent_count", lambda p, base: p.sent_count),
    Column("answered_count", lambda p, base: p.answered_count),
    Column("events", lambda p, base: _ids(p.events.all())),
]

PEOPLE = RecordExport(
    "people",
    PERSON_COLUMNS,
    lambda qs: qs.with_message_counts().prefetch_related(
        "accounts",
        Prefetch("events", queryset=Event.objects.public().only("external_id").chronological()),
    ),
)

SOURCE_COLUMNS = [
    Column("id", lambda s, base: s.external_id),
    Column("url", _permalink),
    Column("title", lambda s, base: s.title),
    Column("publisher", lambda s, base: s.publisher),
    Column("kind", lambda s, base: s.kind),
    Column("source_url", lambda s, base: s.url),
    Column("archived_url", lambda s, base: s.archived_url or None),
    Column("date_text", lambda s, base: s.date_text),
    Column("published_on", lambda s, base: _iso(s.published_on)),
    Column("note", lambda s, base: s.note),
    Column("messages", lambda s, base: _ids(s.messages.all())),
    Column("events", lambda s, base: _ids(s.events.all())),
]

SOURCES = RecordExport(
    "sources",
    SOURCE_COLUMNS,
    lambda qs: qs.prefetch_related(
        Prefetch(
            "messages",
            queryset=Message.objects.public().only("external_id").order_by("external_id"),
        ),
        Prefetch(
            "events", queryset=Event.objects.public().only("external_id").order_by("external_id")
        ),
    ),
)


def _published_message_count():
    return count_per_row(Message.objects.public(), "thread")


THREAD_COLUMNS = [
    Column("id", lambda t, base: t.external_id),
    Column("url", _permalink),
    Column("title", lambda t, base: t.title),
    Column("description", lambda t, base: t.description),
    Column("participants", lambda t, base: [str(a) for a in t.participants.all()]),
    Column(
        "participant_people",
        lambda t, base: list(dict.fromkeys(a.person.external_id for a in t.participants.all())),
    ),
    Column("message_count", lambda t, base: t.message_count),
]

THREADS = RecordExport(
    "threads",
    THREAD_COLUMNS,
    lambda qs: qs.annotate(message_count=_published_message_count()).prefetch_related(
        "participants__person"
    ),
)


def _record_of(discrepancy):
    return discrepancy.message if discrepancy.message_id else discrepancy.event


DISCREPANCY_COLUMNS = [
    Column("id", lambda d, base: d.external_id),
    Column("record_kind", lambda d, base: "message" if d.message_id else "event"),
    Column("record_id", lambda d, base: _record_of(d).external_id),
    Column("record_url", lambda d, base: _permalink(_record_of(d), base)),
    Column("field", lambda d, base: d.field),
    Column("note", lambda d, base: d.note),
    Column("readings", lambda d, base: readings_data(d), flat_readings),
]

DISCREPANCIES = RecordExport(
    "discrepancies",
    DISCREPANCY_COLUMNS,
    lambda qs: qs.select_related("message", "event").prefetch_related(
        Prefetch("readings", queryset=DiscrepancyReading.objects.select_related("source"))
    ),
)


def public_discrepancies():
    return Discrepancy.objects.public().order_by("external_id")


def public_threads():
    return Thread.objects.public().order_by("external_id")


def cited_sources():
    """The bibliography readers see: sources a published record cites."""
    return Source.objects.public().order_by("external_id")


# Writing ---------------------------------------------------------------------------------------


def neutralise(text):
    """A cell a spreadsheet would run as a formula, made text; numbers such as -3 left alone."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_cell(column, value, dialect):
    if column.flat is not None and value is not None:
        value = column.flat(value)
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = LIST_SEPARATOR.join("" if item is None else str(item) for item in value)
    else:
        text = str(value)
    return neutralise(text) if dialect == "spreadsheet" else text


class _Line:
    def write(self, value):
        return value


def csv_lines(export, rows, dialect):
    """The CSV text, a line at a time (RFC 4180: CRLF, quotes where needed)."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    header = writer.writerow(export.fields)
    yield (BOM + header) if dialect == "spreadsheet" else header
    for row in rows:
        yield writer.writerow(
            [csv_cell(column, row[column.name], dialect) for column in export.columns]
        )


def json_chunks(export, rows, *, indent=None, sort_keys=False):
    """{"fields": [...], "<kind>": [row, …]}, a row at a time."""
    yield '{"fields": ' + json.dumps(export.fields) + ', "' + export.kind + '": ['
    for index, row in enumerate(rows):
        text = json.dumps(row, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
        yield ("," if index else "") + "\n" + text
    yield "\n]}\n"


# Responses for the list pages -------------------------------------------------------------------

# Query parameters that say how a list is read or downloaded, not which records it holds.
NOT_FILTERS = {"format", "dialect", "cursor", "page", "sort", "start", "mine"}
# Filter names written shorter in a file name: ?date_from=2016-01-01 → from-2016-01-01.
FILENAME_WORDS = {
    "date_from": "from",
    "date_to": "to",
    "created_after": "from",
    "created_before": "to",
    "year": "",
}
MAX_FILENAME = 120


def export_filename(kind, filterset, extension, prefix=()):
    """'messages-sender-wikileaks-from-2016-01-01.csv': the kind, then each active filter's name
    and value, slugified, in the FilterSet's own order; plain 'events.json' when unfiltered."""
    parts = [kind, *prefix]
    data = filterset.form.data if filterset is not None else {}
    for name in filterset.filters if filterset is not None else ():
        value = data.get(name)
        if name in NOT_FILTERS or not value:
            continue
        word = FILENAME_WORDS.get(name, name.replace("_", "-"))
        parts += [word, slugify(str(value))] if word else [slugify(str(value))]
    stem = "-".join(part for part in parts if part)[:MAX_FILENAME].rstrip("-")
    return f"{stem}.{extension}"


def bad_request(errors):
    return HttpResponse(json.dumps({"errors": errors}), status=400, content_type="application/json")


def requested_dialect(request):
    """The CSV dialect asked for, or None when the value is not one we write."""
    dialect = request.GET.get("dialect") or DEFAULT_DIALECT
    return dialect if dialect in DIALECTS else None


def dialect_error(request):
    return bad_request(
        {
            "dialect": [
                {
                    "message": f"Choose one of: {', '.join(DIALECTS)} "
                    f"(not {request.GET.get('dialect')!r}).",
                    "code": "invalid_choice",
                }
            ]
        }
    )


def base_url(request):
    return request.build_absolute_uri("/").rstrip("/")


def export_response(request, export, filterset, export_format, queryset=None, prefix=()):
    """The filtered set as a streamed CSV or JSON download, or a JSON 400 naming the bad
    filters (or dialect). `queryset` defaults to the FilterSet's own result."""
    if filterset is not None and not filterset.is_valid():
        return bad_request(filterset.errors.get_json_data())
    dialect = requested_dialect(request)
    if export_format == "csv" and dialect is None:
        return dialect_error(request)
    if queryset is None:
        queryset = filterset.qs
    rows = export.rows(queryset, base_url(request))
    filename = export_filename(export.kind, filterset, export_format, prefix)
    if export_format == "csv":
        response = StreamingHttpResponse(
            csv_lines(export, rows, dialect), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            json_chunks(export, rows), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
