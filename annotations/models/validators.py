"""Limits and validators for what researchers write: lengths, web addresses, invisible
characters in names and titles, and how tags are normalised."""

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_BODY = 10_000
MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_QUOTE = 2_000
MAX_LINKS = 10

http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)


# Characters that are there but not seen: format controls (bidi overrides and isolates such as
# U+202E, zero-width spaces and joiners, the byte-order mark), control codes, line separators.
# In a name or a title they can disguise it or reorder the text around it on the page.
ALLOWED_WHITESPACE = {"\t", "\n", "\r"}
INVISIBLE_CATEGORIES = {"Cf", "Cc", "Zl", "Zp"}


def invisible_controls(value):
    """The code points in value that are invisible controls, as 'U+202E' labels, in order."""
    found = []
    for ch in str(value or ""):
        if ch not in ALLOWED_WHITESPACE and unicodedata.category(ch) in INVISIBLE_CATEGORIES:
            label = f"U+{ord(ch):04X}"
            if label not in found:
                found.append(label)
    return found


def reject_invisible_controls(value):
    """Validator for names and titles: refuse invisible or direction-changing characters."""
    found = invisible_controls(value)
    if found:
        raise ValidationError(
            "Remove the invisible or direction-changing characters (%(chars)s): "
            "names and titles must read as they look.",
            code="invisible_controls",
            params={"chars": ", ".join(found)},
        )


def normalise_tag(value):
    """'Seed Error!' → 'seed-error': how one tag is stored, and how a search for it is read.

    Lower case, runs of white space become one hyphen, and only letters, digits and '-_.' are
    kept (so invisible and direction-changing characters never reach a tag).
    """
    tag = "-".join(str(value).strip().lower().split())
    return "".join(ch for ch in tag if ch.isalnum() or ch in "-_.")


def normalise_tags(raw):
    """'Podesta, seed error ,podesta' → ['podesta', 'seed-error']; raises on too many/too long."""
    if isinstance(raw, str):
        raw = raw.split(",")
    tags = []
    for item in raw:
        tag = normalise_tag(item)
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"A tag can be at most {MAX_TAG_LENGTH} characters long.")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"Use at most {MAX_TAGS} tags.")
    return tags
