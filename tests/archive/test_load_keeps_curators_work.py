"""`make load` / `make run` never undo the curators' work: what was edited or deleted in the
admin since it was loaded is kept and named; only `load_archive --overwrite` replaces it."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from annotations.models import Annotation, SourceLink
from archive.models import (
    Account,
    Discrepancy,
    DiscrepancyReading,
    Event,
    LoadedFixture,
    Message,
    Person,
    Source,
    Thread,
)
from tests.support.admin_forms import open_change_page, save_change_page

ARCHIVE = settings.BASE_DIR / "fixtures" / "archive.json"
NOTES = settings.BASE_DIR / "fixtures" / "editors-annotations.json"
TOTAL = len(json.loads(ARCHIVE.read_text())) + len(json.loads(NOTES.read_text()))
EDITORS_NOTE = "0b1c5c1e-7d1f-4e39-9a55-2a6f0c1e0001"


def load(*options, paths=(ARCHIVE, NOTES)):
    out = StringIO()
    call_command("load_archive", *map(str, paths), *options, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def loaded(archive):
    """The archive as `make load` leaves it: the module's loaded archive (rolled back after each
    test), and the editors' notes loaded here."""
    notes = len(json.loads(NOTES.read_text()))
    assert load(paths=(NOTES,)) == f"created {notes}, updated 0, unchanged 0"


def _message(external_id):
    return Message.objects.get(external_id=external_id)


@pytest.fixture
def curated(loaded, admin_client):
    """The curator's afternoon, through the admin's change pages: m06 unpublished, two texts
    corrected."""
    m06 = _message("m06")
    save_change_page(admin_client, m06, open_change_page(admin_client, m06), is_published="")
    for external_id in ["m05", "t08"]:
        message = _message(external_id)
        data = open_change_page(admin_client, message)
        page = save_change_page(admin_client, message, data, text=f"Corrected text of {message}.")
        assert page.status_code == 302
    assert _message("m06").is_published is False


def test_edits_made_in_the_admin_survive_loading_and_are_named(curated):
    report = load()

    assert report.splitlines()[0] == f"created 0, updated 0, unchanged {TOTAL - 3}"
    assert "kept 3 records edited in the admin: m05, m06, t08" in report.splitlines()
    assert _message("m06").is_published is False
    assert _message("m05").text.startswith("Corrected text of m05")
    assert _message("t08").text.startswith("Corrected text of t08")


def test_loading_again_keeps_them_again_and_writes_nothing(curated):
    first = load()
    stored = list(LoadedFixture.objects.values_list("model", "natural_key", "fingerprint"))

    assert load() == first
    assert list(LoadedFixture.objects.values_list("model", "natural_key", "fingerprint")) == stored


def test_overwrite_replaces_the_edited_records_and_names_each(curated):
    report = load("--overwrite")

    assert report.splitlines()[0] == f"created 0, updated 3, unchanged {TOTAL - 3}"
    assert "replaced 3 records edited in the admin: m05, m06, t08" in report.splitlines()
    assert _message("m06").is_published is True
    assert not _message("m05").text.startswith("Corrected")
    assert load() == f"created 0, updated 0, unchanged {TOTAL}"


def test_a_new_record_in_the_fixture_is_still_created_on_an_edited_database(curated, tmp_path):
    records = json.loads(ARCHIVE.read_text())
    records.append(
        {
            "model": "archive.source",
            "fields": {
                "external_id": "s-new",
                "publisher": "A newspaper",
                "title": "A newly found article",
                "url": "https://example.org/new",
            },
        }
    )
    grown = tmp_path / "archive.json"
    grown.write_text(json.dumps(records))

    report = load(paths=(grown, NOTES))

    assert report.splitlines()[0] == f"created 1, updated 0, unchanged {TOTAL - 3}"
    assert "kept 3 records edited in the admin: m05, m06, t08" in report
    assert Source.objects.filter(external_id="s-new").exists()


def test_a_record_deleted_in_the_admin_stays_deleted_and_is_named(loaded, admin_client):
    d01 = Discrepancy.objects.get(external_id="d01")
    admin_client.post(reverse("admin:archive_discrepancy_delete", args=[d01.pk]), {"post": "yes"})
    assert not Discrepancy.objects.filter(external_id="d01").exists()

    report = load()

    assert not Discrepancy.objects.filter(external_id="d01").exists()
    assert "kept 3 records deleted in the admin: d01, d01/s10, d01/s39" in report.splitlines()
    assert load("--overwrite").splitlines()[1] == (
        "recreated 3 records deleted in the admin: d01, d01/s10, d01/s39"
    )
    assert Discrepancy.objects.get(external_id="d01").readings.count() == 2


def test_an_editors_note_edited_in_the_admin_is_kept(loaded, admin_client):
    note = Annotation.objects.get(uuid=EDITORS_NOTE)
    data = open_change_page(admin_client, note)
    assert save_change_page(admin_client, note, data, body="Reworded.").status_code == 302

    assert f"kept 1 record edited in the admin: {EDITORS_NOTE}" in load().splitlines()
    assert Annotation.objects.get(uuid=EDITORS_NOTE).body == "Reworded."


# Every kind of record in the fixtures follows the same rule (a direct write stands in for the
# admin here; the tests above go through the admin itself).
EDITS = [
    (Person, {"external_id": "wikileaks"}, {"description": "x"}, "wikileaks"),
    (Account, {"external_id": "twitter-wikileaks"}, {"note": "x"}, "twitter-wikileaks"),
    (Source, {"external_id": "s01"}, {"note": "x"}, "s01"),
    (Thread, {"external_id": "public-tweets"}, {"description": "x"}, "public-tweets"),
    (Message, {"external_id": "m06"}, {"is_published": False}, "m06"),
    (Event, {"external_id": "e06"}, {"description": "x"}, "e06"),
    (Discrepancy, {"external_id": "d01"}, {"note": "x"}, "d01"),
    (
        DiscrepancyReading,
        {"discrepancy__external_id": "d01", "source__external_id": "s10"},
        {"reading": "x"},
        "d01/s10",
    ),
    (Annotation, {"uuid": EDITORS_NOTE}, {"tags": ["x"]}, EDITORS_NOTE),
]


@pytest.mark.parametrize(
    "model, lookup, change, key", EDITS, ids=lambda v: getattr(v, "__name__", "")
)
def test_every_kind_of_record_edited_after_loading_is_kept(loaded, model, lookup, change, key):
    model.objects.filter(**lookup).update(**change)

    assert f"kept 1 record edited in the admin: {key}" in load().splitlines()
    assert model.objects.filter(**lookup, **change).exists()


def test_a_changed_set_of_sources_is_an_edit(loaded):
    _message("m05").sources.add(Source.objects.get(external_id="s80"))

    assert "kept 1 record edited in the admin: m05" in load().splitlines()
    assert _message("m05").sources.filter(external_id="s80").exists()


def test_a_source_link_edited_after_loading_is_kept(loaded):
    link = SourceLink.objects.filter(annotation__uuid=EDITORS_NOTE).first()
    SourceLink.objects.filter(pk=link.pk).update(title="Retitled")

    assert f"kept 1 record edited in the admin: {EDITORS_NOTE}/{link.url}" in load()
    assert SourceLink.objects.get(pk=link.pk).title == "Retitled"


def test_a_database_loaded_before_fingerprints_keeps_what_differs_from_the_fixture(loaded):
    LoadedFixture.objects.all().delete()  # as if loaded by the loader before this change
    Message.objects.filter(external_id="m05").update(curator_note="Checked by hand.")

    report = load()

    assert report.splitlines()[:2] == [
        f"created 0, updated 0, unchanged {TOTAL - 1}",
        "kept 1 record edited in the admin: m05",
    ]
    assert _message("m05").curator_note == "Checked by hand."
    assert LoadedFixture.objects.count() == TOTAL - 1
    assert load().splitlines()[:2] == report.splitlines()[:2]
