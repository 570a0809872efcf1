"""Citations for messages, events and sources: plain text, BibTeX and CSL-JSON.

Each takes the record, its absolute permalink and the access date; nothing here touches the database
beyond the relations the caller has already fetched. All three formats are built from the same
parts (title segments, authors, dates), so they cannot disagree about what they cite.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from archive.models import Message, Person, Source

# ---------------------------------------------------------------------------------------------
# The parts every format shares


@dataclass(frozen=True)
class Name:
    """An author or recipient: a person's name in parts, or an organisation's whole name."""

    literal: str
    is_person: bool
    given: str = ""
    particle: str = ""
    family: str = ""
    suffix: str = ""


_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"}


def name_of(person):
    """'Donald Trump Jr.' → given 'Donald', family 'Trump', suffix 'Jr.'; organisations whole."""
    if person.kind != Person.Kind.PERSON:
        return Name(literal=person.name, is_person=False)
    words = person.name.replace(",", " ").split()
    suffix = []
    while len(words) > 1 and words[-1].lower() in _SUFFIXES:
        suffix.insert(0, words.pop())
    if len(words) == 1:
        return Name(person.name, True, family=words[0], suffix=" ".join(suffix))
    # Lower-case words before the family name ('van', 'de la') are its particle.
    start = len(words) - 1
    while start > 1 and words[start - 1][:1].islower():
        start -= 1
    return Name(
        literal=person.name,
        is_person=True,
        given=" ".join(words[:start]),
        particle=" ".join(words[start:-1]),
        family=words[-1],
        suffix=" ".join(suffix),
    )


def _account_label(account):
    """'@wikileaks', or the person's name when no handle is attested (never '(E-mail)')."""
    return account.handle or account.person.name


def _title_segments(record):
    """[(text, is_name), …]: names and handles kept apart so BibTeX can protect their case."""
    if isinstance(record, Message) and record.subject:
        return [(record.subject, False)]  # an e-mail is cited by its subject
    if isinstance(record, Message):
        segments = [(f"{record.get_channel_display()} from ", False)]
        segments.append((_account_label(record.sender), True))
        recipients = [_account_label(account) for account in record.recipients.all()]
        for index, label in enumerate(recipients):
            segments.append((" to " if index == 0 else ", ", False))
            segments.append((label, True))
        return segments
    return [(record.title, False)]


def _title(record):
    return "".join(text for text, _ in _title_segments(record))


def _authors(record):
    if isinstance(record, Message):
        return [name_of(record.sender.person)]
    if isinstance(record, Source):
        return [Name(literal=record.publisher, is_person=False)]
    return [Name(literal=settings.ARCHIVE_NAME, is_person=False)]


def _recipients(record):
    if not isinstance(record, Message):
        return []
    return [name_of(account.person) for account in record.recipients.all()]


@dataclass(frozen=True)
class Issued:
    """When a record was made, at the precision known: a day or month, a range, or open."""

    earliest: tuple | None  # (year, month[, day])
    latest: tuple | None
    text: str

    @property
    def is_range(self):
        return self.earliest != self.latest


_DATE_TEXT_PREFIX = re.compile(r"^(\d{4})(?:-(\d{2}))?(?!\d)")


def _issued(record):
    """None when nothing is known; a source without a day may still give its month ('2017-11')."""
    if isinstance(record, Source):
        if record.published_on:
            day = _parts(record.published_on)
            return Issued(day, day, record.date_text or str(record.published_on))
        match = _DATE_TEXT_PREFIX.match(record.date_text)
        if not match:
            return None
        parts = tuple(int(group) for group in match.groups() if group)
        return Issued(parts, parts, record.date_text)
    if record.date_earliest is None and record.date_latest is None:
        return None
    earliest = _parts(record.date_earliest) if record.date_earliest else None
    latest = _parts(record.date_latest) if record.date_latest else None
    return Issued(earliest, latest, record.date_display)


def _parts(day):
    return (day.year, day.month, day.day)


def _date_text(record):
    if isinstance(record, Source):
        return record.date_text or "n.d."
    return record.date_display


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


# ---------------------------------------------------------------------------------------------
# Plain text


def plain_text(record, url, accessed):
    """'Donald Trump Jr. "Direct message …" 3 Oct 2016. Backchannel, record m06. https://…'"""
    if isinstance(record, Source):
        return (
            f"{record.publisher}. “{record.title}.” {_date_text(record)}. {record.url} "
            f"(cited in {settings.ARCHIVE_NAME}, {url}; accessed {accessed:%-d %B %Y})."
        )
    corrected = _corrected(record)
    version = f", corrected {corrected:%-d %B %Y}" if corrected else ""
    author = _authors(record)[0].literal
    return (
        f"{author.rstrip('.')}. “{_title(record)}.” {_date_text(record)}. "
        f"{settings.ARCHIVE_NAME}, record {record.external_id}{version}. {url} "
        f"(accessed {accessed:%-d %B %Y})."
    )


# ---------------------------------------------------------------------------------------------
# BibTeX (read by BibTeX and biblatex/biber)

# Braces are escaped as commands, not as \{ \}: BibTeX counts every brace, escaped or not, so
# one stray brace in a title would end the field early.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _bibtex_escape(value):
    return "".join(_BIBTEX_ESCAPES.get(char, char) for char in str(value))


def _is_case_sensitive(word, opens_title):
    """A word a style must not lower-case: a handle, a hashtag, or any word with a capital.

    A title's first word keeps its initial capital in every style, so only its later capitals
    need protecting ('E-mail from …' stays unbraced, 'WikiLeaks …' does not).
    """
    if word[:1] in "@#":
        return True
    return any(char.isupper() for char in (word[1:] if opens_title else word))


def _bibtex_protect(text, opens_title=True):
    """'Trump Jr. and WikiLeaks' → '{Trump Jr.} and {WikiLeaks}': runs of such words braced."""
    pieces = re.split(r"(\s+)", text)
    out, run = [], []
    for index, piece in enumerate(pieces):
        if piece.isspace() or not piece:
            (run if run else out).append(piece)
        elif _is_case_sensitive(piece, opens_title and index == 0):
            run.append(piece)
        else:
            if run:
                out.append(_close_run(run))
                run = []
            out.append(_bibtex_escape(piece))
    if run:
        out.append(_close_run(run))
    return "".join(out)


def _close_run(run):
    trailing = []
    while run and (run[-1].isspace() or not run[-1]):
        trailing.insert(0, run.pop())
    return "{" + _bibtex_escape("".join(run)) + "}" + "".join(trailing)


def _bibtex_title(record):
    return "".join(
        "{" + _bibtex_escape(text) + "}" if is_name else _bibtex_protect(text, index == 0)
        for index, (text, is_name) in enumerate(_title_segments(record))
    )


def _bibtex_name_part(part):
    # A comma or a lone 'and' inside one part would split the name: keep such a part whole.
    escaped = _bibtex_escape(part)
    if "," in part or re.search(r"\band\b", part, re.IGNORECASE):
        return "{" + escaped + "}"
    return escaped


def _bibtex_name(name):
    """'Trump, Jr., Donald' for a person ('von Last, Jr., First'); '{WikiLeaks}' otherwise."""
    if not name.is_person:
        return "{" + _bibtex_escape(name.literal) + "}"
    family = " ".join(filter(None, [name.particle, name.family]))
    parts = [_bibtex_name_part(family)]
    if name.suffix:
        parts.append(_bibtex_name_part(name.suffix))
    if name.given or name.suffix:
        parts.append(_bibtex_name_part(name.given))
    return ", ".join(parts)


def _iso(parts):
    return "-".join([f"{parts[0]:04d}", *(f"{part:02d}" for part in parts[1:])])


def _bibtex_dates(issued):
    """biblatex `date` (a day, a month, 'a/b', or 'a/' and '/b' for an unknown end) and `year`."""
    if issued is None:
        return {}
    earliest, latest = issued.earliest, issued.latest
    if not issued.is_range:
        return {"date": _iso(earliest), "year": str(earliest[0])}
    date = f"{_iso(earliest) if earliest else ''}/{_iso(latest) if latest else ''}"
    years = sorted({parts[0] for parts in (earliest, latest) if parts})
    return {"date": date, "year": "--".join(str(year) for year in years)}


def _bibtex_url(url):
    # url is read verbatim by biblatex; only braces and backslashes could break the entry.
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex(record, url, accessed):
    fields = {
        "author": " and ".join(_bibtex_name(name) for name in _authors(record)),
        "title": _bibtex_title(record),
        "howpublished": _bibtex_escape(settings.ARCHIVE_NAME),
        "url": _bibtex_url(record.url if isinstance(record, Source) else url),
        "urldate": accessed.isoformat(),
        "note": _bibtex_escape(f"{_date_text(record)}; record {record.external_id}")
        + _corrected_note(record),
        **_bibtex_dates(_issued(record)),
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{{citation_key(record)},\n{body}\n}}\n"


# ---------------------------------------------------------------------------------------------
# CSL-JSON (read by Zotero, pandoc, citeproc)


def _csl_name(name):
    if not name.is_person:
        return {"literal": name.literal}
    parts = {
        "family": name.family,
        "given": name.given,
        "non-dropping-particle": name.particle,
        "suffix": name.suffix,
    }
    return {key: value for key, value in parts.items() if value}


def _csl_issued(issued):
    """Date parts for a day, a month or a closed range; an open range only as its words."""
    if issued is None:
        return None
    if issued.earliest is None or issued.latest is None:
        return {"literal": issued.text}
    if issued.is_range:
        return {"date-parts": [list(issued.earliest), list(issued.latest)]}
    return {"date-parts": [list(issued.earliest)]}


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
        "accessed": {"date-parts": [list(_parts(accessed))]},
        "note": f"{_date_text(record)}; {settings.ARCHIVE_NAME} record {record.external_id}"
        + _corrected_note(record),
    }
    if isinstance(record, Source):
        item["publisher"] = record.publisher
        item["container-title"] = record.publisher
    else:
        item["archive"] = settings.ARCHIVE_NAME
        item["archive_location"] = record.external_id
    item["author"] = [_csl_name(name) for name in _authors(record)]
    recipients = _recipients(record)
    if recipients:
        item["recipient"] = [_csl_name(name) for name in recipients]
    issued = _csl_issued(_issued(record))
    if issued:
        item["issued"] = issued
    return [item]
