"""One site, several collections: an unrelated mailbox never takes over the WikiLeaks
collection's page, chart or lists; each collection has its own page, and every list, search,
feed, export and API list keeps to one when asked (?collection=)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission

from archive.importing.importer import import_path
from archive.models import Collection, ImportBatch, Message, Thread
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

DAY = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)
FIRST = "wikileaks-trump-jr"


def rotterdam(tmp_path, **options):
    """A busier mailbox than the whole correspondence: 30 mails in one conversation."""
    raws = [
        samples.email_bytes(
            f"r{n}@example.org", "ann@example.org" if n % 2 else "ben@example.net",
            "ben@example.net" if n % 2 else "ann@example.org",
            "Harbour" if n == 0 else "Re: Harbour", DAY + timedelta(hours=n),
            f"Harbour mail {n}.\n", in_reply_to=f"r{n - 1}@example.org" if n else None,
        )
        for n in range(30)
    ]  # fmt: skip
    return import_path(samples.write_mbox(tmp_path / "rotterdam.mbox", raws), **options)


@pytest.fixture
def two(archive, tmp_path):
    result = rotterdam(tmp_path, publish=True, collection="Rotterdam leak")
    return result.batch


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_the_archive_is_the_first_collection_and_alone_it_is_the_home_page(client, archive):
    assert set(Thread.objects.values_list("collection__external_id", flat=True)) == {FIRST}
    home = client.get("/").content.decode()
    assert "<h1>The @wikileaks" in home and "Collections</h2>" not in home
    assert "Read the conversation" in home  # its chart and routes, as before


def test_an_unrelated_mailbox_takes_over_nothing(client, two):
    assert two.collection.external_id == "rotterdam-leak"
    home = client.get("/").content.decode()
    assert "Collections</h2>" in home
    assert 'href="/c/wikileaks-trump-jr/"' in home and 'href="/c/rotterdam-leak/"' in home
    assert "Who wrote when" not in home  # no one conversation speaks for the site
    first = client.get(f"/c/{FIRST}/")
    assert first.context["counts"]["messages"] == 24
    assert first.context["glance"]["thread"].external_id == "dm-wikileaks-trumpjr"
    page = first.content.decode()
    assert 'href="/messages/?collection=wikileaks-trump-jr"><strong>24</strong> messages' in page
    second = client.get("/c/rotterdam-leak/")
    assert second.context["counts"]["messages"] == 30
    assert second.context["counts"]["people"] == 2
    assert second.context["glance"]["thread"].title == "Harbour"


def test_every_list_keeps_to_a_collection(client, two):
    messages = client.get("/messages/?collection=rotterdam-leak")
    assert messages.context["count"].value == 30
    assert client.get(f"/messages/?collection={FIRST}").context["count"].value == 24
    exported = json.loads(
        b"".join(client.get("/messages/?collection=rotterdam-leak&format=json").streaming_content)
    )
    assert len(exported["messages"]) == 30
    api = client.get("/api/messages/?collection=rotterdam-leak&page_size=100")
    assert len(ids(api)) == 30
    people = client.get("/people/?collection=rotterdam-leak").content.decode()
    trump_jr = 'href="/people/donald-trump-jr/"'
    assert "ann@example.org" in people and trump_jr not in people
    first_people = client.get(f"/people/?collection={FIRST}").content.decode()
    assert trump_jr in first_people and "ann@example.org" not in first_people
    timeline = client.get("/timeline/?collection=rotterdam-leak&kind=messages")
    assert timeline.status_code == 200
    assert "Harbour mail 3." in timeline.content.decode()
    assert 'href="/messages/m08/"' not in timeline.content.decode()


def test_search_and_the_records_feed_keep_to_a_collection(client, two):
    harbour = Message.objects.filter(import_batch=two).first().external_id
    page = client.get("/search/?q=harbour&kind=messages&collection=wikileaks-trump-jr")
    assert harbour not in page.content.decode()
    page = client.get("/search/?q=harbour&kind=messages&collection=rotterdam-leak")
    assert harbour in page.content.decode()
    feed = client.get(f"/feeds/records.atom?collection={FIRST}").content.decode()
    assert harbour not in feed and "m06" in feed
    assert harbour in client.get("/feeds/records.atom?collection=rotterdam-leak").content.decode()
    assert client.get("/feeds/records.atom?collection=nowhere").status_code == 404


def test_permalinks_stay_and_an_unknown_collection_is_a_clear_answer(client, two):
    assert client.get("/messages/m06/").status_code == 200
    assert client.get("/c/nowhere/").status_code == 404
    listed = client.get("/messages/?collection=nowhere")
    assert listed.status_code == 200 and "Collection" in listed.content.decode()
    assert listed.context["filter"].errors
    assert client.get("/api/messages/?collection=nowhere").status_code == 400


def test_an_import_without_a_collection_gets_one_of_its_own_and_a_dry_run_makes_none(
    tmp_path, archive
):
    rotterdam(tmp_path, dry_run=True)
    assert not Collection.objects.filter(external_id="rotterdam-mbox").exists()
    result = rotterdam(tmp_path)
    assert result.batch.collection.external_id == "rotterdam-mbox"
    assert result.report["collection"] == "rotterdam-mbox"
    assert set(
        Message.objects.filter(import_batch=result.batch).values_list(
            "thread__collection__external_id", flat=True
        )
    ) == {"rotterdam-mbox"}


def test_a_curator_limited_to_a_collection_sees_and_imports_into_it_only(
    client, users, two, tmp_path
):
    curator = users["curator"]
    curator.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_message", "change_message", "add_message", "view_importbatch"]
        )
    )
    two.collection.curators.add(curator)
    client.force_login(curator)
    listing = client.get("/admin/archive/message/?all=")
    assert listing.context["cl"].result_count == 30
    upload = client.get("/admin/archive/importbatch/import/")
    choices = [c[0].value for c in upload.context["form"].fields["collection"].choices if c[0]]
    assert choices == ["rotterdam-leak"]
    assert "new_collection" not in upload.context["form"].fields
    assert list(ImportBatch.objects.all()) == [two]


def test_a_release_of_one_collection_holds_only_its_records(two, tmp_path):
    import zipfile
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "release_dataset", "--version", "rotterdam-1", "--collection", "rotterdam-leak",
        "--output-dir", str(tmp_path), "--date", "2026-12-07", stdout=out,
    )  # fmt: skip
    with zipfile.ZipFile(tmp_path / "backchannel-rotterdam-1.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        messages = json.loads(archive.read("messages.json"))["messages"]
        people = json.loads(archive.read("people.json"))["people"]
    assert manifest["collection"] == "rotterdam-leak"
    assert manifest["title"] == "Rotterdam leak"
    assert manifest["counts"]["messages"] == len(messages) == 30
    assert {row["id"] for row in people} == set(
        two.messages.values_list("sender__person__external_id", flat=True)
    )
    with pytest.raises(Exception, match="no collection 'nowhere'"):
        call_command(
            "release_dataset", "--version", "x-1", "--collection", "nowhere",
            "--output-dir", str(tmp_path), "--date", "2026-12-07", stdout=StringIO(),
        )  # fmt: skip


def test_the_notes_list_keeps_to_a_collection(client, two, users):
    from tests.support.annotation_helpers import make_annotation

    harbour = Message.objects.filter(import_batch=two).first()
    make_annotation(users["author"], harbour, body="A note on the harbour.", visibility="public")
    make_annotation(
        users["author"], Message.objects.get(external_id="m06"), body="On m06.", visibility="public"
    )
    scoped = client.get("/annotations/?collection=rotterdam-leak").content.decode()
    assert "A note on the harbour." in scoped and "On m06." not in scoped
    first = client.get(f"/annotations/?collection={FIRST}").content.decode()
    assert "On m06." in first and "A note on the harbour." not in first
    assert client.get("/annotations/?collection=%00bad").status_code == 200


def test_a_limited_curator_reaches_no_other_collections_batch_or_file_by_its_address(
    client, users, two, tmp_path, django_capture_on_commit_callbacks
):
    """Named curator of the Rotterdam collection only: the WikiLeaks side's import batch and
    attachment are not found, even by their numbers; their own collection's are."""
    from django.urls import reverse

    def with_pdf(name, collection):
        pdf = [("a.pdf", "application/pdf", b"%PDF-1")]
        raw = samples.email_bytes(
            f"{name}@example.org", "x@example.org", "y@example.org", name, DAY, "Hi.\n",
            attachments=pdf,
        )  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_path(
                samples.write_mbox(tmp_path / f"{name}.mbox", [raw]), collection=collection
            ).batch
        return batch, batch.messages.get().attachments.get()

    other, others_file = with_pdf("other", FIRST)
    own, own_file = with_pdf("own", "rotterdam-leak")
    curator = users["curator"]
    curator.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_message", "change_message", "delete_message", "view_importbatch"]
        )
    )
    two.collection.curators.add(curator)
    client.force_login(curator)

    def download(attachment):
        return client.get(reverse("admin:archive_attachment_download", args=[attachment.pk]))

    review = f"/admin/archive/importbatch/{other.pk}/review/"
    assert client.get(review).status_code == 404
    assert client.post(review, {"action": "undo"}).status_code == 404
    assert download(others_file).status_code == 404
    assert ImportBatch.objects.get(pk=other.pk).undone_at is None
    assert client.get(f"/admin/archive/importbatch/{own.pk}/review/").status_code == 200
    assert download(own_file).status_code == 200


def test_the_api_lists_the_open_collections_and_says_where_each_record_belongs(
    client, two, tmp_path
):
    Collection.objects.create(external_id="empty-so-far", title="Nothing published yet")
    answer = client.get("/api/collections/").json()
    # in the home page's order: by position, then title ("Rotterdam leak", "The @wikileaks…")
    assert [row["id"] for row in answer["results"]] == ["rotterdam-leak", FIRST]
    rotterdam_row = answer["results"][0]
    assert rotterdam_row["html_url"] == "http://testserver/c/rotterdam-leak/"
    listed = client.get(rotterdam_row["lists"]["messages"]).json()["results"]
    assert len(listed) == 30 and {row["collection"] for row in listed} == {"rotterdam-leak"}
    assert client.get("/api/collections/empty-so-far/").status_code == 404
    assert client.get("/api/messages/m01/").json()["collection"] == FIRST
    assert client.get("/api/threads/dm-wikileaks-trumpjr/").json()["collection"] == FIRST
    event = client.get("/api/events/?page_size=1").json()["results"][0]
    assert event["collection"] == FIRST
    assert "collections" in client.get("/api/").json()
