"""What a reader types into the search box, read into a query both backends can run.

The language: words (all must match), "exact phrases", `OR` between two alternatives, `-word` or
`-"a phrase"` to exclude, `word*` for words that start so, and dates ("7 Oct 2016", "October 7,
2016", "October 2016", "2016-10-07", "2016-10") that narrow to what happened then. Two dates
mean the span between them. Anything else is punctuation: it separates words and is never an
operator, so no input can make the database's own query syntax fail.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

MAX_LENGTH = 500
MAX_TERMS = 20

# A word is a run of letters and digits in any script (the tokenizers' rule, near enough).
WORD_PIECE = re.compile(r"[^\W_]+")
TOKEN = re.compile(r'(-?)"([^"]*)("?)|(\S+)')
MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9
DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?,?$", re.IGNORECASE)
YEAR = re.compile(r"^(\d{4}),?$")
ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class QueryError(ValueError):
    """The input cannot be searched as written; the message says what to change."""


@dataclass(frozen=True)
class Term:
    """One word, or several that must follow each other (a phrase): pieces in order."""

    pieces: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self):
        return len(self.pieces) > 1

    def __str__(self):
        text = " ".join(self.pieces)
        text = f'"{text}"' if self.is_phrase else text
        return text + ("*" if self.prefix else "")


@dataclass(frozen=True)
class DateSpan:
    first: date
    last: date
    label: str

    def overlaps(self, earliest, latest):
        return earliest is not None and earliest <= self.last and (latest or earliest) >= self.first


@dataclass
class SearchQuery:
    # Every group must match; a group matches when any of its terms does (OR).
    groups: list[tuple[Term, ...]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    dates: DateSpan | None = None
    # What was read differently from how it was typed, said to the reader.
    notices: list[str] = field(default_factory=list)

    @property
    def has_words(self):
        return bool(self.groups)

    @property
    def is_empty(self):
        return not self.groups and self.dates is None

    @property
    def terms(self):
        """Every positive term, for highlighting."""
        return [term for group in self.groups for term in group]

    def describe(self):
        parts = [" OR ".join(str(t) for t in group) for group in self.groups]
        parts += [f"-{term}" for term in self.excluded]
        if self.dates:
            parts.append(self.dates.label)
        return " ".join(parts)


def parse(text):
    """Read `text` into a SearchQuery; raise QueryError with a reader-facing message."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise QueryError(f"Search for at most {MAX_LENGTH} characters (this is {len(text)}).")
    query = SearchQuery()
    items = _dates_read(_tokens(text, query), query)
    pending_or = False
    for item in items:
        if item == "OR":
            if query.groups and not pending_or:
                pending_or = True
            continue
        excluded, term = item
        if term is None:
            continue
        if excluded:
            query.excluded.append(term)
            pending_or = False
        elif pending_or:
            query.groups[-1] = (*query.groups[-1], term)
            pending_or = False
        else:
            query.groups.append((term,))
    if sum(len(g) for g in query.groups) + len(query.excluded) > MAX_TERMS:
        raise QueryError(f"Use at most {MAX_TERMS} words and phrases.")
    if text and query.is_empty and not query.excluded:
        raise QueryError("Nothing to search for: type words, a phrase in quotes or a date.")
    if query.excluded and not query.groups and query.dates is None:
        raise QueryError(
            "Add a word to search for: a word after '-' only leaves out what would match."
        )
    return query


def _tokens(text, query):
    """Phrases, 'OR' and words, each as (excluded, Term | None) or 'OR'."""
    items = []
    for match in TOKEN.finditer(text):
        negated, phrase, closed, word = match.groups()
        if word is None:
            if not closed:
                query.notices.append("A quotation mark was not closed: read to the end.")
            pieces = tuple(WORD_PIECE.findall(phrase))
            items.append((bool(negated), Term(pieces) if pieces else None, phrase))
            continue
        if word == "OR":
            items.append("OR")
            continue
        excluded = word.startswith("-") and len(word) > 1
        body = word[1:] if excluded else word
        prefix = body.endswith("*")
        pieces = tuple(WORD_PIECE.findall(body))
        items.append((excluded, Term(pieces, prefix=prefix) if pieces else None, word))
    return items


def _dates_read(items, query):
    """Replace the dates among the words by query.dates; return (excluded, Term) pairs."""
    found = []
    out = []
    index = 0
    while index < len(items):
        span, used = _date_at(items, index)
        if span:
            found.append(span)
            index += used
            continue
        item = items[index]
        out.append(item if item == "OR" else item[:2])
        index += 1
    if len(found) > 2:
        raise QueryError("Give one date, or two for the span between them.")
    if found:
        first = min(found, key=lambda s: s.first)
        last = max(found, key=lambda s: s.last)
        label = first.label if len(found) == 1 else f"{first.label} to {last.label}"
        query.dates = DateSpan(first.first, last.last, label)
    return out


def _plain(items, index):
    """The raw word at index when it is a plain word (not a phrase, OR, exclusion or prefix)."""
    if index >= len(items) or items[index] == "OR":
        return None
    excluded, term, raw = items[index]
    if excluded or term is None or term.prefix or raw.startswith('"'):
        return None
    return raw


def _date_at(items, index):
    """(DateSpan, words used) for a date starting at items[index], or (None, 0)."""
    words = [_plain(items, index + offset) for offset in range(3)]
    first = words[0]
    if first is None:
        return None, 0
    if m := ISO_DAY.match(first):
        return _day(int(m[1]), int(m[2]), int(m[3]), first), 1
    if m := ISO_MONTH.match(first):
        return _month(int(m[1]), int(m[2]), first), 1
    if words[1] and words[2]:
        day, month, year = DAY.match(first), _month_name(words[1]), YEAR.match(words[2])
        if day and month and year:
            return _day(int(year[1]), month, int(day[1]), " ".join(words)), 3
        month, day, year = _month_name(first), DAY.match(words[1]), YEAR.match(words[2])
        if month and day and year:
            return _day(int(year[1]), month, int(day[1]), " ".join(words)), 3
    if words[1]:
        month, year = _month_name(first), YEAR.match(words[1])
        if month and year:
            return _month(int(year[1]), month, " ".join(words[:2])), 2
    return None, 0


def _month_name(word):
    return MONTHS.get(word.rstrip(".,").lower())


def _day(year, month, day, label):
    try:
        when = date(year, month, day)
    except ValueError:
        raise QueryError(f"“{label}” is not a date on the calendar.") from None
    return DateSpan(when, when, when.strftime("%-d %b %Y"))


def _month(year, month, label):
    if not 1 <= month <= 12 or year < 1:
        raise QueryError(f"“{label}” is not a month on the calendar.")
    last = calendar.monthrange(year, month)[1]
    return DateSpan(
        date(year, month, 1), date(year, month, last), f"{calendar.month_name[month]} {year}"
    )
