"""Citations for messages, events and sources: plain text, BibTeX and CSL-JSON.

Each takes the record, its absolute permalink and the access date; nothing here touches the database
beyond the relations the caller has already fetched.
"""

import re

from django.conf import settings
from django.utils import timezone

from .models import Event, Message, Source


def _title(record):
    if isinstance(record, Message):
        recipients = ", ".join(str(a) for a in record.recipients.all()) or "public"
        return f"{record.get_channel_display()} from {record.sender} to {recipients}"
    if isinstance(record, Event):
        return record.title
    return record.title


def _issued(record):
    """CSL date parts: a day, a range of days, or nothing when unknown."""
    if isinstance(record, Source):
        return {"date-parts": [_parts(record.published_on)]} if record.published_on else None
    if record.date_earliest is None:
        return None
    parts = [_parts(record.date_earliest)]
    if record.date_latest and record.date_latest != record.date_earliest:
        parts.append(_parts(record.date_latest))
    return {"date-parts": parts}


def _parts(day):
    return [day.year, day.month, day.day]


def _date_text(record):
    if isinstance(record, Source):
        return record.date_text or "n.d."
    return record.date_display


def _author(record):
    if isinstance(record, Message):
        return record.sender.person.name
    if isinstance(record, Source):
        return record.publisher
    return settings.ARCHIVE_NAME


def _corrected(record):
    """The day the curators last corrected the record, or None: a citation names the version."""
    corrected = getattr(record, "last_corrected", None)
    return timezone.localdate(corrected) if corrected else None


def _corrected_note(record):
    """'; corrected 2026-11-27' after a correction, else '': a citation names the version."""
    corrected = _corrected(record)
    return f"; corrected {corrected.isoformat()}" if corrected else ""


def citation_key(record):
    return re.sub(r"[^A-Za-z0-9]", "", f"{settings.ARCHIVE_NAME}{record.external_id}")


def plain_text(record, url, accessed):
    """'Donald Trump Jr. "Direct message …" 3 Oct 2016. Backchannel, record m06. https://…'"""
    if isinstance(record, Source):
        return (
            f"{record.publisher}. “{record.title}.” {_date_text(record)}. {record.url} "
            f"(cited in {settings.ARCHIVE_NAME}, {url}; accessed {accessed:%-d %B %Y})."
        )
    corrected = _corrected(record)
    version = f", corrected {corrected:%-d %B %Y}" if corrected else ""
    return (
        f"{_author(record).rstrip('.')}. “{_title(record)}.” {_date_text(record)}. "
        f"{settings.ARCHIVE_NAME}, record {record.external_id}{version}. {url} "
        f"(accessed {accessed:%-d %B %Y})."
    )


def _bibtex_escape(value):
    value = str(value).replace("\\", r"\textbackslash{}")
    return re.sub(r"([{}&%$#_])", r"\\\1", value)


def bibtex(record, url, accessed):
    fields = {
        "author": "{" + _bibtex_escape(_author(record)) + "}",
        "title": "{" + _bibtex_escape(_title(record)) + "}",
        "howpublished": "{" + _bibtex_escape(settings.ARCHIVE_NAME) + "}",
        "url": "{" + (record.url if isinstance(record, Source) else url) + "}",
        "urldate": "{" + accessed.isoformat() + "}",
        "note": "{"
        + _bibtex_escape(f"{_date_text(record)}; record {record.external_id}")
        + _corrected_note(record)
        + "}",
    }
    issued = _issued(record)
    if issued and len(issued["date-parts"]) == 1:
        year, month, day = issued["date-parts"][0]
        fields["date"] = "{" + f"{year:04d}-{month:02d}-{day:02d}" + "}"
        fields["year"] = "{" + str(year) + "}"
    body = ",\n".join(f"  {name} = {value}" for name, value in fields.items())
    return f"@misc{{{citation_key(record)},\n{body}\n}}\n"


def csl_json(record, url, accessed):
    item = {
        "id": citation_key(record),
        "type": "article"
        if isinstance(record, Source)
        else "personal_communication"
        if isinstance(record, Message)
        else "event",
        "title": _title(record),
        "URL": record.url if isinstance(record, Source) else url,
        "accessed": {"date-parts": [_parts(accessed)]},
        "note": f"{_date_text(record)}; {settings.ARCHIVE_NAME} record {record.external_id}"
        + _corrected_note(record),
    }
    if isinstance(record, Source):
        item["publisher"] = record.publisher
        item["container-title"] = record.publisher
    else:
        item["archive"] = settings.ARCHIVE_NAME
        item["archive_location"] = record.external_id
    author = _author(record)
    item["author"] = [{"literal": author}]
    issued = _issued(record)
    if issued:
        item["issued"] = issued
    return [item]
