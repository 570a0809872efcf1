"""Streaming CSV and JSON exports of a filtered set of messages, with a stable schema."""

import csv
import json

from django.http import StreamingHttpResponse

EXPORT_CHUNK = 2000
# A spreadsheet runs a cell that starts with one of these as a formula; a leading apostrophe makes
# it text (OWASP's advice for CSV injection). The JSON export keeps every value exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


EXPORT_FIELDS = [
    "id",
    "url",
    "thread",
    "position",
    "date_earliest",
    "date_latest",
    "date",
    "sent_at",
    "sent_at_timezone",
    "sender",
    "sender_person",
    "recipients",
    "channel",
    "text_status",
    "text",
    "summary",
    "in_reply_to",
    "reply_count",
    "sources",
]


def _export_row(request, message):
    return {
        "id": message.external_id,
        "url": request.build_absolute_uri(message.get_absolute_url()),
        "thread": message.thread.external_id,
        "position": message.position,
        "date_earliest": message.date_earliest.isoformat() if message.date_earliest else None,
        "date_latest": message.date_latest.isoformat() if message.date_latest else None,
        "date": message.date_display,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "sent_at_timezone": message.sent_at_timezone or None,
        "sender": str(message.sender),
        "sender_person": message.sender.person.external_id,
        "recipients": [str(account) for account in message.recipients.all()],
        "channel": message.channel,
        "text_status": message.text_status,
        "text": message.text,
        "summary": message.summary,
        "in_reply_to": message.in_reply_to.external_id if message.in_reply_to_id else None,
        "reply_count": message.reply_count,
        "sources": [source.external_id for source in message.sources.all()],
    }


def export_messages(request, messages, export_format):
    """Stream the filtered set; rows are fetched in chunks so memory stays flat at any size."""
    messages = messages.prefetch_related("sources")
    rows = (_export_row(request, m) for m in messages.iterator(chunk_size=EXPORT_CHUNK))
    if export_format == "csv":

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def lines():
            yield writer.writerow(EXPORT_FIELDS)
            for row in rows:
                yield writer.writerow([_csv_cell(value) for value in row.values()])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="messages.csv"'
        return response

    def chunks():
        yield '{"fields": ' + json.dumps(EXPORT_FIELDS) + ', "messages": ['
        for index, row in enumerate(rows):
            yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
        yield "\n]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="messages.json"'
    return response
