"""An event's URL slug: made and read here only.

Plain functions (no models), so the fixture builder script can use them without a database.
"""

from django.utils.text import slugify

MAX_LENGTH = 200


def event_slug(external_id, title):
    """'e16-wikileaks-publishes-…': the event's external id, then its title."""
    return f"{external_id}-{slugify(title)}"[:MAX_LENGTH].rstrip("-")


def external_ids_in_slug(slug):
    """Every external id an event slug can start with: 'e-16-x' → ['e', 'e-16', 'e-16-x'].

    External ids may contain hyphens themselves, so a slug is never cut at its first hyphen:
    each prefix that ends before a hyphen (or is the whole slug) is a candidate.
    """
    parts = slug.split("-")
    return ["-".join(parts[:n]) for n in range(1, len(parts) + 1)]
