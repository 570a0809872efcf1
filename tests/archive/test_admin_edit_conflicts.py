"""Two curators (or two tabs) on one record's admin page: the later save never silently wins.

Each test opens the real change pages with GETs and submits them as a browser would (every
field as rendered, tests/support/admin_forms.py).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation
from archive.models import Account, Discrepancy, DiscrepancyReading, Event, Message, Person
from tests.support.admin_forms import form_data, open_change_page, save_change_page
from tests.support.annotation_helpers import make_annotation


def _curator(username):
    user = get_user_model().objects.create_superuser(username, f"{username}@example.org", "pw-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def first(db):
    return _curator("first-curator")


@pytest.fixture
def second(db):
    return _curator("second-curator")


def _errors(page):
    return page.context["adminform"].form.errors


def _event(build):
    event = Event.objects.create(
        external_id="e90", title="A meeting", description="What happened.", kind="other"
    )
    event.sources.set([build.source()])
    return event


def _discrepancy(build):
    discrepancy = Discrepancy.objects.create(
        external_id="d90", message=build.message(), field="date", note="Two dates."
    )
    for reading in ["3 Oct", "4 Oct"]:
        DiscrepancyReading.objects.create(
            discrepancy=discrepancy, source=build.source(), reading=reading
        )
    return discrepancy


def _annotation(build):
    author = get_user_model().objects.create_user("researcher", password="pw-researcher-1")
    return make_annotation(author, message=build.message(), body="The researcher's note.")


# One row per curated model: how to make a record, and a text field both curators can edit.
RECORDS = {
    "person": (lambda build: build.person(), "description"),
    "account": (lambda build: build.account(), "note"),
    "source": (lambda build: build.source(), "note"),
    "thread": (lambda build: build.thread(), "description"),
    "message": (lambda build: build.message(), "curator_note"),
    "event": (_event, "description"),
    "discrepancy": (_discrepancy, "note"),
    "annotation": (_annotation, "body"),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_a_stale_change_form_is_refused_with_the_other_curators_value(build, first, second, kind):
    make, field = RECORDS[kind]
    record = make(build)
    shown_to_first = open_change_page(first, record)
    shown_to_second = open_change_page(second, record)

    saved = save_change_page(first, record, shown_to_first, **{field: "First curator's words"})
    assert saved.status_code == 302, _errors(saved)
    refused = save_change_page(second, record, shown_to_second, **{field: "Second's words"})

    assert refused.status_code == 200
    errors = _errors(refused)
    assert "First curator's words" in " ".join(errors[field])
    assert "Another curator saved this" in " ".join(errors["__all__"])
    assert "Second&#x27;s words" in refused.content.decode()  # their own input is kept
    record.refresh_from_db()
    assert getattr(record, field) == "First curator's words"


def test_a_field_only_the_other_curator_changed_is_kept_when_saving_again(build, first, second):
    message = build.message(text="Original text.", curator_note="")
    shown_to_first = open_change_page(first, message)
    shown_to_second = open_change_page(second, message)
    save_change_page(first, message, shown_to_first, text="Corrected text.")

    refused = save_change_page(second, message, shown_to_second, curator_note="Dates checked.")
    assert refused.status_code == 200
    assert "Text" in " ".join(_errors(refused)["__all__"])
    assert "Corrected text." in " ".join(_errors(refused)["text"])
    saved = save_change_page(second, message, form_data(refused))

    assert saved.status_code == 302, _errors(saved)
    message.refresh_from_db()
    assert (message.text, message.curator_note) == ("Corrected text.", "Dates checked.")


def test_when_both_changed_one_field_saving_again_takes_the_second_input_knowingly(
    build, first, second
):
    message = build.message(text="Original text.")
    shown_to_first = open_change_page(first, message)
    shown_to_second = open_change_page(second, message)
    save_change_page(first, message, shown_to_first, text="First's text.")

    refused = save_change_page(second, message, shown_to_second, text="Second's text.")
    message.refresh_from_db()
    assert message.text == "First's text."
    saved = save_change_page(second, message, form_data(refused))

    assert saved.status_code == 302, _errors(saved)
    message.refresh_from_db()
    assert message.text == "Second's text."


def test_an_unpublish_by_the_list_action_is_not_undone_by_an_open_change_form(build, first, second):
    message = build.message(is_published=True)
    shown = open_change_page(second, message)
    first.post(
        reverse("admin:archive_message_changelist"),
        {"action": "unpublish", "_selected_action": [message.pk]},
    )

    refused = save_change_page(second, message, shown, summary="A summary.")

    assert refused.status_code == 200
    assert "Is published" in " ".join(_errors(refused)["__all__"])
    message.refresh_from_db()
    assert message.is_published is False
    saved = save_change_page(second, message, form_data(refused))
    assert saved.status_code == 302, _errors(saved)
    message.refresh_from_db()
    assert (message.is_published, message.summary) == (False, "A summary.")


def test_a_row_of_an_inline_changed_by_another_curator_is_named(build, first, second):
    person = build.person()
    account = build.account(person=person, handle="@before")
    shown_to_second = open_change_page(second, person)
    shown_to_first = open_change_page(first, account)
    save_change_page(first, account, shown_to_first, handle="@after")

    refused = save_change_page(second, person, shown_to_second, description="Bio.")

    assert refused.status_code == 200
    assert "Accounts: “@after” was changed" in " ".join(_errors(refused)["__all__"])
    account.refresh_from_db()
    assert account.handle == "@after"
    saved = save_change_page(second, person, form_data(refused))
    assert saved.status_code == 302, _errors(saved)
    account.refresh_from_db()
    person.refresh_from_db()
    assert (account.handle, person.description) == ("@after", "Bio.")


def test_an_inline_row_this_curator_changed_is_saved_knowingly_after_the_conflict(
    build, first, second
):
    person = build.person()
    account = build.account(person=person, handle="@before")
    shown_to_second = open_change_page(second, person)
    save_change_page(first, account, open_change_page(first, account), handle="@first")
    row = next(k for k, v in shown_to_second.items() if k.endswith("-handle") and v == "@before")

    refused = save_change_page(second, person, shown_to_second, **{row: "@second"})
    assert refused.status_code == 200
    saved = save_change_page(second, person, form_data(refused))

    assert saved.status_code == 302, _errors(saved)
    account.refresh_from_db()
    assert account.handle == "@second"


def test_a_curator_saving_twice_in_a_row_meets_no_conflict(build, first):
    message = build.message()
    saved = save_change_page(first, message, open_change_page(first, message), summary="One.")
    assert saved.status_code == 302, _errors(saved)
    saved = save_change_page(first, message, open_change_page(first, message), summary="Two.")
    assert saved.status_code == 302, _errors(saved)
    assert Message.objects.get(pk=message.pk).summary == "Two."


def test_an_annotation_edited_in_the_admin_meanwhile_is_not_overwritten(build, first, second):
    note = _annotation(build)
    shown = open_change_page(second, note)
    # Hiding is an action with a reason (the change form shows the state read-only), so the
    # first curator's edit here is to the note's words.
    save_change_page(first, note, open_change_page(first, note), body="First curator's fix.")

    refused = save_change_page(second, note, shown, body="Curator's tidy-up.")

    assert refused.status_code == 200
    note.refresh_from_db()
    assert note.body == "First curator's fix."


def test_the_fingerprint_field_is_hidden_and_absent_from_add_forms(first, db):
    add = first.get(reverse("admin:archive_person_add"))
    assert b"shown_record_fingerprint" not in add.content
    person = Person.objects.create(external_id="p90", name="Someone")
    change = first.get(reverse("admin:archive_person_change", args=[person.pk]))
    assert b'type="hidden" name="shown_record_fingerprint"' in change.content
    assert Account.objects.count() == 0 and Annotation.objects.count() == 0


def _as_a_browser_sends_it(data):
    # Browsers send textarea lines ended by \r\n.
    return {
        k: v.replace("\r\n", "\n").replace("\n", "\r\n") if isinstance(v, str) else v
        for k, v in data.items()
    }


def test_a_multi_line_text_sent_back_unchanged_by_a_browser_is_not_an_edit(build, first, second):
    message = build.message(text="Line one.\nLine two.")
    shown_to_second = _as_a_browser_sends_it(open_change_page(second, message))
    save_change_page(first, message, open_change_page(first, message), text="One line.")

    refused = save_change_page(second, message, shown_to_second, curator_note="Checked.")
    assert refused.status_code == 200
    saved = save_change_page(second, message, _as_a_browser_sends_it(form_data(refused)))

    assert saved.status_code == 302, _errors(saved)
    message.refresh_from_db()
    assert (message.text, message.curator_note) == ("One line.", "Checked.")
