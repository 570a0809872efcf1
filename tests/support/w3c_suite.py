"""Runs the W3C Web Annotation Data Model test suite's assertions (tests/data/w3c-annotation-model)
on our JSON-LD, the way its harness reads them: each `.test` file lists JSON Schema (draft-04)
assertion files; an assertion holds when validating gives its `expectedResult`.

Two quirks of the suite, as its provenance note records: the page checks look for
total/label/first/last/… inside `partOf` and want an object there (our pages embed one), and the
suite checks `format: date-time` only (the model also asks for UTC with "Z", which
tests/annotations/test_w3c_annotation_model.py checks itself).
"""

import json
from dataclasses import dataclass
from functools import cache

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.support import DATA

SUITE = DATA / "w3c-annotation-model"


@dataclass
class Outcome:
    assertion: str
    level: str  # must / should / may
    passed: bool
    title: str


@cache
def _schemas():
    schemas = {}
    for path in SUITE.rglob("*.json"):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(schema, dict) and "id" in schema:
            schemas[str(path.relative_to(SUITE))] = schema
    return schemas


@cache
def _registry():
    resources = [
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in _schemas().values()
    ]
    return Registry().with_resources(resources)


def assertions(test_file):
    """The assertion paths a .test file lists (relative to the suite), e.g.
    'annotations/annotationMusts.test'."""
    listed = json.loads((SUITE / test_file).read_text(encoding="utf-8"))["assertions"]
    return [item for item in listed if isinstance(item, str)]


def check(document, test_file):
    """[Outcome] of every assertion of test_file on the document."""
    outcomes = []
    for assertion in assertions(test_file):
        schema = _schemas()[assertion]
        validator = Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker())
        valid = validator.is_valid(document)
        expected = schema.get("expectedResult", "valid") == "valid"
        outcomes.append(
            Outcome(
                assertion=assertion,
                level=schema.get("assertionType", "must"),
                passed=valid == expected,
                title=schema.get("title", assertion),
            )
        )
    return outcomes


def failed_musts(document, test_file):
    return [o.assertion for o in check(document, test_file) if o.level == "must" and not o.passed]
