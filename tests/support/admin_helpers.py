"""What the curators send from the admin's change forms."""

# The management form of a record page's discrepancy inline, with no rows.
NO_DISCREPANCY_ROWS = {
    "discrepancies-TOTAL_FORMS": "0",
    "discrepancies-INITIAL_FORMS": "0",
    "discrepancies-MIN_NUM_FORMS": "0",
    "discrepancies-MAX_NUM_FORMS": "1000",
}


def message_admin_data(message, **changes):
    """The message change form's POST data as the admin renders it, with some changes."""
    data = {
        "external_id": message.external_id,
        "thread": message.thread_id,
        "position": message.position,
        "channel": message.channel,
        "sender": message.sender_id,
        "recipients": [],
        "in_reply_to": message.in_reply_to_id or "",
        "text": message.text,
        "text_status": message.text_status,
        "summary": message.summary,
        "curator_note": "",
        "links": "[]",
        "date_earliest": message.date_earliest or "",
        "date_latest": message.date_latest or "",
        "sent_at_0": "",
        "sent_at_1": "",
        "sent_at_timezone": "",
        "time_note": "",
        "reported_delay": "",
        "sources": [s.pk for s in message.sources.all()],
        "is_published": "on",
        "correction_note": "",
        **NO_DISCREPANCY_ROWS,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def event_admin_data(event, **changes):
    data = {
        "external_id": event.external_id,
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "date_earliest": event.date_earliest or "",
        "date_latest": event.date_latest or "",
        "time_note": event.time_note,
        "participants": [p.pk for p in event.participants.all()],
        "messages": [m.pk for m in event.messages.all()],
        "sources": [s.pk for s in event.sources.all()],
        "is_published": "on" if event.is_published else "",
        "correction_note": "",
        **NO_DISCREPANCY_ROWS,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
