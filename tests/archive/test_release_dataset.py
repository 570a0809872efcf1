"""manage.py release_dataset: a versioned zip that is byte-identical for the same data, holds only
published records and public notes, verifies against its manifest, and is listed on /data/."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import DatasetRelease, Discrepancy, DiscrepancyReading
from tests.support.annotation_helpers import make_annotation, make_group
from tests.support.query_counts import QUERY_BOUNDS


@pytest.fixture
def archive(build, users):
    wikileaks = build.person("WikiLeaks", external_id="wikileaks")
    junior = build.person("Donald Trump Jr.", external_id="donald-trump-jr")
    hidden_person = build.person("Only in a withdrawn message", external_id="withdrawn-person")
    wl, dj = build.account(wikileaks, "@wikileaks"), build.account(junior, "@DonaldJTrumpJr")
    source = build.source(external_id="s1")
    thread = build.thread(external_id="dm")
    first = build.message(thread, wl, [dj], [source], external_id="m1", text="=1+1 @wikileaks")
    build.message(thread, dj, [wl], external_id="m2", in_reply_to=first)
    withdrawn = build.message(
        build.thread(external_id="secret-thread"),
        build.account(hidden_person),
        [dj],
        external_id="m-withdrawn",
        is_published=False,
    )
    event = build.event(external_id="e1", sources=[source])
    build.event(external_id="e-withdrawn", is_published=False)
    discrepancy = Discrepancy.objects.create(
        external_id="d1", message=first, field="date", note="A day apart."
    )
    for src, reading in ((source, "3 Oct"), (build.source(), "4 Oct")):
        DiscrepancyReading.objects.create(discrepancy=discrepancy, source=src, reading=reading)
    gone = Discrepancy.objects.create(
        external_id="d-withdrawn", message=withdrawn, field="date", note="x"
    )
    for src in (source, build.source()):
        DiscrepancyReading.objects.create(discrepancy=gone, source=src, reading="r")
    group = make_group(users["author"], name="Team")
    make_annotation(users["author"], message=first, visibility="public", body="Public note.")
    make_annotation(users["author"], event=event, visibility="public", body="On the event.")
    make_annotation(users["author"], message=first, body="Private note.")
    make_annotation(
        users["author"], message=first, visibility="group", group=group, body="Group note."
    )
    make_annotation(users["author"], message=withdrawn, visibility="public", body="Withdrawn.")


def release(tmp_path, version="1.0", *extra):
    out = io.StringIO()
    call_command(
        "release_dataset",
        "--version",
        version,
        "--output-dir",
        str(tmp_path),
        "--date",
        "2026-11-28",
        *extra,
        stdout=out,
    )
    return tmp_path / f"backchannel-{version}.zip"


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_the_same_data_gives_the_same_bytes(archive, tmp_path):
    first = release(tmp_path / "a")
    DatasetRelease.objects.all().delete()
    second = release(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    recorded = DatasetRelease.objects.get(version="1.0")
    assert recorded.sha256 == hashlib.sha256(second.read_bytes()).hexdigest()
    assert recorded.size == second.stat().st_size


def test_zip_entries_have_fixed_order_times_and_permissions(archive, tmp_path):
    with zipfile.ZipFile(release(tmp_path)) as zf:
        infos = zf.infolist()
    names = [info.filename for info in infos]
    assert names[-2:] == ["README.md", "manifest.json"]
    assert names[:2] == ["messages.json", "messages.csv"]
    assert {info.date_time for info in infos} == {(2026, 11, 28, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_manifest_checksums_verify_every_file(archive, tmp_path):
    files = members(release(tmp_path, "2.0", "--licence", "CC0 1.0"))
    manifest = json.loads(files.pop("manifest.json"))
    assert manifest["version"] == "2.0" and manifest["date"] == "2026-11-28"
    assert manifest["licence"] == "CC0 1.0"
    assert {entry["path"] for entry in manifest["files"]} == set(files)
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
    assert manifest["counts"] == {
        "messages": 2,
        "threads": 1,
        "events": 1,
        "people": 2,
        # The bibliography as /sources/ lists it: s1, m2's source and the "4 Oct" reading's;
        # not the sources that only the withdrawn message, event and discrepancy cite.
        "sources": 3,
        "discrepancies": 1,
        "notes": 2,
    }
    readme = files["README.md"].decode()
    assert "CC0 1.0" in readme and "How to cite" in readme and "Dataset version 2.0" in readme


def test_only_published_records_and_public_notes_are_inside(archive, tmp_path):
    files = members(release(tmp_path))
    everything = b"".join(files.values()).decode()
    for absent in (
        "m-withdrawn",
        "e-withdrawn",
        "secret-thread",
        "withdrawn-person",
        "d-withdrawn",
        "Private note.",
        "Group note.",
        "Withdrawn.",
    ):
        assert absent not in everything, absent
    notes = json.loads(files["notes.jsonld"])
    assert notes["type"] == "AnnotationCollection" and notes["total"] == 2
    assert {row["id"] for row in json.loads(files["messages.json"])["messages"]} == {"m1", "m2"}


def test_csv_files_are_the_data_dialect(archive, tmp_path):
    files = members(release(tmp_path))
    text = files["messages.csv"].decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["m1"]["text"] == "=1+1 @wikileaks"
    notes = list(csv.DictReader(io.StringIO(files["notes.csv"].decode(), newline="")))
    assert {row["body"] for row in notes} == {"Public note.", "On the event."}


def test_an_existing_version_is_never_overwritten(archive, tmp_path):
    path = release(tmp_path)
    before = path.read_bytes()
    with pytest.raises(CommandError, match="already released"):
        release(tmp_path)
    DatasetRelease.objects.all().delete()
    with pytest.raises(CommandError, match="never overwritten"):
        release(tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backchannel-1.0.zip"]


@pytest.mark.parametrize(
    "args",
    [
        ["--version", "../evil"],
        ["--version", ""],
        ["--version", "1.0", "--date", "28/11/2026"],
        ["--version", "1.0", "--licence", " "],
    ],
)
def test_bad_arguments_are_refused_and_write_nothing(archive, tmp_path, args):
    with pytest.raises(CommandError):
        call_command("release_dataset", *args, "--output-dir", str(tmp_path), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
    assert not DatasetRelease.objects.exists()


def test_without_a_date_the_release_takes_the_latest_change_in_the_data(archive, tmp_path):
    from annotations.models import Annotation

    Annotation.objects.filter(body="Public note.").update(
        modified="2026-05-04T10:00:00Z", created="2026-05-04T10:00:00Z"
    )
    Annotation.objects.filter(body="On the event.").update(
        modified="2026-01-01T10:00:00Z", created="2026-01-01T10:00:00Z"
    )
    call_command(
        "release_dataset", "--version", "3", "--output-dir", str(tmp_path), stdout=io.StringIO()
    )
    assert DatasetRelease.objects.get().date == date(2026, 5, 4)


def test_the_data_page_lists_releases_with_checksums_and_serves_them(
    client, archive, tmp_path, settings, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    call_command(
        "release_dataset", "--version", "1.0", "--date", "2026-11-28", stdout=io.StringIO()
    )
    recorded = DatasetRelease.objects.get()
    with django_assert_max_num_queries(QUERY_BOUNDS["data"]):
        response = client.get(reverse("archive:data"))
    content = response.content.decode()
    assert recorded.sha256 in content and "backchannel-1.0.zip" in content
    assert 'href="/data/backchannel-1.0.zip"' in content
    download = client.get("/data/backchannel-1.0.zip")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == recorded.sha256
    assert client.get("/data/backchannel-9.zip").status_code == 404
    assert client.get("/data/..%2Fsecret").status_code == 404


def test_every_page_links_to_the_data_page(client, db):
    assert 'href="/data/"' in client.get(reverse("archive:source_list")).content.decode()
    assert "No release yet" in client.get(reverse("archive:data")).content.decode()
