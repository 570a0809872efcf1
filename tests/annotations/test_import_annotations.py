"""manage.py import_annotations: our W3C JSON-LD round-trips exactly; other tools' notes on our
permalinks are anchored by quote; every item is reported; a bad file loses nothing."""

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from annotations.models import Annotation
from annotations.w3c import jsonld
from tests.support.annotation_helpers import make_annotation, make_every_shape

pytestmark = pytest.mark.django_db

TEXT = (
    "We like the idea. If you leak the returns, the returns will look credible. "
    "Leak the returns today."
)


def everything(base=None):
    notes = Annotation.objects.for_list().order_by("created", "pk")
    return jsonld.collection_to_jsonld(notes, base or settings.SITE_URL, "urn:test:notes")


def write(tmp_path, document, name="notes.jsonld"):
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def run(path, *args):
    out = __import__("io").StringIO()
    call_command("import_annotations", str(path), *args, stdout=out)
    return out.getvalue()


def test_our_export_imports_back_exactly(build, users, tmp_path):
    shapes = make_every_shape(build, users)
    # Moderation is this archive's own decision: a hidden note does not travel.
    Annotation.objects.filter(pk=shapes["hidden (as its author reads it)"].pk).delete()
    original = everything()
    path = write(tmp_path, original)
    Annotation.objects.all().delete()
    output = run(path)
    assert f"imported {original['total']}, skipped 0, failed 0" in output
    again = everything()
    for before, after in zip(original["first"]["items"], again["first"]["items"], strict=True):
        assert after == before
    assert again == original
    for note in Annotation.objects.all():
        assert note.revisions.count() == 1


def test_importing_the_same_file_again_adds_nothing(build, users, tmp_path):
    make_every_shape(build, users)
    path = write(tmp_path, everything())
    count = Annotation.objects.count()
    output = run(path)
    assert f"imported 0, skipped {count}, failed 0" in output
    assert "already in the archive" in output
    assert Annotation.objects.count() == count


def hypothesis_note(message, exact, prefix="", suffix="", **extra):
    """A note as another tool (Hypothesis) exports it: its own id, creator and context."""
    selector = {"type": "TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}
    note = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://hypothes.is/a/Zx81",
        "type": "Annotation",
        "created": "2023-05-01T10:00:00.000000+00:00",
        "modified": "2023-05-02T11:30:00+00:00",
        "creator": "acct:someone@hypothes.is",
        "motivation": "commenting",
        "body": [
            {
                "type": "TextualBody",
                "value": "Repetition as persuasion.",
                "format": "text/markdown",
            },
            {"type": "TextualBody", "value": "Rhetoric", "purpose": "tagging"},
        ],
        "target": [
            {
                "source": settings.SITE_URL + message.get_absolute_url(),
                "selector": [selector, {"type": "TextPositionSelector", "start": 0, "end": 3}],
            }
        ],
    }
    note.update(extra)
    return note


def test_another_tools_note_is_anchored_by_its_quote_and_context(build, users, tmp_path):
    message = build.message(text=TEXT, text_status="verbatim")
    second = TEXT.index("returns will")
    path = write(tmp_path, hypothesis_note(message, "returns", prefix="leak the ", suffix=" will"))
    with pytest.raises(CommandError):
        run(path)  # no account for its creator, and no --user
    assert not Annotation.objects.exists()
    run(path, "--user", "other")
    note = Annotation.objects.get()
    assert (note.quote_start, note.quote_end) == (second, second + len("returns"))
    assert (note.author, note.visibility, note.tags) == (users["other"], "private", ["rhetoric"])
    assert note.via == "https://hypothes.is/a/Zx81"
    assert note.created.isoformat() == "2023-05-01T10:00:00+00:00"
    assert "already imported" in run(path, "--user", "other")


def test_a_file_with_one_bad_item_imports_the_rest_and_reports_each(build, users, tmp_path):
    message = build.message(text=TEXT, text_status="verbatim")
    items = [
        hypothesis_note(message, "look credible", id="https://hypothes.is/a/1"),
        hypothesis_note(message, "words that are not there", id="https://hypothes.is/a/2"),
        hypothesis_note(
            message,
            "today",
            id="https://hypothes.is/a/3",
            target="https://elsewhere.example/messages/x/",
        ),
        {"type": "Annotation", "id": "https://hypothes.is/a/4"},
    ]
    path = write(tmp_path, items)
    with pytest.raises(CommandError, match="3 annotation"):
        run(path, "--user", "author", "--json")
    assert list(Annotation.objects.values_list("via", flat=True)) == ["https://hypothes.is/a/1"]


def test_the_json_report_names_each_outcome(build, users, tmp_path, capsys):
    message = build.message(text=TEXT, text_status="verbatim")
    items = [
        hypothesis_note(message, "look credible", id="https://hypothes.is/a/1"),
        hypothesis_note(message, "not there at all", id="https://hypothes.is/a/2"),
    ]
    path = write(tmp_path, {"type": "AnnotationPage", "items": items})
    out = __import__("io").StringIO()
    with pytest.raises(CommandError):
        call_command("import_annotations", str(path), "--user", "author", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["imported"], report["failed"]) == (1, 1)
    assert "not in the text" in report["items"][1]["reason"]


def test_a_dry_run_saves_nothing(build, users, tmp_path):
    message = build.message(text=TEXT, text_status="verbatim")
    path = write(tmp_path, hypothesis_note(message, "look credible"))
    assert "would import 1" in run(path, "--user", "author", "--dry-run")
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"type": "Person"}', "not a W3C"),
        (b"42", "Expected a JSON object"),
    ],
)
def test_a_bad_file_is_refused_and_loses_nothing(build, users, tmp_path, content, needle):
    message = build.message()
    kept = make_annotation(users["author"], message=message, visibility="public")
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=needle):
        run(path)
    assert list(Annotation.objects.all()) == [kept]


def test_notes_in_a_group_need_the_author_to_be_a_member(build, users, tmp_path):
    message = build.message(text=TEXT, text_status="verbatim")
    note = hypothesis_note(message, "look credible")
    note["bc:visibility"], note["bc:group"] = "group", "nobodys-group"
    with pytest.raises(CommandError):
        run(write(tmp_path, note), "--user", "author")
    assert not Annotation.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")


def test_export_annotations_then_import_annotations_gives_back_the_same_notes(
    build, users, tmp_path
):
    """The curators' export (manage.py export_annotations) → an empty archive of notes →
    manage.py import_annotations: the notes serialise exactly as before."""
    shapes = make_every_shape(build, users)
    Annotation.objects.filter(pk=shapes["hidden (as its author reads it)"].pk).delete()
    exported = tmp_path / "notes.jsonld"
    call_command("export_annotations", "--format", "jsonld", "--output", str(exported))
    before = json.loads(exported.read_text(encoding="utf-8"))
    Annotation.objects.all().delete()
    run(exported)
    again = tmp_path / "again.jsonld"
    call_command("export_annotations", "--format", "jsonld", "--output", str(again))
    after = json.loads(again.read_text(encoding="utf-8"))
    assert after["total"] == before["total"] == len(shapes) - 1
    assert after == before
