"""Annotation pages stay fast, the editors' notes load, logins are throttled, CSP is sent."""

import json
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from annotations.models import Annotation
from tests.support.annotation_helpers import make_annotation


def test_editor_notes_load_with_the_archive_and_twice_change_nothing(client, db):
    paths = [
        settings.BASE_DIR / "fixtures" / "archive.json",
        settings.BASE_DIR / "fixtures" / "editors-annotations.json",
    ]
    first, second = StringIO(), StringIO()
    call_command("load_archive", *map(str, paths), stdout=first)
    call_command("load_archive", *map(str, paths), stdout=second)
    assert second.getvalue().startswith("created 0, updated 0")
    editors = Annotation.objects.filter(author__username="archive-editors")
    assert editors.count() >= 5
    assert all(note.visibility == "public" and note.links.exists() for note in editors)
    assert not editors.first().author.has_usable_password()
    page = client.get("/messages/m07/").content.decode()
    assert "Friday 7 October 2016" in page
    listing = client.get("/annotations/").content.decode()
    assert ">message m07</a> (3 Oct 2016)" in listing
    assert ">event e06</a> (Access Hollywood tape" in listing
    quoted = editors.exclude(quote_exact="")
    for note in quoted:
        assert note.message.text[note.quote_start : note.quote_end] == note.quote_exact
    records = json.loads(paths[1].read_text())
    assert {r["model"] for r in records} == {
        "auth.user",
        "annotations.annotation",
        "annotations.sourcelink",
    }


def test_login_is_throttled_after_repeated_failures(client, users):
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "author", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    assert client.post(url, {"username": "author", "password": "wrong"}).status_code == 429
    # Locked: even the right password is refused until the cool-off ends.
    locked = client.post(url, {"username": "author", "password": "pw-author-123"})
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()


def test_an_overlong_username_is_refused_and_throttled_not_a_server_error(client, db):
    # axes records the attempted name in a 255-character column (PostgreSQL enforces it).
    url, name = reverse("login"), "x" * 5000
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": name, "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": name, "password": "wrong"}).status_code == 429


def test_login_logout_and_password_change_use_our_pages(client, users):
    assert "Researchers sign in" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"username": "author", "password": "pw-author-123"})
    assert response.status_code == 302
    assert "Change your password" in client.get(reverse("password_change")).content.decode()
    assert client.post(reverse("logout")).status_code == 302
    assert "Reset your password" in client.get(reverse("password_reset")).content.decode()


def test_password_reset_sends_an_email(client, users, mailoutbox):
    users["author"].email = "author@example.org"
    users["author"].save()
    client.post(reverse("password_reset"), {"email": "author@example.org"})
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_content_security_policy_is_sent(client, db):
    header = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in header and "script-src 'self'" in header


def test_annotation_list_filters(client, build, users):
    message = build.message()
    make_annotation(
        users["author"],
        message=message,
        visibility="public",
        tags=["dates"],
        motivation="correcting",
        body="About dates",
    )
    make_annotation(
        users["other"], message=message, visibility="public", tags=["people"], body="About people"
    )
    page = client.get("/annotations/", {"tag": "Dates"}).content.decode()
    assert "About dates" in page and "About people" not in page
    page = client.get("/annotations/", {"author": "other"}).content.decode()
    assert "About people" in page and "About dates" not in page
    page = client.get("/annotations/", {"motivation": "correcting", "target": "message"})
    assert "About dates" in page.content.decode()
    bad = client.get("/annotations/", {"motivation": "nope"}).content.decode()
    assert "Some filters could not be used" in bad
    client.force_login(users["other"])
    mine = client.get("/annotations/?mine").content.decode()
    assert "About people" in mine and "About dates" not in mine


def test_messages_can_be_filtered_to_those_with_notes_the_reader_may_see(client, build, users):
    public_one = build.message(external_id="with-public")
    private_one = build.message(external_id="with-private")
    build.message(external_id="without")
    make_annotation(users["author"], message=public_one, visibility="public")
    make_annotation(users["author"], message=private_one, visibility="private")

    def listed(**query):
        response = client.get("/messages/", query)
        return {m.external_id for m in response.context["page"].object_list}

    assert listed(annotated="yes") == {"with-public"}
    assert listed(annotated="no") == {"with-private", "without"}
    client.force_login(users["author"])
    assert listed(annotated="yes") == {"with-public", "with-private"}


def test_signed_in_readers_can_reach_the_report_form_from_a_note(client, build, users):
    message = build.message(text="Words.")
    note = make_annotation(users["author"], message=message, visibility="public")
    report = f"{note.get_absolute_url()}?report#report"
    assert report not in client.get(message.get_absolute_url()).content.decode()
    client.force_login(users["author"])
    assert report not in client.get(message.get_absolute_url()).content.decode()
    client.force_login(users["other"])
    assert report in client.get(message.get_absolute_url()).content.decode()
    page = client.get(f"{note.get_absolute_url()}?report").content.decode()
    assert '<details class="flag" id="report" open>' in page


def test_my_notes_has_no_author_filter_and_says_how_to_start(client, users):
    client.force_login(users["other"])
    page = client.get("/annotations/?mine").content.decode()
    assert 'name="author"' not in page
    assert "You have not written any notes yet." in page
    assert 'name="author"' in client.get("/annotations/").content.decode()
    assert "No notes match." in client.get("/annotations/?mine&tag=nothing").content.decode()
