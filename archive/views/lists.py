"""What every list page shares: page numbers or cursors, filters in use, bounded counts."""

import hashlib
import json

from archive.filters import (
    MessageCountFilter,
)
from lib import keyset
from lib.caching import cached_figures
from lib.counting import bounded_count

EXPORT_FORMATS = {"csv", "json"}


def filtered_count(request, messages):
    """The bounded count of a filtered list. Filters that do not depend on who reads (all but
    the notes and note-tag ones) give every reader the same count: shared until the records
    change, like the other cached figures."""
    counted = MessageCountFilter(request.GET, queryset=messages, request=request).qs
    per_reader = {"annotated", "tag"}
    params = sorted(
        (key, value)
        for key, value in request.GET.items()
        if value and key not in LIST_NAVIGATION | {"format"}
    )
    if any(key in per_reader for key, _ in params):
        return bounded_count(counted)
    digest = hashlib.sha256(json.dumps(params).encode()).hexdigest()
    return cached_figures(f"list-count:{digest}", lambda: bounded_count(counted))


# ?page=N links from before cursors still open their page, up to here; the page is found by
# reading N × a page's index entries, which stays cheap only for early pages.
MAX_PAGE_NUMBER = 20


LIST_NAVIGATION = {"page", "sort", "cursor"}


def cursor_or_page_number(request, results, per_page):
    """The cursor to read from: ?cursor=…, or an old ?page=N turned into one.

    Returns (cursor, refused): refused is True for a page number past MAX_PAGE_NUMBER, past
    the end or not a number, which then opens the first page with a word on why."""
    cursor = request.GET.get("cursor")
    number = request.GET.get("page")
    if cursor or not number:
        return cursor, False
    try:
        number = int(number)
    except ValueError:
        return None, True
    if not 1 <= number <= MAX_PAGE_NUMBER:
        return None, True
    cursor = keyset.cursor_at_offset(results, (number - 1) * per_page)
    return cursor, number > 1 and cursor is None


def has_filters(request):
    return any(value for key, value in request.GET.items() if key not in LIST_NAVIGATION)


def more_filters_in_use(request, message_filter):
    """Whether a filter other than the words narrows, reorders or rejects the list."""
    form = message_filter.form
    for name in form.fields:
        if name == "q":
            continue
        value = request.GET.get(name)
        # Newest first is the default order: a form that merely resubmits it changes nothing.
        if (value and not (name == "sort" and value == "newest")) or form[name].errors:
            return True
    return False
