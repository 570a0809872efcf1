"""The shape a W3C annotation must have before any of it is read (annotations/w3c/jsonld.py).

Checked first, on everything the protocol (POST, PUT) and import_annotations take in:

- nesting: at most MAX_DEPTH levels of objects and lists in one annotation (ours use five); a
  document too deep for the JSON parser itself is refused as it is read (`parse`);
- strings, names included, hold no NUL and no lone surrogate (JSON's "\\ud800"), which no
  database driver can store;
- each field jsonld.py reads has its JSON type: a string, a whole number, true/false, an object,
  or one or a list of them. null means the field is absent, as in JSON-LD.

A wrong field raises ShapeError naming it by its path (`target.selector[0].exact`); the message
never repeats the value, which may itself be what cannot be written out.
"""

import json
import re

from .jsonld import OUR_PREFIX, W3CError

MAX_DEPTH = 16


class ShapeError(W3CError):
    def __init__(self, field, problem):
        super().__init__(f"{field}: {problem}.")
        self.field, self.problem = field, problem


class Many:
    """One value of `kind`, or a list of them."""

    def __init__(self, kind):
        self.kind = kind


class Either:
    """A string, or an object of the given fields."""

    def __init__(self, fields):
        self.fields = fields


IRI_OR_OBJECT = Either({"id": str, "@id": str})
TYPES = Many(str)
SOURCE = Either(
    {"id": str, "@id": str, "dcterms:title": str, "title": str, "dcterms:publisher": str}
)
STATE = {"type": TYPES, "cached": IRI_OR_OBJECT, "sourceDate": str}
BODY = Either(
    {
        "type": TYPES,
        "@type": TYPES,
        "id": str,
        "@id": str,
        "purpose": Many(str),
        "value": str,
        "format": Many(str),
        "language": Many(str),
        "source": SOURCE,
        "state": Many(STATE),
        f"{OUR_PREFIX}:archivedCopy": str,
        f"{OUR_PREFIX}:accessedOn": str,
    }
)
SELECTOR = {
    "type": TYPES,
    "@type": TYPES,
    "exact": str,
    "prefix": str,
    "suffix": str,
    "start": int,
    "end": int,
}
TARGET = Either(
    {
        "type": TYPES,
        "@type": TYPES,
        "id": str,
        "@id": str,
        "source": IRI_OR_OBJECT,
        "selector": Many(SELECTOR),
    }
)
AGENT = Either({"type": TYPES, "id": str, "nickname": str, "name": str})
ANNOTATION = {
    "type": TYPES,
    "@type": TYPES,
    "id": str,
    "@id": str,
    "canonical": str,
    "via": str,
    "motivation": Many(str),
    "bodyValue": str,
    "body": Many(BODY),
    "target": Many(TARGET),
    "creator": Many(AGENT),
    "created": str,
    "modified": str,
    f"{OUR_PREFIX}:motivation": str,
    f"{OUR_PREFIX}:visibility": str,
    f"{OUR_PREFIX}:group": str,
    f"{OUR_PREFIX}:quoteLost": bool,
}
WORDS = {str: "a string", int: "a whole number", bool: "true or false"}


def check(annotation):
    """Raise ShapeError unless `annotation` (parsed JSON) is an object of the right shape."""
    _check_depth_and_strings(annotation)
    _check(annotation, ANNOTATION, "")


def storable(text):
    """Whether a database can store this string: no NUL, no lone surrogate."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)


def _check_depth_and_strings(value):
    """Without recursion, so that any depth is measured safely."""
    pending = [(value, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, str):
            if not storable(value):
                raise ShapeError(path or "the annotation", "holds a NUL or a lone surrogate")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise ShapeError(path or "the annotation", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, list):
            pending += [(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
            continue
        for name, item in value.items():
            if not storable(name):
                raise ShapeError(path or "the annotation", "a name holds a NUL or lone surrogate")
            pending.append((item, f"{path}.{name}" if path else name, depth + 1))


def _check(value, shape, path):
    if value is None:
        return
    if isinstance(shape, Many):
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check(item, shape.kind, f"{path}[{index}]")
        else:
            _check(value, shape.kind, path)
    elif isinstance(shape, Either):
        if not isinstance(value, str | dict):
            raise ShapeError(path, "must be a string (an IRI) or an object")
        if isinstance(value, dict):
            _check(value, shape.fields, path)
    elif isinstance(shape, dict):
        if not isinstance(value, dict):
            raise ShapeError(path, "must be an object")
        for name, inner in shape.items():
            if name in value:
                _check(value[name], inner, f"{path}.{name}" if path else name)
    # bool is an int in Python, not in JSON.
    elif not isinstance(value, shape) or (shape is int and isinstance(value, bool)):
        raise ShapeError(path, f"must be {WORDS[shape]}")


# A document too deep for json.loads ------------------------------------------------------------

TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[\[\]{}]', re.DOTALL)


def parse(text):
    """json.loads, except that nesting too deep for the parser is a ShapeError naming where
    it is (the keys leading to it), instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        raise ShapeError(_too_deep_at(text), f"nested deeper than {MAX_DEPTH} levels") from None


def _too_deep_at(text):
    """The keys leading to where `text` first nests deeper than MAX_DEPTH."""
    keys, key = [], None
    for token in TOKENS.finditer(text):
        symbol = token.group()
        if token.group(1):
            name = symbol[: symbol.rindex(":")].rstrip()
            try:
                key = json.loads(name)
            except ValueError:
                key = None
        elif symbol in "[{":
            keys.append(key if isinstance(key, str) and storable(key) else None)
            key = None
            if len(keys) > MAX_DEPTH:
                break
        elif symbol in "]}":
            keys = keys[:-1]
            key = None
    return ".".join(k for k in keys if k) or "the document"
