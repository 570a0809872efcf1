"""A write the server has no room for (a full disk, a full database) answers 503 "try again in a
few minutes" with the request id, JSON under /api/, never the generic 500 page. The writes
really fail: SQLite's own "database or disk is full" (its page limit lowered on the test
connection), PostgreSQL's disk_full raised by the server during the insert, and a file write to
/dev/full, which answers every write ENOSPC."""

import logging

import pytest
from django.db import connection

from annotations.models import Annotation, ApiToken
from tests.annotations.test_annotation_protocol import bearer, new_note, post
from tests.support.annotation_helpers import note_form_data

# Transactional: SQLite's VACUUM (below) cannot run inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

# Longer than a database page, so saving it needs new pages.
LONG_BODY = "A note that needs room. " * 400


@pytest.fixture
def full_database(db):
    """Call it once the test's own rows are written: from then on the database refuses to
    grow, as a full disk would make it (before, what the test writes could itself need a page)."""
    limits = []

    def fill():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("VACUUM")  # no free pages left to reuse
                cursor.execute("PRAGMA max_page_count")
                limits.append(cursor.fetchone()[0])
                cursor.execute("PRAGMA page_count")
                (pages,) = cursor.fetchone()
                cursor.execute(f"PRAGMA max_page_count = {pages}")
            else:
                cursor.execute(
                    "CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full';"
                    " END $$"
                )
                cursor.execute(
                    "CREATE TRIGGER test_disk_full BEFORE INSERT ON annotations_annotation "
                    "FOR EACH ROW EXECUTE FUNCTION test_disk_full()"
                )
                limits.append(None)

    yield fill
    if limits:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA max_page_count = {limits[0]}")
            else:
                cursor.execute("DROP TRIGGER test_disk_full ON annotations_annotation")
                cursor.execute("DROP FUNCTION test_disk_full()")


def assert_try_again_page(answer):
    page = answer.content.decode()
    assert answer.status_code == 503
    assert answer["Retry-After"] == "120"
    assert "the server cannot write just now" in page
    assert "send it again in a few minutes" in page
    assert answer["X-Request-ID"] in page
    assert "Traceback" not in page


def assert_try_again_json(answer):
    assert answer.status_code == 503
    assert answer["Retry-After"] == "120"
    body = answer.json()
    assert body["status"] == 503 and "storage is full" in body["detail"]
    assert body["request_id"] == answer["X-Request-ID"]


def test_a_note_saved_while_the_database_is_full_gets_the_try_again_page(
    client, build, users, full_database, caplog
):
    message = build.message()
    client.force_login(users["author"])
    full_database()

    with caplog.at_level(logging.ERROR, logger="ops.middleware"):
        answer = client.post(
            f"/messages/{message.external_id}/annotate/", note_form_data(body=LONG_BODY)
        )

    assert_try_again_page(answer)
    assert Annotation.objects.count() == 0
    assert "No room to write" in caplog.text


def test_a_note_sent_to_the_api_while_the_database_is_full_gets_a_json_503(
    client, build, users, full_database
):
    message = build.message(text="Leak us one or more of your father's tax returns.")
    token = ApiToken.issue(users["author"], "scripts")[1]
    note = new_note(message)
    note["body"]["value"] = LONG_BODY
    full_database()

    answer = post(client, note, **bearer(token))

    assert_try_again_json(answer)
    assert Annotation.objects.count() == 0


def test_a_file_write_on_a_full_disk_gets_the_try_again_page_or_json(client, settings):
    settings.ROOT_URLCONF = "tests.support.error_urls"

    assert_try_again_page(client.post("/full-disk/", {"note": "x"}))
    assert_try_again_json(client.post("/api/full-disk/", {"note": "x"}))


def test_any_other_failure_is_still_the_500_page(settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.support.error_urls"
    answer = Client(raise_request_exception=False).get("/broken/")
    assert answer.status_code == 500
