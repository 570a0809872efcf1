"""People, sources and conversations that only unpublished records name stay out of public view.

An import waits for a curator's review unpublished; a withdrawn record is unpublished again. The
names they bring (a correspondent, a cited page, an e-mail's subject as a conversation's title)
are not public until a published record names them: not on a page, in the API, in a download,
in search, in the home counts or in a dataset release. A curator's own entry that no record
names yet (the original article behind the reposts, say) stays public.
"""

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from archive.models import Message

SECRET_PERSON = "Unreviewed Correspondent"
SECRET_SOURCE = "Unreviewed Leak Page"
SECRET_THREAD = "Re: an unreviewed subject line"


@pytest.fixture
def waiting(build):
    """A published exchange, plus an import's message waiting for review (and the names only
    it carries), plus a curator's own person and source that no record names."""
    public_person = build.person("Public Sender", external_id="public-sender")
    public_account = build.account(public_person, "@public")
    build.message(sender=public_account, external_id="m-public", text="A published message.")
    secret_person = build.person(SECRET_PERSON, external_id="unreviewed-person")
    secret_source = build.source(external_id="unreviewed-source", title=SECRET_SOURCE)
    secret_thread = build.thread(external_id="unreviewed-thread", title=SECRET_THREAD)
    waiting = build.message(
        thread=secret_thread,
        sender=build.account(secret_person, "@unreviewed"),
        recipients=[public_account],
        sources=[secret_source],
        external_id="m-waiting",
        text="Waiting for review.",
        is_published=False,
    )
    build.person("Curator's Own Entry", external_id="curators-own")
    build.source(external_id="curators-source", title="The original article")
    return waiting


HIDDEN_PAGES = [
    "/people/unreviewed-person/",
    "/sources/unreviewed-source/",
    "/sources/unreviewed-source/cite.bib",
    "/sources/unreviewed-source/cite.json",
    "/threads/unreviewed-thread/",
    "/api/people/unreviewed-person/",
    "/api/sources/unreviewed-source/",
    "/api/threads/unreviewed-thread/",
]
LISTS = [
    "/people/",
    "/sources/",
    "/people/?format=csv",
    "/sources/?format=json",
    "/api/people/",
    "/api/sources/",
    "/api/threads/",
    "/api/exports/people.csv",
    "/api/exports/sources.json",
    f"/search/?q={SECRET_PERSON.split()[0]}",
    f"/search/?q={SECRET_SOURCE.split()[1]}",
    "/",
    "/sitemap.xml",
]


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def test_names_only_an_unpublished_record_carries_are_nowhere_public(client, waiting):
    for path in HIDDEN_PAGES:
        assert client.get(path).status_code == 404, path
    for path in LISTS:
        response = client.get(path)
        assert response.status_code == 200, path
        text = body(response)
        for secret in (SECRET_PERSON, SECRET_SOURCE, SECRET_THREAD, "unreviewed-"):
            assert secret not in text, (path, secret)


def test_a_curators_own_entries_that_no_record_names_stay_public(client, waiting):
    for path in ("/people/curators-own/", "/sources/curators-source/", "/api/sources/"):
        assert client.get(path).status_code == 200, path
    assert "The original article" in body(client.get("/sources/"))
    assert "Curator&#x27;s Own Entry" in body(client.get("/people/"))


def test_the_home_counts_only_what_readers_can_open(client, waiting):
    home = client.get("/")
    counts = home.context["counts"]
    # Public Sender and the curator's own entry; the source of m-public and the curator's.
    assert counts["people"] == 2 and counts["sources"] == 2
    # Each figure opens the list it counts.
    assert '<a href="/people/"><strong>2</strong> people and organisations</a>' in body(home)
    assert '<a href="/sources/"><strong>2</strong> sources</a>' in body(home)


def test_once_published_the_names_are_public(client, waiting):
    Message.objects.filter(pk=waiting.pk).publish()
    for path in HIDDEN_PAGES:
        assert client.get(path).status_code == 200, path
    assert SECRET_PERSON in body(client.get("/people/"))
    assert SECRET_SOURCE in body(client.get("/sources/"))
    assert SECRET_PERSON in body(client.get(f"/search/?q={SECRET_PERSON.split()[0]}"))


def test_a_withdrawn_record_takes_the_names_only_it_carried_with_it(client, waiting):
    Message.objects.filter(pk=waiting.pk).publish()
    assert client.get("/people/unreviewed-person/").status_code == 200
    Message.objects.filter(pk=waiting.pk).update(is_published=False)
    for path in HIDDEN_PAGES:
        assert client.get(path).status_code == 404, path


def test_a_dataset_release_leaves_them_out(waiting, tmp_path):
    call_command(
        "release_dataset",
        *("--version", "9.9", "--date", "2026-11-28", "--output-dir", str(tmp_path)),
        stdout=io.StringIO(),
    )
    with zipfile.ZipFile(tmp_path / "backchannel-9.9.zip") as release:
        text = " ".join(release.read(name).decode("utf-8-sig") for name in release.namelist())
        counts = json.loads(release.read("manifest.json"))["counts"]
    for secret in (SECRET_PERSON, SECRET_SOURCE, SECRET_THREAD):
        assert secret not in text
    assert counts["people"] == 2 and counts["sources"] == 2
