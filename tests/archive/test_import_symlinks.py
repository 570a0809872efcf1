"""A folder import reads the folder's own files only: a symbolic link (to a file or folder
outside, or round in a loop) is never followed, and the report says which were skipped, why."""

import shutil

import pytest

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def outside(tmp_path):
    """A folder beside the one imported, with mail no one meant to import."""
    folder = tmp_path / "private"
    folder.mkdir()
    first, reply = samples.sample_emails()
    (folder / "secret.eml").write_bytes(reply)
    (folder / "first.eml").write_bytes(first)
    return folder


def test_an_eml_folder_follows_no_symbolic_link(tmp_path, outside):
    folder = tmp_path / "export"
    (folder / "inbox").mkdir(parents=True)
    shutil.copy(outside / "first.eml", folder / "inbox" / "first.eml")
    (folder / "secret.eml").symlink_to(outside / "secret.eml")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    (folder / "inbox" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "gone.eml").symlink_to(tmp_path / "nothing-here.eml")
    result = import_path(folder)
    assert result.format == "eml" and result.report["created"] == 1
    assert list(Message.objects.values_list("original_id", flat=True)) == ["a1@example.org"]
    skipped = {e["location"]: e["reason"] for e in result.report["examples"]["skipped"]}
    assert skipped == {
        "elsewhere": "a symbolic link to outside the folder: not followed",
        "gone.eml": "a symbolic link that leads nowhere or round in a loop: not followed",
        "inbox/loop": "a symbolic link (to a file in the folder): links are not followed",
        "secret.eml": "a symbolic link to outside the folder: not followed",
    }
    # The batch's fingerprint is of what was read: the one file of the folder.
    assert result.size == (folder / "inbox" / "first.eml").stat().st_size


def test_a_folder_of_links_only_is_not_an_eml_export(tmp_path, outside):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "secret.eml").symlink_to(outside / "secret.eml")
    (folder / "other.txt").write_text("not mail")
    with pytest.raises(FileRefused, match="not a known export"):
        import_path(folder)


def test_a_twitter_folder_reading_through_a_link_is_refused(tmp_path):
    elsewhere = samples.twitter_archive(tmp_path / "elsewhere")
    folder = samples.twitter_archive(tmp_path / "archive")
    (folder / "data" / "tweets.js").unlink()
    (folder / "data" / "tweets.js").symlink_to(elsewhere / "data" / "tweets.js")
    with pytest.raises(FileRefused, match="symbolic link"):
        import_path(folder)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "name, write",
    [
        ("result.json", lambda path: samples.telegram_export(path)),
        ("_chat.txt", lambda path: path.write_text(samples.WHATSAPP)),
    ],
)
def test_a_chat_folder_whose_export_is_a_link_is_refused(tmp_path, name, write):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / name)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / name).symlink_to(elsewhere / name)
    with pytest.raises(FileRefused, match="symbolic link"):
        import_path(folder)
    assert not Message.objects.exists()
