"""A Twitter archive's zip is read member by member, counting what comes out: one that expands
past the bounds (IMPORT_MAX_UNCOMPRESSED_BYTES, IMPORT_MAX_COMPRESSION_RATIO) is refused with a
clear reason, early, and nothing is imported."""

import json
import struct
import tracemalloc
import zipfile

import pytest

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import ImportBatch, Message

pytestmark = pytest.mark.django_db

MIB = 1024**2


def nothing_written():
    return not Message.objects.exists() and not ImportBatch.objects.exists()


def tweets(count):
    return [
        {
            "tweet": {
                "id_str": str(7000 + n),
                "full_text": f"Tweet number {n} says {n * 7919 % 104729:x}.",
                "created_at": "Mon Oct 03 12:00:00 +0000 2016",
            }
        }
        for n in range(count)
    ]


def test_a_member_expanding_past_the_ratio_is_refused_before_it_is_read_whole(tmp_path):
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("data/tweets.js", "w") as member,
    ):
        member.write(b"window.YTD.tweets.part0 = [")
        for _ in range(20):
            member.write(b" " * MIB)
        member.write(b"]")
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused, match=r"expands more than 100:1"):
            import_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Stopped after a few MiB: never the 20 MiB it declares, nor copies of them.
    assert peak < 8 * MIB
    assert nothing_written()


def test_an_archive_expanding_past_the_uncompressed_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 50_000
    body = "window.YTD.tweets.part0 = " + json.dumps(tweets(1000))
    assert len(body) > 50_000
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("data/tweets.js", body)
    with pytest.raises(FileRefused, match="IMPORT_MAX_UNCOMPRESSED_BYTES"):
        import_path(path)
    assert nothing_written()


def test_the_same_archive_within_the_limit_imports(tmp_path, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 10 * MIB
    path = tmp_path / "fine.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets(50)))
    assert import_path(path).report["created"] == 50


def test_a_member_whose_header_understates_its_size_is_refused(tmp_path):
    path = tmp_path / "liar.zip"
    body = ("window.YTD.tweets.part0 = " + json.dumps(tweets(200))).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data/tweets.js", body)
    data = bytearray(path.read_bytes())
    # Claim 100 bytes in the local header (size at +22) and the central directory (at +24).
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 100)
    struct.pack_into("<I", data, central + 24, 100)
    path.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match="cannot be read"):
        import_path(path)
    assert nothing_written()
