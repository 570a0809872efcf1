"""A curator can read what an import will do before confirming it (date, sender, recipients,
subject or first words, thread, problems; counts per thread and per sender), publish some
threads of a batch, and undo a batch nothing depends on — or see what depends on it."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from archive.importing.importer import import_path
from archive.models import Account, Correction, ImportBatch, Message, Person, Thread
from tests.support import import_samples as samples
from tests.support.annotation_helpers import make_annotation

pytestmark = pytest.mark.django_db

DAY = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)


def mailbox(tmp_path, name="mail.mbox"):
    """Two conversations: Rotterdam (Ann and Ben, three mails, one with a PDF), Budget (Cleo)."""
    raws = [
        samples.email_bytes("r1@example.org", "Ann <ann@example.org>", "ben@example.net",
                            "Rotterdam", DAY, "Shall we meet in Rotterdam next week?\n"),
        samples.email_bytes("r2@example.org", "ben@example.net", "Ann <ann@example.org>",
                            "Re: Rotterdam", DAY + timedelta(hours=1), "Yes.\n",
                            in_reply_to="r1@example.org",
                            attachments=[("map.pdf", "application/pdf", b"%PDF-1.4 map")]),
        samples.email_bytes("r3@example.org", "Ann <ann@example.org>", "ben@example.net",
                            "Re: Rotterdam", DAY + timedelta(hours=2), "Good.\n",
                            in_reply_to="r2@example.org"),
        samples.email_bytes("b1@example.org", "cleo@example.com", "ann@example.org",
                            "Budget", DAY + timedelta(days=1), "The budget is attached.\n"),
    ]  # fmt: skip
    return samples.write_mbox(tmp_path / name, raws)


def command(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_dry_run_shows_a_table_a_curator_can_read(tmp_path):
    result = import_path(mailbox(tmp_path), dry_run=True)
    first = result.report["preview"][0]
    assert first["date"] == "2016-10-03" and first["time"] == "2016-10-03T09:00:00+00:00"
    assert first["sender"] == "ann@example.org" and first["recipients"] == ["ben@example.net"]
    assert first["subject"] == "Rotterdam" and first["thread"] == "Rotterdam"
    assert first["first_words"] == "Shall we meet in Rotterdam next week?"
    assert {g["title"]: g["messages"] for g in result.report["per_thread"]} == {
        "Rotterdam": 3,
        "Budget": 1,
    }
    assert {g["sender"]: g["messages"] for g in result.report["per_sender"]} == {
        "ann@example.org": 2,
        "ben@example.net": 1,
        "cleo@example.com": 1,
    }
    printed = command("import_messages", str(mailbox(tmp_path, "again.mbox")), "--dry-run")
    assert "2016-10-03  ann@example.org → ben@example.net  “Rotterdam”  [Rotterdam]" in printed
    assert "Messages per thread (2 threads):" in printed
    assert "Messages per sender (3 senders):" in printed
    assert not Message.objects.exists()


def test_a_reply_that_could_not_be_linked_is_a_problem_in_its_row(tmp_path):
    raw = samples.email_bytes("x@example.org", "ann@example.org", "ben@example.net",
                              "Re: Lost", DAY, "Hm.\n", in_reply_to="gone@example.org")  # fmt: skip
    result = import_path(samples.write_mbox(tmp_path / "m.mbox", [raw]), dry_run=True)
    [row] = result.report["preview"]
    assert row["problems"] == ["reply not linked: the message it answers is not in the archive"]


def test_a_transcription_of_messages_already_imported_says_so_before_importing(tmp_path):
    first = tmp_path / "one.csv"
    first.write_text(samples.CSV)
    import_path(first)
    again = tmp_path / "two.csv"
    again.write_text(samples.CSV.replace("r1,", "x1,").replace("r2,", "x2,").replace(",r1", ",x1"))
    result = import_path(again, dry_run=True)
    assert result.report["likely_duplicates"] == 2
    assert {d["id"] for d in result.report["duplicate_examples"]} == {"x1", "x2"}


def test_an_undone_import_leaves_nothing_and_may_be_imported_again(
    tmp_path, django_capture_on_commit_callbacks
):
    path = mailbox(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        result = import_path(path)
    [attachment] = result.batch.messages.get(original_id="r2@example.org").attachments.all()
    stored = attachment.file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        printed = command("undo_import", str(result.batch.pk))
    assert "removed 4 message(s), 2 thread(s), 3 account(s), 3 people" in printed
    assert not Message.objects.exists() and not Thread.objects.exists()
    assert not Account.objects.exists() and not Person.objects.exists()
    assert not default_storage.exists(stored)
    batch = ImportBatch.objects.get(pk=result.batch.pk)
    assert batch.undone_at and batch.report["undone"]["messages"] == 4
    # The provenance stays; the same file imports again, as a new batch.
    again = import_path(path)
    assert again.wrote and again.report["created"] == 4


def test_an_account_another_import_still_uses_stays(tmp_path):
    first = import_path(mailbox(tmp_path))
    other = samples.email_bytes("o1@example.org", "ann@example.org", "dora@example.com",
                                "Other", DAY, "Hello Dora.\n")  # fmt: skip
    import_path(samples.write_mbox(tmp_path / "other.mbox", [other]))
    command("undo_import", str(first.batch.pk))
    assert sorted(Account.objects.values_list("handle", flat=True)) == [
        "ann@example.org",
        "dora@example.com",
    ]


@pytest.mark.parametrize(
    "depend, named",
    [
        ("published", "of its messages are published"),
        ("note", "notes are on its messages"),
        ("correction", "corrections were made to them"),
        ("admin_edit", "edits were made to them in the admin"),
        ("reply_from_elsewhere", "messages outside it reply to them"),
        ("shared_thread", "messages of other imports (or of the archive) share its conversations"),
    ],
)
def test_what_depends_on_a_batch_stops_its_undo_and_is_named(tmp_path, users, depend, named):
    result = import_path(mailbox(tmp_path))
    batch = result.batch
    message = batch.messages.get(original_id="r1@example.org")
    if depend == "published":
        batch.messages.update(is_published=True)
    elif depend == "note":
        make_annotation(users["author"], message, visibility="private")
    elif depend == "correction":
        Correction.objects.create(message=message, changes={"text": ["a", "b"]})
    elif depend == "admin_edit":
        LogEntry.objects.create(
            user=users["curator"],
            content_type=ContentType.objects.get_for_model(Message),
            object_id=str(message.pk),
            object_repr=str(message),
            action_flag=CHANGE,
        )
    elif depend in ("reply_from_elsewhere", "shared_thread"):
        later = samples.email_bytes("r4@example.org", "ben@example.net", "ann@example.org",
                                    "Re: Rotterdam", DAY + timedelta(hours=5), "Late.\n",
                                    in_reply_to="r3@example.org")  # fmt: skip
        import_path(samples.write_mbox(tmp_path / "later.mbox", [later]))
    before = Message.objects.count()
    with pytest.raises(CommandError, match=re.escape(named)):
        command("undo_import", str(batch.pk))
    assert Message.objects.count() == before
    assert ImportBatch.objects.get(pk=batch.pk).undone_at is None


def test_an_unknown_batch_is_a_clear_error():
    with pytest.raises(CommandError, match="There is no import batch 999"):
        command("undo_import", "999")


def test_the_review_page_publishes_chosen_threads_and_undoes(tmp_path, curator_client):
    batch = import_path(mailbox(tmp_path)).batch
    url = f"/admin/archive/importbatch/{batch.pk}/review/"
    page = curator_client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Publish the chosen threads" in content and "Nothing depends on it." in content
    assert "Messages per sender (3 senders)" in content  # the review table
    rotterdam = Thread.objects.get(title="Rotterdam")
    answer = curator_client.post(url, {"action": "publish", "thread": [str(rotterdam.pk)]})
    assert answer.status_code == 302
    assert set(Message.objects.filter(is_published=True).values_list("thread", flat=True)) == {
        rotterdam.pk
    }
    # Now something depends on it: the page says what, and the undo is refused.
    content = curator_client.get(url).content.decode()
    assert "3 of its messages are published" in content
    curator_client.post(url, {"action": "undo"})
    assert Message.objects.count() == 4
    curator_client.post(url, {"action": "unpublish", "thread": [str(rotterdam.pk)]})
    curator_client.post(url, {"action": "undo"})
    assert not Message.objects.exists()
    assert "Undone on" in curator_client.get(url).content.decode()


def test_a_curator_who_may_only_view_cannot_publish_or_undo(tmp_path, client, users):
    from django.contrib.auth.models import Permission

    batch = import_path(mailbox(tmp_path)).batch
    viewer = users["curator"]
    viewer.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(viewer)
    url = f"/admin/archive/importbatch/{batch.pk}/review/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "undo"}).status_code == 403
    assert client.post(url, {"action": "publish", "thread": ["1"]}).status_code == 403
    assert Message.objects.count() == 4


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_review_page_reads_a_bounded_number_of_queries(
    tmp_path, curator_client, django_assert_max_num_queries, size
):
    from bench.mail_threading import mailbox as generated
    from tests.support.query_counts import QUERY_BOUNDS

    if size == "small":
        path = mailbox(tmp_path)
    else:
        path = tmp_path / "large.mbox"
        path.write_bytes(generated(300)[0])  # about 50 threads
    batch = import_path(path).batch
    with django_assert_max_num_queries(QUERY_BOUNDS["admin_import_review"]):
        curator_client.get(f"/admin/archive/importbatch/{batch.pk}/review/")
