"""A mail to thousands of people imports in a bounded number of queries: the accounts of a chunk
are found and created in bulk, never one query per recipient."""

import pytest

from archive.importing.importer import import_path
from archive.models import Account, Message, Person
from tests.support.query_counts import QUERY_BOUNDS

pytestmark = pytest.mark.django_db


def mass_mail(tmp_path, message_id, count, *, name="Reader"):
    to = ", ".join(f'"{name} {n}" <reader{n}@example.org>' for n in range(count))
    path = tmp_path / f"{message_id}.mbox"
    path.write_bytes(
        b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"
        b"From: Alice Example <alice@example.org>\nTo: " + to.encode() + b"\n"
        b"Subject: Newsletter\nMessage-ID: <" + message_id.encode() + b"@example.org>\n"
        b"Date: Mon, 03 Oct 2016 18:35:00 -0400\n\nHello, everyone.\n"
    )
    return path


def test_a_mail_to_5000_recipients_imports_in_bounded_queries(
    tmp_path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERY_BOUNDS["import_many_recipients"]):
        result = import_path(mass_mail(tmp_path, "one", 5000))
    assert result.report["created"] == 1 and result.report["accounts_created"] == 5001
    message = Message.objects.get()
    assert message.recipients.count() == 5000
    assert Person.objects.count() == 5001
    reader = Account.objects.get(handle="reader4999@example.org")
    assert reader.display_names == ["Reader 4999"] and reader.person.name == "Reader 4999"


def test_a_second_mail_to_the_same_people_finds_their_accounts_in_bounded_queries(
    tmp_path, django_assert_max_num_queries
):
    import_path(mass_mail(tmp_path, "one", 5000))
    with django_assert_max_num_queries(QUERY_BOUNDS["import_many_recipients"]):
        result = import_path(mass_mail(tmp_path, "two", 5000, name="Subscriber"))
    assert result.report["created"] == 1 and result.report["accounts_created"] == 0
    assert Message.objects.get(original_id="two@example.org").recipients.count() == 5000
    reader = Account.objects.get(handle="reader7@example.org")
    assert reader.display_names == ["Reader 7", "Subscriber 7"]
