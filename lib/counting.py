"""How many rows a list holds, without counting a million rows on every request.

A list's count is either exact or a lower bound, and says which: `ResultCount(1234, True)` reads
"1234", `ResultCount(10000, False)` reads "more than 10000". Lists count in one of two ways:

- `bounded_count(queryset)`: counts at most LIST_COUNT_BOUND + 1 matching rows (a LIMIT inside
  the COUNT), so a filter matching half a million rows costs what one matching 10,001 costs.
  Exact at or below the bound; "more than <bound>" above it.
- `cached_count(name, queryset)`: the exact count, computed once and kept with the other cached
  figures (lib.caching): any change to the records forgets it. For a set every reader asks
  about (all published messages), so the first request after a change pays for it once.

And per row of a list, `count_per_row(related, field)`: how many rows of `related` point at
each row (a subquery per row shown, never a GROUP BY over every related row before the page is
cut).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from lib.caching import cached_figures


@dataclass(frozen=True)
class ResultCount:
    value: int
    is_exact: bool

    def __str__(self):
        return str(self.value) if self.is_exact else f"more than {self.value}"


def count_bound():
    return settings.LIST_COUNT_BOUND


def bounded_count(queryset, bound=None):
    """The number of rows in `queryset`, counting no further than `bound` (+1 to know if more)."""
    bound = count_bound() if bound is None else bound
    # Only the primary key, unordered: the database counts index entries, and the list's
    # per-row annotations (reply counts) are not computed for rows that are only counted.
    counted = queryset.order_by().values("pk")[: bound + 1].count()
    if counted > bound:
        return ResultCount(bound, is_exact=False)
    return ResultCount(counted, is_exact=True)


def count_per_row(related, field):
    """An annotation: how many rows of the `related` queryset have `field` pointing at the
    annotated row (0 when none), e.g. `count_per_row(Message.objects.public(), "thread")`."""
    counts = (
        related.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def cached_count(name, queryset):
    """The exact count of `queryset`, shared under `name` until the records change."""
    return ResultCount(cached_figures(f"count:{name}", queryset.order_by().count), is_exact=True)
