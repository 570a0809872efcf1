"""E-mail is threaded as a mail client threads it (archive/importing/mail_threads.py): across the
whole batch in any order, and against what the archive already holds; links inferred from the
subject are labelled so."""

from datetime import UTC, datetime, timedelta

import pytest

from archive.importing.importer import import_path
from archive.models import Message, Thread
from bench.mail_threading import accuracy, mailbox
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

DAY = datetime(2016, 10, 3, 9, 0, tzinfo=UTC)


def mail(n, sender, to, subject, *, in_reply_to=None, references=None, hours=0):
    return samples.email_bytes(
        f"{n}@example.org", sender, to, subject, DAY + timedelta(hours=hours or n),
        f"Mail {n}.\n", in_reply_to=in_reply_to and f"{in_reply_to}@example.org",
        references=references and [f"{r}@example.org" for r in references],
    )  # fmt: skip


def by_id():
    return {m.original_id.split("@")[0]: m for m in Message.objects.select_related("in_reply_to")}


def parents():
    return {
        key: (m.in_reply_to.original_id.split("@")[0] if m.in_reply_to else None)
        for key, m in by_id().items()
    }


def test_a_chain_linked_only_by_in_reply_to_is_one_thread(tmp_path):
    """As Outlook writes: no References, each mail naming only the one it answers."""
    ann, ben = "ann@example.org", "ben@example.net"
    raws = [mail(1, ann, ben, "Rotterdam")]
    for n in range(2, 7):
        sender, to = (ben, ann) if n % 2 == 0 else (ann, ben)
        raws.append(mail(n, sender, to, "RE: Rotterdam", in_reply_to=n - 1))
    import_path(samples.write_mbox(tmp_path / "outlook.mbox", raws))
    assert Thread.objects.count() == 1
    assert parents() == {"1": None, "2": "1", "3": "2", "4": "3", "5": "4", "6": "5"}
    assert not Message.objects.filter(in_reply_to_inferred=True).exists()


def test_the_mailbox_order_does_not_matter(tmp_path):
    """Replies filed before what they answer (a sent folder appended to an inbox)."""
    first = mail(1, "ann@example.org", "ben@example.net", "Budget")
    second = mail(2, "ben@example.net", "ann@example.org", "Re: Budget", in_reply_to=1)
    third = mail(3, "ann@example.org", "ben@example.net", "Re: Budget", references=[1, 2])
    result = import_path(samples.write_mbox(tmp_path / "m.mbox", [third, second, first]))
    assert result.report["replies_linked"] == 2 and result.report["replies_not_linked"] == []
    messages = by_id()
    assert [messages[k].position for k in "123"] == [1, 2, 3]
    assert parents() == {"1": None, "2": "1", "3": "2"}


def test_a_thread_whose_first_mail_is_missing_stays_one_thread(tmp_path):
    raws = [
        mail(2, "ben@example.net", "ann@example.org", "Re: Budget", in_reply_to=1),
        mail(3, "ann@example.org", "ben@example.net", "Re: Budget", in_reply_to=2),
    ]
    import_path(samples.write_mbox(tmp_path / "m.mbox", raws))
    assert Thread.objects.count() == 1


def test_a_reply_with_no_headers_is_placed_by_subject_and_labelled_inferred(client, tmp_path):
    raws = [
        mail(1, "ann@example.org", "ben@example.net", "Gdańsk trip"),
        mail(2, "ben@example.net", "ann@example.org", "Re: Gdańsk trip"),  # no reply headers
        mail(3, "ann@example.org", "ben@example.net", "Re: Gdańsk trip", in_reply_to=2),
    ]
    import_path(samples.write_mbox(tmp_path / "m.mbox", raws), publish=True)
    assert Thread.objects.count() == 1
    assert parents() == {"1": None, "2": "1", "3": "2"}
    messages = by_id()
    assert messages["2"].in_reply_to_inferred and not messages["3"].in_reply_to_inferred
    assert "subject and participants" in Thread.objects.get().description
    page = client.get(messages["2"].get_absolute_url()).content.decode()
    assert "The link is inferred (same subject and participants)" in page


@pytest.mark.parametrize(
    "subject, other_people",
    [
        ("Invoices", False),  # a new mail on the same subject, not an answer: a new thread
        ("Re: Invoices", True),  # an answer, but between other people
    ],
)
def test_the_same_subject_alone_never_joins_a_thread(tmp_path, subject, other_people):
    to = "cleo@example.com" if other_people else "ben@example.net"
    raws = [
        mail(1, "ann@example.org", "ben@example.net", "Invoices"),
        mail(2, "ann@example.org", to, subject),
    ]
    import_path(samples.write_mbox(tmp_path / "m.mbox", raws))
    assert Thread.objects.count() == 2
    assert parents() == {"1": None, "2": None}


def test_a_reply_imported_later_joins_the_thread_the_archive_holds(tmp_path):
    """The second batch holds only a reply to a mail in the middle of a thread the first made."""
    first = [
        mail(1, "ann@example.org", "ben@example.net", "Server move"),
        mail(2, "ben@example.net", "ann@example.org", "Re: Server move", in_reply_to=1),
    ]
    import_path(samples.write_mbox(tmp_path / "one.mbox", first))
    later = mail(3, "ann@example.org", "ben@example.net", "Re: Server move", in_reply_to=2)
    result = import_path(samples.write_mbox(tmp_path / "two.mbox", [later]))
    assert result.report["threads_created"] == 0
    assert Thread.objects.count() == 1
    messages = by_id()
    assert messages["3"].thread == messages["1"].thread and messages["3"].position == 3
    assert parents()["3"] == "2"


def test_references_that_loop_never_hang_or_lose_a_message(tmp_path):
    raws = [
        mail(1, "ann@example.org", "ben@example.net", "Loop", references=[2]),
        mail(2, "ben@example.net", "ann@example.org", "Re: Loop", references=[1]),
    ]
    result = import_path(samples.write_mbox(tmp_path / "m.mbox", raws))
    assert result.report["created"] == 2 and Thread.objects.count() == 1


def test_a_generated_mailbox_is_threaded_as_its_truth(tmp_path):
    """A few hundred mails in known conversations, written every way real mail is (see
    bench/mail_threading.py; `make bench-threading` runs it at 50,000)."""
    data, truth = mailbox(400, seed=7)
    path = tmp_path / "generated.mbox"
    path.write_bytes(data)
    result = import_path(path)
    figures = accuracy(truth, result.batch)
    assert figures["recall"] >= 0.99 and figures["precision"] >= 0.99, figures
    assert figures["conversations_split"] == 0, figures
    assert figures["threads_merging_conversations"] == 0, figures
    assert figures["threads_found"] == figures["threads_true"], figures
    assert figures["replies_linked_by_inference"] > 0, figures  # the last resort was needed
