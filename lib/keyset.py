"""Keyset (cursor) pagination: page 10,000 of a list costs what page 1 costs.

A page is read as "the next `per_page` rows after this row's sort key" (or before it), so the
database seeks to the key in the index that serves the order and reads `per_page + 1` entries:
no OFFSET (which reads and throws away every earlier row) and no COUNT.

Public API::

    page = KeysetPaginator(queryset, per_page=50).page(request.GET.get("cursor"))
    page.object_list        # the rows, in the queryset's order
    page.has_next, page.next_cursor            # cursor strings for links: ?cursor=<…>
    page.has_previous, page.previous_cursor
    page.cursor_was_invalid  # a forged or stale cursor: the first page was shown instead

    cursor_after(queryset, row)        # the cursor of the page that starts after `row`
    cursor_at_offset(queryset, offset) # … that starts at row number `offset` (0: None, page 1)

The queryset must be ordered (`order_by`) by fields that together identify a row, the last
one unique (normally the primary key), each given as "field", "-field", "pk", or
`F("field").asc()/.desc()`. Only the first field may be NULL, and then its NULLs come last
whatever the direction: `F("date_earliest").desc(nulls_last=True)`. Undated messages thus
close the list in both sorts; the paginator reads the dated rows and the undated rows as two
runs, each in an order an ordinary index serves exactly on SQLite and PostgreSQL alike
(`date DESC` over non-NULL dates needs no NULLS clause), and a page may span both runs.

A cursor is an opaque, URL-safe string: the sort key of a row plus a direction, as base64url
JSON. It is not signed, and need not be: it only says where to start reading a queryset that
the view has already scoped (published rows only), so a forged cursor can move a reader
through the list but never outside it. A cursor that does not decode into the key's types is
treated as no cursor (the first page, `cursor_was_invalid` set), never as an error.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Q
from django.db.models.query import prefetch_related_objects

# Long enough for any real key (a date, a position, an id, a timestamp), short enough that a
# hostile cursor is refused before it is decoded.
MAX_CURSOR_LENGTH = 300
AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class SortKey:
    """One field of an ordering: its name, direction, and whether it may be NULL (last)."""

    name: str
    descending: bool
    nullable: bool
    model_field: object = field(compare=False, repr=False)

    def ordered(self, *, descending, nulls_last):
        expression = F(self.name)
        if descending:
            return expression.desc(nulls_last=True if nulls_last else None)
        return expression.asc(nulls_last=True if nulls_last else None)


def sort_keys(queryset):
    """The queryset's ordering as SortKeys; ValueError if it cannot be paged by keyset."""
    ordering = queryset.query.order_by or queryset.model._meta.ordering
    if not ordering:
        raise ValueError("Keyset pagination needs an ordered queryset.")
    keys = []
    for item in ordering:
        if isinstance(item, str):
            descending = item.startswith("-")
            name = item.lstrip("-")
            nulls_last = None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending = item.descending
            name = item.expression.name
            nulls_last = item.nulls_last
            if item.nulls_first:
                raise ValueError(f"{name}: only NULLS LAST is supported.")
        else:
            raise ValueError(f"Cannot page by {item!r}: order by fields only.")
        model_field = (
            queryset.model._meta.pk if name == "pk" else queryset.model._meta.get_field(name)
        )
        if model_field.null:
            if keys:
                raise ValueError(f"{name}: only the first sort field may be NULL.")
            if not nulls_last:
                raise ValueError(f"{name} may be NULL: order it with nulls_last=True.")
        keys.append(SortKey(name, descending, model_field.null, model_field))
    if not (keys[-1].model_field.primary_key or keys[-1].model_field.unique):
        raise ValueError("The last sort field must be unique (e.g. 'pk') for a total order.")
    return keys


def _json_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _encode(direction, values):
    text = json.dumps([direction, values], separators=(",", ":"), default=_json_value)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class InvalidCursor(ValueError):
    pass


def _unpacked(cursor, length):
    """The cursor's JSON list of `length` parts, the first a direction; InvalidCursor if the
    string is not base64 of such a list. Shared by both paginators, so every cursor is checked
    for its shape before any part of it is used."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursor("undecodable") from error
    if not isinstance(parts, list) or len(parts) != length:
        raise InvalidCursor("wrong length")
    if not isinstance(parts[0], str) or parts[0] not in (AFTER, BEFORE):
        raise InvalidCursor("malformed")
    return parts


def _decode(cursor, keys):
    """(direction, [python values]) from a cursor string; InvalidCursor if it is not one."""
    direction, values = _unpacked(cursor, 2)
    return direction, _converted(values, keys)


def _storable(text):
    """Whether a database can take this string as a parameter: PostgreSQL refuses NUL, and
    neither driver can encode a lone surrogate (JSON's "\\ud800")."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def _converted(values, keys):
    """The cursor's JSON values as the key fields' Python values; InvalidCursor if they are not."""
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidCursor("wrong length")
    converted = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            if not key.nullable:
                raise InvalidCursor(f"{key.name} cannot be empty")
            converted.append(None)
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidCursor(f"{key.name}: not a value")
        if isinstance(value, str) and not _storable(value):
            raise InvalidCursor(f"{key.name}: not a storable string")
        try:
            python_value = key.model_field.to_python(value)
            # Out-of-range numbers would overflow the database's integers.
            key.model_field.run_validators(python_value)
            if isinstance(python_value, int) and not -(2**63) < python_value < 2**63:
                raise ValidationError("out of range")
        except (ValidationError, ValueError, TypeError, OverflowError) as error:
            raise InvalidCursor(f"{key.name}: {error}") from error
        converted.append(python_value)
    return converted


def _key_values(row, keys):
    if isinstance(row, dict):
        return [row[key.name] for key in keys]
    return [getattr(row, "pk" if key.name == "pk" else key.model_field.attname) for key in keys]


def _comparison(key, value, forwards, strict):
    """Q: rows whose `key` comes after (forwards) or before `value` in the list's order."""
    # Forwards along a descending key, or backwards along an ascending one: smaller values.
    smaller = key.descending == forwards
    lookup = ("lt" if smaller else "gt") if strict else ("lte" if smaller else "gte")
    return Q(**{f"{key.name}__{lookup}": value})


def _beyond(keys, values, forwards, inclusive=False):
    """Q: rows strictly beyond (after, or before if not forwards) `values`, where every key is
    NOT NULL. Written as `k1 >= v1 AND (k1 > v1 OR (k2, …) beyond (v2, …))` so that the leading
    comparison is an index range the database seeks to; only rows sharing v1 are re-checked.

    `values` may be a prefix of the key (a date without the position and id that follow it):
    then rows beyond that prefix, or from it on (`inclusive`), e.g. every message of a day on.
    """
    key, value = keys[0], values[0]
    if len(values) == 1:
        return _comparison(key, value, forwards, strict=not inclusive)
    rest = _beyond(keys[1:], values[1:], forwards, inclusive)
    return _comparison(key, value, forwards, strict=False) & (
        _comparison(key, value, forwards, strict=True) | Q(**{key.name: value}) & rest
    )


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None
    cursor_was_invalid: bool = False

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous


class KeysetPaginator:
    """Pages of an ordered queryset, read from a cursor (see the module docstring)."""

    def __init__(self, queryset, per_page, ids_first=True):
        self.keys = sort_keys(queryset)
        self.per_page = per_page
        self.ids_first = ids_first
        self.prefetch_lookups = queryset._prefetch_related_lookups
        # Each run is read without its prefetches, which run once over the page's rows: a page
        # spanning the dated and undated runs would otherwise prefetch twice.
        self.queryset = queryset.prefetch_related(None)

    def page(self, cursor=None):
        invalid = False
        direction, values = AFTER, None
        if cursor:
            try:
                direction, values = _decode(cursor, self.keys)
            except InvalidCursor:
                invalid = True
        if values is None:
            rows = self.read(None, forwards=True, limit=self.per_page + 1)
            page = self._page(rows, has_previous=False)
        elif direction == AFTER:
            rows = self.read(values, forwards=True, limit=self.per_page + 1)
            page = self._page(rows, has_previous=True)
        else:
            rows = self.read(values, forwards=False, limit=self.per_page + 1)
            if len(rows) > self.per_page:
                page = self._page(list(reversed(rows[: self.per_page])), has_previous=True)
                page.has_next = True
                page.next_cursor = _encode(AFTER, _key_values(page.object_list[-1], self.keys))
            else:
                # Back at the start: show the first page whole rather than a short one.
                rows = self.read(None, forwards=True, limit=self.per_page + 1)
                page = self._page(rows, has_previous=False)
        page.cursor_was_invalid = invalid
        if self.prefetch_lookups:
            prefetch_related_objects(page.object_list, *self.prefetch_lookups)
        return page

    def _page(self, rows, has_previous):
        has_next = len(rows) > self.per_page
        rows = rows[: self.per_page]
        page = KeysetPage(object_list=rows, has_next=has_next, has_previous=has_previous)
        if rows and has_next:
            page.next_cursor = _encode(AFTER, _key_values(rows[-1], self.keys))
        if rows and has_previous:
            page.previous_cursor = _encode(BEFORE, _key_values(rows[0], self.keys))
        elif has_previous:
            # Past the end (rows removed since the link was made): step back from the cursor.
            page.has_previous = False
        return page

    def read(self, values, *, forwards=True, limit, inclusive=False):
        """Up to `limit` rows beyond `values` (from the start if None), in reading order:
        backwards reads come nearest first. `values` may be a prefix of the sort key, and
        `inclusive` then also takes the rows that share it (see `_beyond`). Prefetches are left
        to the caller (`prefetch_lookups`), to run once over the rows it keeps."""
        if values is not None and not values:
            values = None
        first = self.keys[0]
        if not first.nullable:
            return self._run(self.queryset, self.keys, values, forwards, limit, inclusive)
        # Two runs: the rows with a value in the first key, then (in either sort) those without.
        # Forwards: dated then undated; backwards (previous pages): undated then dated.
        dated = self.queryset.filter(**{f"{first.name}__isnull": False})
        undated = self.queryset.filter(**{f"{first.name}__isnull": True})
        runs = []
        if values is None or values[0] is not None:
            if forwards:
                runs.append((dated, self.keys, values))
                runs.append((undated, self.keys[1:], None))
            else:
                runs.append((dated, self.keys, values))
        else:
            # Within the undated run: beyond its other keys, or (the prefix [None] alone) the
            # whole run if `inclusive`, else nothing of it.
            rest = values[1:]
            if rest or inclusive:
                runs.append((undated, self.keys[1:], rest or None))
            if not forwards:
                runs.append((dated, self.keys, None))
        rows = []
        for queryset, keys, start in runs:
            rows += self._run(queryset, keys, start, forwards, limit - len(rows), inclusive)
            if len(rows) >= limit:
                break
        return rows

    def _run(self, queryset, keys, values, forwards, limit, inclusive=False):
        if limit <= 0:
            return []
        if values is not None:
            queryset = queryset.filter(_beyond(keys, values, forwards, inclusive))
        if not self.ids_first:
            return list(_in_run_order(queryset, self.keys, forwards)[:limit])
        # The page's rows are found by their ids alone, then read whole. Where an index gives
        # the order this costs one more small query; where none can (a person writing from two
        # accounts: two index ranges to merge), only ids are sorted, not rows carrying their
        # per-row annotations (a reply count each: 0.5 s for 97,000 messages).
        ids = list(
            _in_run_order(queryset, self.keys, forwards).values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        rows = queryset.order_by().in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


def _in_run_order(queryset, keys, forwards):
    """`queryset` (one run: all or none of its first keys NULL) in the list's order, read
    forwards or backwards. Within a run no NULLS clause is needed, so the order is plainly the
    index's (PostgreSQL reads an ascending index backwards as DESC NULLS FIRST, and a run has no
    NULLs): it sorts nothing. The undated run is ordered by the (all NULL) first key too, so that
    it is one range of the same index rather than a set to sort."""
    return queryset.order_by(
        *(key.ordered(descending=key.descending == forwards, nulls_last=False) for key in keys)
    )


def cursor_after(queryset, row):
    """The cursor of the page that starts just after `row` (an instance, or a dict of its sort
    fields) in `queryset`'s order: `?cursor=` for a link that continues from that row."""
    return _encode(AFTER, _key_values(row, sort_keys(queryset)))


def cursor_at_offset(queryset, offset):
    """The cursor of the page whose first row is row number `offset` (0-based) of `queryset`,
    i.e. the cursor after row `offset - 1`; None for offset 0 (the first page) and when there is
    no row `offset - 1`.

    Reads `offset` index entries (OFFSET): for old ?page=N links to early pages and for
    benchmarks that want "page 10,000" directly, not for every request.
    """
    if offset <= 0:
        return None
    keys = sort_keys(queryset)
    names = [key.name for key in keys]
    queryset = queryset.prefetch_related(None)
    runs = [queryset]
    if keys[0].nullable:
        runs = [
            queryset.filter(**{f"{keys[0].name}__isnull": False}),
            queryset.filter(**{f"{keys[0].name}__isnull": True}),
        ]
    remaining = offset - 1
    for run in runs:
        ordered = _in_run_order(run, keys, forwards=True).values(*names)
        row = ordered[remaining : remaining + 1].first()
        if row:
            return _encode(AFTER, _key_values(row, keys))
        # Only past the end of the dated run: how many rows it had, to go on into the next.
        remaining -= run.count()
        if remaining < 0:
            return None
    return None


class InterleavedPaginator:
    """Pages of several querysets read as one list, by keyset: the timeline's messages and
    events. The querysets share their first sort key (a nullable date); on one value of it the
    streams come in the order given (events, then messages), each in its own order after that.

        pager = InterleavedPaginator({"event": events, "message": messages}, per_page=100)
        page = pager.page(cursor)            # or pager.page(start=date(2016, 10, 1))
        page.object_list                     # [("event", <Event>), ("message", <Message>), …]

    A page reads at most `per_page + 1` rows of each stream from its position, so a day holding
    thousands of records is paged through like any other run of rows: none is skipped or shown
    twice. The cursor names the stream and key of the row it continues from.
    """

    def __init__(self, streams, per_page):
        self.names = list(streams)
        # Rows read whole at once: these querysets carry no per-row annotations to spare.
        self.pagers = {
            name: KeysetPaginator(qs, per_page, ids_first=False) for name, qs in streams.items()
        }
        self.per_page = per_page

    def page(self, cursor=None, start=None):
        invalid = False
        position = None
        if cursor:
            try:
                position = self._decode(cursor)
            except InvalidCursor:
                invalid = True
        if position is not None:
            direction, name, values = position
            if direction == AFTER:
                entries = self._read_from(name, values, forwards=True)
                page = self._page(entries, has_previous=True)
            else:
                entries = self._read_from(name, values, forwards=False)
                if len(entries) > self.per_page:
                    kept = list(reversed(entries[: self.per_page]))
                    page = self._page(kept, has_previous=True, has_next=True)
                else:
                    # Back at the start: show the first page whole rather than a short one.
                    page = self._page(self._read_all(None), has_previous=False)
        else:
            page = self._page(self._read_all(start), has_previous=start is not None)
        page.cursor_was_invalid = invalid
        for name, pager in self.pagers.items():
            rows = [row for kind, row in page.object_list if kind == name]
            if pager.prefetch_lookups and rows:
                prefetch_related_objects(rows, *pager.prefetch_lookups)
        return page

    def _decode(self, cursor):
        direction, name, values = _unpacked(cursor, 3)
        if not isinstance(name, str) or name not in self.pagers:
            raise InvalidCursor("malformed")
        return direction, name, _converted(values, self.pagers[name].keys)

    def _encode(self, direction, entry):
        name, row = entry
        values = _key_values(row, self.pagers[name].keys)
        text = json.dumps([direction, name, values], separators=(",", ":"), default=_json_value)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def _sort_key(self, entry):
        name, row = entry
        first, *rest = _key_values(row, self.pagers[name].keys)
        return (first is None, first or "", self.names.index(name), rest)

    def _read_all(self, start):
        """The first `per_page + 1` entries from the start, or from the value `start` of the
        shared first key on (every record of that day and after)."""
        values = None if start is None else [start]
        entries = []
        for name, pager in self.pagers.items():
            rows = pager.read(values, forwards=True, limit=self.per_page + 1, inclusive=True)
            entries += [(name, row) for row in rows]
        return sorted(entries, key=self._sort_key)

    def _read_from(self, at_name, values, forwards):
        """The `per_page + 1` entries nearest beyond one row, in reading order (nearest first).

        On the row's first-key value, streams given before its own come before it and those
        given after come after: forwards, a later stream reads that value inclusively and an
        earlier one strictly beyond it; backwards the other way round."""
        at = self.names.index(at_name)
        entries = []
        for index, (name, pager) in enumerate(self.pagers.items()):
            if name == at_name:
                start, inclusive = values, False
            else:
                start = values[:1]
                inclusive = (index > at) if forwards else (index < at)
            rows = pager.read(
                start, forwards=forwards, limit=self.per_page + 1, inclusive=inclusive
            )
            entries += [(name, row) for row in rows]
        return sorted(entries, key=self._sort_key, reverse=not forwards)

    def _page(self, entries, *, has_previous, has_next=None):
        if has_next is None:
            has_next = len(entries) > self.per_page
        entries = entries[: self.per_page]
        page = KeysetPage(object_list=entries, has_next=has_next, has_previous=has_previous)
        if entries and has_next:
            page.next_cursor = self._encode(AFTER, entries[-1])
        if entries and has_previous:
            page.previous_cursor = self._encode(BEFORE, entries[0])
        else:
            page.has_previous = False
        return page
