"""People, sources and conversations that only unpublished records name stay out of public view.

An import waits for a curator's review unpublished; a withdrawn record is unpublished again. The
names they bring (a correspondent, a cited page, an e-mail's subject as a conversation's title)
are not public until a published record names them: not on a page, in the API, in a download,
in search, in the home counts, in the sitemap or in a dataset release; nor do they become
public when the records that named them are deleted, or their accounts merged into someone
else. A curator's own source that no record cites yet (the original article behind the reposts,
say) stays public; a source an import made does not.
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


def test_a_curators_own_source_stays_public_but_not_a_person_no_record_names(client, waiting):
    assert client.get("/sources/curators-source/").status_code == 200
    assert "The original article" in body(client.get("/sources/"))
    assert client.get("/api/sources/curators-source/").status_code == 200
    # A person is public once a published record names them: there is nothing else to show.
    assert client.get("/people/curators-own/").status_code == 404
    assert "Curator&#x27;s Own Entry" not in body(client.get("/people/"))


def test_the_home_counts_only_what_readers_can_open(client, waiting):
    home = client.get("/")
    counts = home.context["counts"]
    # Public Sender; the source of m-public and the curator's.
    assert counts["people"] == 1 and counts["sources"] == 2
    # Each figure opens the list it counts.
    assert '<a href="/people/"><strong>1</strong> people and organisations</a>' in body(home)
    assert '<a href="/sources/"><strong>2</strong> sources</a>' in body(home)


def test_deleting_the_unreviewed_message_keeps_its_names_private(client, waiting, build):
    from archive.models import ImportBatch, Source

    batch = ImportBatch.objects.create(
        file_name="t.csv", file_size=1, sha256="0" * 64, format="csv", importer_version="1"
    )
    Source.objects.filter(external_id="unreviewed-source").update(import_batch=batch)
    waiting.delete()  # a curator rejects the import's message
    for path in HIDDEN_PAGES:
        assert client.get(path).status_code == 404, path
    for path in LISTS:
        text = body(client.get(path))
        assert SECRET_PERSON not in text and SECRET_SOURCE not in text, path


def test_merging_the_imports_account_into_a_public_person_keeps_its_name_private(client, waiting):
    from archive.models import Account, Person

    secret = Person.objects.get(external_id="unreviewed-person")
    public = Person.objects.get(external_id="public-sender")
    # The admin's "Merge the selected accounts into one person" does this.
    Account.objects.filter(person=secret).update(person=public, merged_from=secret)
    for path in ("/people/unreviewed-person/", "/api/people/unreviewed-person/"):
        assert client.get(path).status_code == 404, path
    for path in LISTS:
        assert SECRET_PERSON not in body(client.get(path)), path


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
    assert counts["people"] == 1 and counts["sources"] == 2


def test_an_imports_people_and_sources_stay_private_until_published_and_after_rejection(
    client, db, tmp_path
):
    from archive.models import Message, Person, Source

    transcript = tmp_path / "t.csv"
    transcript.write_text(
        "id,thread,date_earliest,date_latest,sender,recipients,text,source_url\r\n"
        "r1,secret-chat,2016-10-03,2016-10-03,@quiet_insider,@someone,Hello.,"
        "https://leak.example/page\r\n",
        encoding="utf-8",
    )
    call_command("import_messages", str(transcript), "--format", "csv", stdout=io.StringIO())
    source = Source.objects.get(url="https://leak.example/page")
    assert source.import_batch is not None
    for path in ("/sources/", "/people/", "/api/sources/", "/api/people/", "/sitemap.xml"):
        text = body(client.get(path))
        assert "leak.example" not in text and "quiet_insider" not in text, path
    person = Person.objects.get(accounts__handle__icontains="quiet_insider")
    for words in ("quiet_insider", "leak.example"):
        found = body(client.get("/search/", {"q": words}))  # the page repeats the words asked
        assert person.get_absolute_url() not in found and source.get_absolute_url() not in found
    assert client.get(person.get_absolute_url()).status_code == 404
    assert client.get(source.get_absolute_url()).status_code == 404
    Message.objects.filter(import_batch=source.import_batch).delete()  # rejected
    assert client.get(source.get_absolute_url()).status_code == 404
    assert "leak.example" not in body(client.get("/sources/"))
