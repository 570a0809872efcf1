"""A note has at most 10 source links, counted in the database, and a POST cannot make the
server build more forms than that, whatever its management form claims."""

import pytest
from django.urls import reverse

from annotations.models import MAX_LINKS, SourceLink
from tests.support.annotation_helpers import make_annotation


@pytest.fixture
def message(build):
    return build.message(external_id="m-links", text="Some words.", text_status="verbatim")


@pytest.fixture
def author_client(client, users):
    client.force_login(users["author"])
    return client


def note_data(links, total=None, initial=0, **extra):
    data = {
        "body": "A note.",
        "motivation": "commenting",
        "tags": "",
        "visibility": "public",
        "links-TOTAL_FORMS": str(len(links) if total is None else total),
        "links-INITIAL_FORMS": str(initial),
        **extra,
    }
    for i, url in enumerate(links):
        data[f"links-{i}-url"] = url
    return data


def test_a_huge_total_forms_is_refused_without_building_the_forms(author_client, message):
    url = reverse("annotations:annotate_message", args=[message.external_id])
    response = author_client.post(url, note_data(["https://example.org/1"], total=100_000))
    assert response.status_code == 400
    assert len(response.context["links"].forms) <= MAX_LINKS
    assert "at most 10 source links" in response.content.decode()
    assert len(response.content) < 100_000


def test_a_huge_total_forms_on_an_edit_is_refused_too(author_client, users, message):
    note = make_annotation(users["author"], message=message)
    url = reverse("annotations:edit", args=[note.uuid])
    response = author_client.post(url, note_data([], total=5_000, version=note.version))
    assert response.status_code == 400
    assert len(response.context["links"].forms) <= MAX_LINKS


def test_eleven_links_at_once_are_refused(author_client, message):
    url = reverse("annotations:annotate_message", args=[message.external_id])
    links = [f"https://example.org/{n}" for n in range(11)]
    response = author_client.post(url, note_data(links))
    assert response.status_code == 400
    assert not SourceLink.objects.exists()


@pytest.mark.parametrize(("existing", "added"), [(8, 5), (10, 1), (6, 10)])
def test_initial_forms_zero_cannot_take_a_note_past_ten_links(
    author_client, users, message, existing, added
):
    note = make_annotation(users["author"], message=message)
    for n in range(existing):
        SourceLink.objects.create(annotation=note, url=f"https://example.org/old-{n}")
    # The POST claims the form showed none of the note's links, and adds new ones.
    links = [f"https://example.org/new-{n}" for n in range(added)]
    response = author_client.post(
        reverse("annotations:edit", args=[note.uuid]),
        note_data(links, initial=0, version=note.version),
    )
    assert response.status_code == 400
    assert "at most 10 source links" in response.content.decode()
    assert note.links.count() == existing


def test_up_to_ten_links_in_all_are_saved(author_client, users, message):
    note = make_annotation(users["author"], message=message)
    for n in range(7):
        SourceLink.objects.create(annotation=note, url=f"https://example.org/old-{n}")
    links = [f"https://example.org/new-{n}" for n in range(3)]
    response = author_client.post(
        reverse("annotations:edit", args=[note.uuid]),
        note_data(links, initial=0, version=note.version),
    )
    assert response.status_code == 302
    assert note.links.count() == 10
