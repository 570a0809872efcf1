"""Hostile W3C annotation JSON is a 4xx naming the field, never a server error: through POST and
PUT on /api/annotations/ and through manage.py import_annotations.

The bodies are generated: every field the protocol reads (annotations/w3c/jsonld.py) is given,
one at a time, each wrong JSON type (object, list, number, bool, null), a nesting far deeper
than any annotation has, and strings no database stores (a lone surrogate, a NUL)."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotations.models import Annotation, ApiToken
from annotations.w3c import jsonld
from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

CONTAINER = "/api/annotations/"
BASE = "http://testserver"
TEXT = "Hey Don. We have an unusual idea. Leak us one or more of your father's tax returns."
START = TEXT.index("tax returns")
DEEP = "deep"  # a marker replaced by the nested text after json.dumps, which would recurse

# Every field the protocol reads, as a path into the full note below (a number is a list index).
FIELDS = [
    ("type",),
    ("@type",),
    ("id",),
    ("canonical",),
    ("via",),
    ("motivation",),
    ("body",),
    ("body", 0),
    ("body", 0, "type"),
    ("body", 0, "purpose"),
    ("body", 0, "value"),
    ("body", 0, "format"),
    ("body", 0, "language"),
    ("body", 1, "purpose"),
    ("body", 1, "value"),
    ("body", 2),
    ("body", 2, "type"),
    ("body", 2, "source"),
    ("body", 2, "source", "id"),
    ("body", 2, "source", "dcterms:title"),
    ("body", 2, "source", "dcterms:publisher"),
    ("body", 2, "state"),
    ("body", 2, "state", "type"),
    ("body", 2, "state", "cached"),
    ("body", 2, "state", "sourceDate"),
    ("body", 2, "bc:archivedCopy"),
    ("body", 2, "bc:accessedOn"),
    ("target",),
    ("target", "type"),
    ("target", "source"),
    ("target", "source", "id"),
    ("target", "selector"),
    ("target", "selector", 0),
    ("target", "selector", 0, "type"),
    ("target", "selector", 0, "exact"),
    ("target", "selector", 0, "prefix"),
    ("target", "selector", 0, "suffix"),
    ("target", "selector", 1, "type"),
    ("target", "selector", 1, "start"),
    ("target", "selector", 1, "end"),
    ("creator",),
    ("creator", "nickname"),
    ("creator", "name"),
    ("created",),
    ("modified",),
    ("bc:motivation",),
    ("bc:visibility",),
    ("bc:group",),
    ("bc:quoteLost",),
]
BODY_VALUE = ("bodyValue",)  # read only when there is no body
WRONG = {
    "object": {"an": "object"},
    "list": ["a", "list"],
    "number": 7,
    "float": 1.5,
    "bool": True,
    "null": None,
    "nested": DEEP,
    "lone-surrogate": "tax \ud800 returns",
    "nul": "tax \x00 returns",
}
# What no field may hold: these are refused whatever the field.
NEVER_TAKEN = {"nested", "lone-surrogate", "nul"}
NESTING = 200  # deeper than any annotation, shallow enough for json.loads to read


def full_note(base, message):
    """A note using every field the protocol reads; each is valid, so only the hostile one
    decides the answer."""
    permalink = base + message.get_absolute_url()
    return {
        "@context": [jsonld.ANNO_CONTEXT, {"bc": jsonld.OUR_NAMESPACE}],
        "type": "Annotation",
        "@type": "Annotation",
        "id": "https://elsewhere.example/notes/1",
        "canonical": "urn:example:note-1",
        "via": "https://elsewhere.example/notes/1",
        "motivation": "commenting",
        "body": [
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": "About the *tax* returns.",
                "format": "text/markdown",
                "language": "en",
            },
            {"type": "TextualBody", "purpose": "tagging", "value": "taxes"},
            {
                "type": "SpecificResource",
                "purpose": "linking",
                "source": {
                    "id": "https://example.org/story",
                    "dcterms:title": "A story",
                    "dcterms:publisher": "A paper",
                },
                "state": {
                    "type": "TimeState",
                    "cached": "https://web.archive.org/web/2017/https://example.org/story",
                    "sourceDate": "2017-11-13T00:00:00Z",
                },
                "bc:archivedCopy": "https://archive.example/story",
                "bc:accessedOn": "2017-11-13",
            },
        ],
        "target": {
            "type": "SpecificResource",
            "source": {"id": permalink},
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": "tax returns",
                    "prefix": "father's ",
                    "suffix": ".",
                },
                {"type": "TextPositionSelector", "start": START, "end": START + len("tax returns")},
            ],
        },
        "creator": {"type": "Person", "nickname": "author", "name": "The author"},
        "created": "2023-05-01T10:00:00Z",
        "modified": "2023-05-01T10:00:00Z",
        "bc:motivation": "commenting",
        "bc:visibility": "public",
        "bc:group": "",
        "bc:quoteLost": False,
    }


def hostile(note, path, wrong):
    """The note as JSON text with the value at `path` replaced by `wrong`."""
    if path == BODY_VALUE:
        del note["body"]
    holder = note
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = wrong
    text = json.dumps(note)
    nested = "[" * NESTING + "]" * NESTING
    return text.replace(json.dumps(DEEP), nested)


def json_path(path):
    """("target", "selector", 0, "exact") as the errors name it: target.selector[0].exact"""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def field_id(path):
    return ".".join(str(step) for step in path)


def named(answer, path):
    """The error names the field (one of the keys leading to it), or is the note form's, which
    names its own fields (`links` for a body that is an address)."""
    answer = answer.json()
    text = json.dumps(answer)
    return "errors" in answer or any(step in text for step in path if isinstance(step, str))


@pytest.fixture
def message(build):
    return build.message(text=TEXT, text_status="verbatim")


@pytest.fixture
def token(users):
    return ApiToken.issue(users["author"], "scripts")[1]


def check_answer(answer, path, kind, ok_statuses):
    assert answer.status_code != 500
    assert answer["Content-Type"].startswith("application/"), answer.content[:200]
    if kind in NEVER_TAKEN:
        assert answer.status_code == 400, answer.content[:300]
        # Refused before anything reads it, under the field's own path.
        assert [*answer.json()["errors"]] == [json_path(path)] or kind == "nested"
        assert next(iter(answer.json()["errors"])).startswith(json_path(path))
    assert answer.status_code in ok_statuses or 400 <= answer.status_code < 500
    if answer.status_code == 400 and kind != "null":
        assert named(answer, path), answer.json()


@pytest.mark.parametrize("kind", WRONG)
@pytest.mark.parametrize("path", [*FIELDS, BODY_VALUE], ids=field_id)
def test_a_hostile_field_posted_is_a_4xx_naming_it(client, message, token, path, kind):
    body = hostile(full_note(BASE, message), path, WRONG[kind])
    answer = client.post(
        CONTAINER, body, content_type="application/ld+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    check_answer(answer, path, kind, ok_statuses={201})
    if answer.status_code != 201:
        assert not Annotation.objects.exists()


@pytest.mark.parametrize("kind", WRONG)
@pytest.mark.parametrize("path", [*FIELDS, BODY_VALUE], ids=field_id)
def test_a_hostile_field_put_is_a_4xx_naming_it(client, users, message, token, path, kind):
    note = make_annotation(users["author"], message=message, visibility="public")
    iri = f"{CONTAINER}{note.uuid}"
    read = client.get(iri, HTTP_AUTHORIZATION=f"Bearer {token}")
    state = {**full_note(BASE, message), "id": BASE + iri, "canonical": f"urn:uuid:{note.uuid}"}
    body = hostile(state, path, WRONG[kind])
    answer = client.put(
        iri,
        body,
        content_type="application/ld+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IF_MATCH=read["ETag"],
    )
    check_answer(answer, path, kind, ok_statuses={200})
    if answer.status_code != 200:
        assert Annotation.objects.get().version == 1


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"type": "Annotation", "target": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"type": "Annotation", "body": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}",
    ],
    ids=["top-level", "in-target", "in-body"],
)
def test_nesting_too_deep_for_the_json_parser_is_a_400(client, token, text):
    answer = client.post(
        CONTAINER, text, content_type="application/ld+json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert answer.status_code == 400 and answer.json()["status"] == 400
    assert "nested" in answer.json()["detail"]
    (field,) = answer.json()["errors"]
    assert field.startswith(("target", "body")) if '"' in text[:40] else field == "the document"


def run_import(path):
    out = io.StringIO()
    try:
        call_command("import_annotations", str(path), "--json", stdout=out)
    except CommandError as error:
        # A clean refusal, as manage.py prints it (no traceback): some items failed.
        assert "could not be imported" in str(error)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("path", [*FIELDS, BODY_VALUE], ids=field_id)
def test_import_reports_each_hostile_item_failed_and_goes_on(users, message, tmp_path, path):
    items = [full_note(settings.SITE_URL, message)]
    for number, kind in enumerate(WRONG, 2):
        note = full_note(settings.SITE_URL, message)
        note["id"] = note["via"] = f"https://elsewhere.example/notes/{number}"
        note["canonical"] = f"urn:example:note-{number}"
        items.append(json.loads(hostile(note, path, WRONG[kind])))
    file = tmp_path / "hostile.jsonld"
    file.write_text(json.dumps(items), encoding="utf-8")
    report = run_import(file)
    assert len(report["items"]) == len(items)
    assert report["items"][0]["status"] == "imported"
    for outcome, kind in zip(report["items"][1:], WRONG, strict=True):
        assert outcome["status"] in ("imported", "failed", "skipped"), outcome
        if kind in NEVER_TAKEN:
            assert outcome["status"] == "failed", outcome
            assert next(s for s in reversed(path) if isinstance(s, str)) in outcome["reason"]
    assert Annotation.objects.count() == report["imported"]


def test_import_refuses_a_file_nested_too_deep_to_read(users, tmp_path):
    file = tmp_path / "deep.jsonld"
    file.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CommandError, match="nested"):
        call_command("import_annotations", str(file), stdout=io.StringIO())
    assert not Annotation.objects.exists()
