"""The tag filter reads a search the way tags are stored: one normalising rule for both."""

import pytest

from tests.support.annotation_helpers import make_annotation


@pytest.mark.parametrize(
    "search", ["seed-error", "seed-error!", "Seed Error", "  SEED   error ", "seed\u200b-error"]
)
def test_tag_search_finds_the_note_however_the_tag_is_typed(client, build, users, search):
    message = build.message()
    tagged = make_annotation(
        users["author"], message=message, visibility="public", tags=["seed-error"]
    )
    other = make_annotation(
        users["author"], message=message, visibility="public", tags=["seed"], body="Other"
    )
    page = client.get("/annotations/", {"tag": search}).content.decode()
    assert f"annotation-{tagged.uuid}" in page
    assert f"annotation-{other.uuid}" not in page


def test_a_non_ascii_tag_is_found(client, build, users):
    note = make_annotation(
        users["author"], message=build.message(), visibility="public", tags=["café"]
    )
    page = client.get("/annotations/", {"tag": "Café"}).content.decode()
    assert f"annotation-{note.uuid}" in page
